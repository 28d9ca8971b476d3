"""Many simultaneous imports against gunicorn with two worker processes: limits exact, nothing
stored twice or lost, no 5xx."""

from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from sqlalchemy import func, select

from vilvik.extensions import db
from vilvik.models import Result, Submission

from .api.test_imports import CURL_BODY
from .conftest import bearer

pytestmark = pytest.mark.live


def fire(url: str, keys: list[str], count: int) -> list[requests.Response]:
    def one(index: int) -> requests.Response:
        return requests.post(f"{url}/api/v1/imports/", json=CURL_BODY, headers=bearer(keys[index % len(keys)]),
                             timeout=120)

    with ThreadPoolExecutor(max_workers=32) as pool:
        return list(pool.map(one, range(count)))


def stored(app) -> tuple[set[str], int]:
    with app.app_context():
        return set(db.session.scalars(select(Submission.public_id))), db.session.scalar(
            select(func.count()).select_from(Result))


def test_100_simultaneous_free_imports_give_exactly_ten(app, gunicorn_server, user, make_key):
    responses = fire(gunicorn_server, [make_key(user), make_key(user)], 100)
    statuses = sorted(response.status_code for response in responses)
    assert statuses == [201] * 10 + [429] * 90
    refused = [response for response in responses if response.status_code == 429]
    assert all(int(response.headers["Retry-After"]) > 0 for response in refused)
    assert all(response.json()["error"]["code"] == "rate_limited" for response in refused)
    ids, results = stored(app)
    assert ids == {response.json()["id"] for response in responses if response.status_code == 201}
    assert results == 10


def test_300_simultaneous_premium_imports_are_each_stored_once(app, gunicorn_server, make_user, make_key):
    keys = [make_key(make_user("premium")) for _ in range(5)]  # 5 accounts x 60 an hour
    responses = fire(gunicorn_server, keys, 300)
    assert [response.status_code for response in responses] == [201] * 300
    created = [response.json()["id"] for response in responses]
    ids, results = stored(app)
    assert len(set(created)) == 300 and ids == set(created) and results == 300
