"""Idempotency-Key on the import: replays within 24 hours, conflicts for another body."""

import copy
from datetime import timedelta

from sqlalchemy import update

from vilvik.extensions import db
from vilvik.models import IdempotencyRecord, Submission, utcnow

from ..conftest import bearer, count_rows
from .test_imports import CURL_BODY


def post(client, secret, key, body=CURL_BODY):
    return client.post("/api/v1/imports", json=body, headers={**bearer(secret), "Idempotency-Key": key})


def test_a_replay_returns_the_original_answer_and_stores_nothing_new(app, client, key):
    first = post(client, key, "3f1c9b1e-0000-4000-8000-000000000001")
    again = post(client, key, "3f1c9b1e-0000-4000-8000-000000000001")
    assert first.status_code == again.status_code == 201
    assert again.get_json() == first.get_json()
    assert again.headers["Location"] == first.headers["Location"]
    assert again.headers["Idempotent-Replayed"] == "true"
    assert count_rows(app, Submission) == 1


def test_replays_do_not_count_against_the_quota(client, key):
    for _ in range(12):
        assert post(client, key, "same-key").status_code == 201
    assert post(client, key, "another-key").headers["X-RateLimit-Remaining"] == "8"


def test_the_same_key_with_another_body_is_409(app, client, key):
    assert post(client, key, "k1").status_code == 201
    changed = copy.deepcopy(CURL_BODY)
    changed["name"] = "something else"
    response = post(client, key, "k1", changed)
    assert response.status_code == 409
    assert response.get_json()["error"]["code"] == "idempotency_conflict"
    assert count_rows(app, Submission) == 1


def test_the_same_body_in_another_key_order_is_the_same_request(client, key):
    reordered = dict(reversed(list(CURL_BODY.items())))
    assert post(client, key, "k2").status_code == 201
    assert post(client, key, "k2", reordered).headers.get("Idempotent-Replayed") == "true"


def test_keys_belong_to_their_account(app, client, make_user, make_key):
    one, other = make_key(make_user()), make_key(make_user())
    first, second = post(client, one, "shared"), post(client, other, "shared")
    assert first.status_code == second.status_code == 201
    assert first.get_json()["id"] != second.get_json()["id"]


def test_a_key_older_than_24_hours_starts_afresh(app, client, key):
    first = post(client, key, "old")
    with app.app_context():
        db.session.execute(update(IdempotencyRecord).values(created_at=utcnow() - timedelta(hours=24, seconds=1)))
        db.session.commit()
    second = post(client, key, "old")
    assert second.status_code == 201
    assert second.get_json()["id"] != first.get_json()["id"]
    assert count_rows(app, Submission) == 2 and count_rows(app, IdempotencyRecord) == 1


def test_a_failed_request_does_not_burn_the_key(client, key):
    assert post(client, key, "retry-me", {"name": "broken"}).status_code == 422
    assert post(client, key, "retry-me").status_code == 201


def test_an_overlong_key_is_422(client, key):
    response = post(client, key, "k" * 256)
    assert response.status_code == 422
    assert "Idempotency-Key" in response.get_json()["error"]["details"]
