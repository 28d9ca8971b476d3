"""The administration commands, through Flask's CLI runner."""

from sqlalchemy import select

from vilvik.extensions import db
from vilvik.ids import hash_secret
from vilvik.models import ApiKey, User

from .conftest import bearer
from .api.test_imports import CURL_BODY


def test_users_create_and_set_tier(app, runner):
    result = runner.invoke(args=["users", "create", "Ada@Example.org", "--password", "long-password", "--tier",
                                 "premium"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        user = db.session.scalar(select(User))
        assert (user.email, user.tier) == ("ada@example.org", "premium")
        assert "long-password" not in user.password_hash
    assert runner.invoke(args=["users", "set-tier", "ada@example.org", "free"]).exit_code == 0
    with app.app_context():
        assert db.session.scalar(select(User.tier)) == "free"


def test_users_create_refuses_duplicates_and_short_passwords(runner):
    assert runner.invoke(args=["users", "create", "a@b.org", "--password", "long-password"]).exit_code == 0
    duplicate = runner.invoke(args=["users", "create", "A@b.org", "--password", "long-password"])
    assert duplicate.exit_code != 0 and "already exists" in duplicate.output
    short = runner.invoke(args=["users", "create", "c@b.org", "--password", "short"])
    assert short.exit_code != 0 and "at least 8" in short.output


def test_keys_create_prints_the_secret_alone_on_the_last_line_and_stores_only_its_hash(app, runner, client, user):
    result = runner.invoke(args=["keys", "create", user.email, "--scope", "imports:write", "--name", "laptop"])
    assert result.exit_code == 0, result.output
    secret = result.output.strip().splitlines()[-1]
    assert secret.startswith("vlk_live_") and len(secret) >= 9 + 32 and secret.isascii()
    with app.app_context():
        key = db.session.scalar(select(ApiKey))
        assert key.secret_hash == hash_secret(secret) and key.prefix == secret[:12]
        assert key.scopes == ["imports:write"] and key.name == "laptop"
        stored = [getattr(key, column.key) for column in ApiKey.__table__.columns]
        assert all(secret not in str(value) for value in stored)
    assert client.post("/api/v1/imports/", json=CURL_BODY, headers=bearer(secret)).status_code == 201
    with app.app_context():
        key = db.session.scalar(select(ApiKey))
        assert key.last_used_at is not None and key.last_used_ip == "127.0.0.1"


def test_keys_create_refuses_unknown_scopes(runner, user):
    result = runner.invoke(args=["keys", "create", user.email, "--scope", "everything"])
    assert result.exit_code != 0


def test_keys_revoke_by_prefix(runner, client, user, make_key):
    secret = make_key(user)
    result = runner.invoke(args=["keys", "revoke", secret[:12]])
    assert result.exit_code == 0 and "revoked 1" in result.output
    assert client.post("/api/v1/imports/", json=CURL_BODY, headers=bearer(secret)).status_code == 401
    again = runner.invoke(args=["keys", "revoke", secret[:12]])
    assert again.exit_code != 0 and "no live key" in again.output
