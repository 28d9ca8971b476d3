"""An audit trail of keys, and secrets that never reach logs or error bodies."""

import logging

from sqlalchemy import select

from vilvik.extensions import db
from vilvik.models import AuditEvent

from .api.test_imports import CURL_BODY
from .conftest import bearer
from .web.helpers import post_form, sign_in


def test_key_creation_use_and_revocation_are_recorded(app, client, runner, user):
    created = runner.invoke(args=["keys", "create", user.email, "--scope", "imports:write", "--name", "ci"])
    secret = created.output.strip().splitlines()[-1]
    client.post("/api/v1/imports/", json=CURL_BODY, headers=bearer(secret))
    client.post("/api/v1/imports/", json=CURL_BODY, headers=bearer(secret))  # within a minute: one use recorded
    runner.invoke(args=["keys", "revoke", secret[:12]])
    with app.app_context():
        events = [(event.action, event.key_prefix, event.ip) for event in
                  db.session.scalars(select(AuditEvent).order_by(AuditEvent.id))]
    assert events == [("key.created", secret[:12], None), ("key.used", secret[:12], "127.0.0.1"),
                      ("key.revoked", secret[:12], None)]
    sign_in(client, user.email)
    page = client.get("/app/keys/").get_data(as_text=True)
    assert "key.created" in page and "key.used" in page and "key.revoked" in page and secret not in page


def test_secrets_and_passwords_never_reach_logs_or_error_bodies(app, client, user, make_key, caplog):
    @app.get("/api/v1/_explode")
    def explode():
        raise RuntimeError("an unexpected failure")

    caplog.set_level(logging.DEBUG)
    secret = make_key(user)
    bodies = []
    bodies.append(client.post("/api/v1/imports/", json={"name": secret}, headers=bearer(secret)).get_data(as_text=True))
    bodies.append(client.post("/api/v1/imports/", data=b"{bad", headers={**bearer(secret),
                                                                         "Content-Type": "application/json"}
                              ).get_data(as_text=True))
    revoked = make_key(user)
    with app.app_context():
        from vilvik.services import accounts

        accounts.revoke_api_key(revoked[:12], email=user.email)
    bodies.append(client.get("/api/v1/results/x", headers=bearer(revoked)).get_data(as_text=True))
    bodies.append(client.get(f"/api/v1/_explode?note={secret[:4]}", headers=bearer(secret)).get_data(as_text=True))
    post_form(client, "/login", {"email": user.email, "password": "the-wrong-password-1"})
    sign_in(client, user.email)
    post_form(client, "/account", {"current": "password-123", "password": "another-password-2",
                                   "confirm": "another-password-2"})
    for body in bodies:
        assert secret not in body and revoked not in body
    logged = caplog.text
    assert "an unexpected failure" in logged  # the logs were captured
    for text in (secret, revoked, "the-wrong-password-1", "another-password-2", "password-123"):
        assert text not in logged
