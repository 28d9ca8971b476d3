"""Import quotas per account and tier: Free 10/hour and 50/day, Premium 60/hour and 300/day."""

import time

import pytest
from limits import parse

from vilvik.errors import RateLimited
from vilvik.redis_connection import get_redis
from vilvik.services.quotas import window_key

from ..conftest import bearer
from .test_imports import CURL_BODY


def post(client, secret, body=CURL_BODY):
    return client.post("/api/v1/imports/", json=body, headers=bearer(secret))


def prefill_day_window(app, user, used: int, daily: str) -> None:
    """Spend part of the day's window without waiting for hours to pass."""
    with app.app_context():
        window = parse(daily)
        key = window_key(user.id, window)
        get_redis().hset(key, mapping={"count": used, "id": "prefilled"})
        get_redis().expire(key, window.get_expiry())


def assert_rate_limited(response, limit: int) -> int:
    assert response.status_code == 429
    error = response.get_json()["error"]
    assert error["code"] == "rate_limited"
    retry_after = response.headers["Retry-After"]
    assert retry_after.isdigit() and int(retry_after) >= 1
    assert response.headers["X-RateLimit-Limit"] == str(limit)
    assert response.headers["X-RateLimit-Remaining"] == "0"
    return int(retry_after)


@pytest.mark.parametrize("tier, hourly", [("free", 10), ("premium", 60)])
def test_the_hourly_window_counts_per_account_across_keys(client, make_user, make_key, tier, hourly):
    user = make_user(tier)
    first, second = make_key(user), make_key(user)
    for index in range(hourly):
        response = post(client, first if index % 2 else second)
        assert response.status_code == 201
        assert response.headers["X-RateLimit-Remaining"] == str(hourly - index - 1)
        assert response.headers["X-RateLimit-Limit"] == str(hourly)
    for secret in (first, second):
        retry_after = assert_rate_limited(post(client, secret), hourly)
        assert retry_after <= 3600


@pytest.mark.parametrize("tier, daily", [("free", 50), ("premium", 300)])
def test_the_daily_window_holds_too(app, client, make_user, make_key, tier, daily):
    user = make_user(tier)
    secret = make_key(user)
    prefill_day_window(app, user, daily - 1, f"{daily} per day")
    assert post(client, secret).status_code == 201
    retry_after = assert_rate_limited(post(client, secret), daily)
    assert 3600 < retry_after <= 86400


def test_another_account_has_its_own_quota(client, make_user, make_key):
    spent, fresh = make_key(make_user()), make_key(make_user())
    for _ in range(10):
        assert post(client, spent).status_code == 201
    assert post(client, spent).status_code == 429
    assert post(client, fresh).status_code == 201


def test_only_successful_imports_count(client, key):
    for _ in range(15):
        assert post(client, key, {"code": {}}).status_code == 422
    response = post(client, key)
    assert response.status_code == 201
    assert response.headers["X-RateLimit-Remaining"] == "9"


def test_failed_imports_report_the_quota_too(client, key):
    response = post(client, key, {})
    assert response.status_code == 422
    assert response.headers["X-RateLimit-Remaining"] == "10"
    assert int(response.headers["X-RateLimit-Reset"]) > time.time()


def test_a_new_tier_takes_effect_at_once(app, runner, client, user, key):
    for _ in range(10):
        post(client, key)
    assert post(client, key).status_code == 429
    assert runner.invoke(args=["users", "set-tier", user.email, "premium"]).exit_code == 0
    response = post(client, key)
    assert response.status_code == 201
    assert response.headers["X-RateLimit-Limit"] == "60"


def test_tier_limits_are_configuration(app, client, key):
    app.config["TIERS"] = {**app.config["TIERS"], "free": {"imports": ["2 per hour", "3 per day"]}}
    assert [post(client, key).status_code for _ in range(3)] == [201, 201, 429]


def test_the_flood_guard_counts_all_endpoints_together_per_key(app, client, key):
    app.config["API_GUARD_LIMIT"] = "5 per minute"
    paths = ["/api/v1/results/unknown", "/api/v1/results/unknown/", "/api/v1/submissions/unknown",
             "/api/v1/health", "/api/v1/health/"]
    assert [client.get(path, headers=bearer(key)).status_code for path in paths] == [404, 404, 404, 200, 200]
    response = client.get("/api/v1/submissions/unknown/", headers=bearer(key))
    assert response.status_code == 429
    assert response.get_json()["error"]["code"] == "rate_limited"
    assert int(response.headers["Retry-After"]) >= 1


def test_the_flood_guard_counts_per_account_across_keys(app, client, user, make_key):
    app.config["API_GUARD_LIMIT"] = "4 per minute"
    keys = [make_key(user) for _ in range(3)]
    statuses = [client.get("/api/v1/results/x", headers=bearer(keys[index % 3])).status_code for index in range(5)]
    assert statuses == [404] * 4 + [429]


def test_made_up_keys_share_their_addresss_count(app, client):
    app.config["API_ADDRESS_LIMIT"] = "5 per minute"
    statuses = [client.get("/api/v1/results/x", headers=bearer(f"vlk_live_{index:040d}")).status_code
                for index in range(6)]
    assert statuses == [401] * 5 + [429]


def test_a_failed_store_does_not_use_up_quota(app, client, key):
    """The result insert fails (its table refuses the row): nothing stored, nothing counted."""
    from sqlalchemy import text

    from vilvik.extensions import db

    with app.app_context():
        db.session.execute(text("ALTER TABLE results RENAME COLUMN population TO population_elsewhere"))
        db.session.commit()
    assert post(client, key).status_code in (500, 503)
    with app.app_context():
        db.session.execute(text("ALTER TABLE results RENAME COLUMN population_elsewhere TO population"))
        db.session.commit()
    assert post(client, key).headers["X-RateLimit-Remaining"] == "9"


REFUSE_NAMED = {
    "sqlite": ["CREATE TRIGGER refuse_named BEFORE INSERT ON results WHEN NEW.name = 'refused' "
               "BEGIN SELECT RAISE(ABORT, 'refused'); END"],
    "postgresql": ["CREATE OR REPLACE FUNCTION refuse_named() RETURNS trigger LANGUAGE plpgsql AS "
                   "$$ BEGIN IF NEW.name = 'refused' THEN RAISE EXCEPTION 'refused'; END IF; RETURN NEW; END $$",
                   "CREATE TRIGGER refuse_named BEFORE INSERT ON results FOR EACH ROW EXECUTE FUNCTION refuse_named()"],
}


def test_an_import_the_database_refuses_does_not_count(app, client, key):
    from sqlalchemy import text

    from vilvik.extensions import db

    with app.app_context():
        for statement in REFUSE_NAMED[db.engine.dialect.name]:
            db.session.execute(text(statement))
        db.session.commit()
    app.config["PROPAGATE_EXCEPTIONS"] = False  # answered as in production: 500 in the envelope
    refused = post(client, key, {**CURL_BODY, "name": "refused"})
    assert refused.status_code == 500
    assert refused.get_json()["error"]["code"] == "internal_error"
    stored = post(client, key)
    assert stored.status_code == 201
    assert stored.headers["X-RateLimit-Remaining"] == "9"


def test_a_refund_never_takes_from_the_next_window(app, user):
    from vilvik.extensions import db
    from vilvik.models import User
    from vilvik.services.quotas import reserve_import

    app.config["TIERS"] = {**app.config["TIERS"], "free": {**app.config["TIERS"]["free"], "imports": ["2 per second"]}}
    with app.app_context():
        user = db.session.get(User, user.id)
        slow = reserve_import(user)  # its import takes longer than its window
        time.sleep(1.2)
        reserve_import(user)
        slow.refund()  # counted in the window that ended: nothing to give back in this one
        reserve_import(user)
        with pytest.raises(RateLimited):
            reserve_import(user)
