"""Many simultaneous imports over real sockets: every 201 stored once, nothing else, limits exact."""

from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from sqlalchemy import select

from vilvik.extensions import db
from vilvik.models import Result, Submission

from ..conftest import bearer, count_rows
from .test_imports import CURL_BODY

pytestmark = pytest.mark.live


def fire(url: str, requests_args: list[dict], workers: int = 16) -> list[requests.Response]:
    def one(kwargs):
        return requests.post(f"{url}/api/v1/imports/", json=CURL_BODY, timeout=120, **kwargs)

    with ThreadPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(one, requests_args))


def stored_submission_ids(app) -> set[str]:
    with app.app_context():
        return set(db.session.scalars(select(Submission.public_id)))


def test_a_free_account_gets_exactly_its_ten(app, live_server, user, make_key):
    keys = [make_key(user), make_key(user)]
    responses = fire(live_server, [{"headers": bearer(keys[index % 2])} for index in range(40)])
    statuses = sorted(response.status_code for response in responses)
    assert statuses == [201] * 10 + [429] * 30
    created = {response.json()["id"] for response in responses if response.status_code == 201}
    assert stored_submission_ids(app) == created
    assert count_rows(app, Result) == 10


def test_every_created_import_over_several_premium_accounts_is_stored_once(app, live_server, make_user, make_key):
    keys = [make_key(make_user("premium")) for _ in range(3)]
    responses = fire(live_server, [{"headers": bearer(keys[index % 3])} for index in range(60)])
    assert all(response.status_code == 201 for response in responses), [r.text for r in responses][:3]
    created = [response.json()["id"] for response in responses]
    assert len(set(created)) == 60
    assert stored_submission_ids(app) == set(created)
    assert count_rows(app, Result) == 60


def test_simultaneous_retries_with_one_idempotency_key_store_one_import(app, live_server, key):
    headers = {**bearer(key), "Idempotency-Key": "retry-storm"}
    responses = fire(live_server, [{"headers": headers}] * 12)
    assert {response.status_code for response in responses} == {201}
    assert len({response.json()["id"] for response in responses}) == 1
    assert count_rows(app, Submission) == 1


def test_simultaneous_imports_with_keys_of_their_own_are_each_stored_once(app, live_server, make_user, make_key):
    secret = make_key(make_user("premium"))
    responses = fire(live_server, [{"headers": {**bearer(secret), "Idempotency-Key": f"sdk-{index}"}}
                                   for index in range(40)])
    assert [response.status_code for response in responses] == [201] * 40
    assert len({response.json()["id"] for response in responses}) == 40
    assert count_rows(app, Result) == 40
    assert responses[-1].headers["X-RateLimit-Remaining"] in {str(60 - count) for count in range(1, 41)}
