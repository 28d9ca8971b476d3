"""Device login (RFC 8628): the device polls, a signed-in user approves or denies on a page."""

from datetime import timedelta

from sqlalchemy import update

from vilvik.extensions import db
from vilvik.models import DeviceAuthorization, utcnow

from ..conftest import bearer
from ..web.helpers import post_form, sign_in


def start(client):
    response = client.post("/api/v1/auth/device/code", json={})
    assert response.status_code == 200
    return response.get_json()


def poll(client, device_code):
    return client.post("/api/v1/auth/device/token", json={"device_code": device_code})


def test_the_device_code_answer(client):
    started = start(client)
    assert started["expires_in"] == 1800 and started["interval"] == 5
    assert started["verification_uri"] == "http://localhost/device/approve"
    assert started["verification_uri_complete"].endswith(f"?user_code={started['user_code']}")
    assert len(started["device_code"]) >= 40 and len(started["user_code"]) == 9


def test_pending_then_slow_down_then_approved_gives_a_key_once(app, client, user):
    started = start(client)
    first = poll(client, started["device_code"])
    assert first.status_code == 400 and first.get_json()["error"] == "authorization_pending"
    assert poll(client, started["device_code"]).get_json()["error"] == "slow_down"

    browser = app.test_client()
    sign_in(browser, user.email)
    page = browser.get(f"/device/approve?user_code={started['user_code'].lower()}").get_data(as_text=True)
    assert started["user_code"] in page and user.email in page
    decided = post_form(browser, "/device/approve", {"user_code": started["user_code"], "decision": "approve"},
                        token_from="/app/")
    assert "Approved" in decided.get_data(as_text=True)

    token = poll(client, started["device_code"])
    assert token.status_code == 200
    secret = token.get_json()["api_key"]
    assert secret.startswith("vlk_live_")
    assert client.get("/api/v1/submissions", headers=bearer(secret)).status_code == 200
    assert "device login" in browser.get("/app/keys/").get_data(as_text=True)
    assert poll(client, started["device_code"]).get_json()["error"] == "invalid_grant"


def test_denied(app, client, user):
    started = start(client)
    browser = app.test_client()
    sign_in(browser, user.email)
    post_form(browser, "/device/approve", {"user_code": started["user_code"], "decision": "deny"}, token_from="/app/")
    assert poll(client, started["device_code"]).get_json()["error"] == "access_denied"


def test_expired(app, client, user):
    started = start(client)
    with app.app_context():
        db.session.execute(update(DeviceAuthorization).values(expires_at=utcnow() - timedelta(seconds=1)))
        db.session.commit()
    assert poll(client, started["device_code"]).get_json()["error"] == "expired_token"
    browser = app.test_client()
    sign_in(browser, user.email)
    assert browser.get(f"/device/approve?user_code={started['user_code']}").status_code == 404


def test_unknown_codes_and_the_sign_in_wall(client):
    assert poll(client, "nonsense").get_json()["error"] == "invalid_grant"
    assert client.post("/api/v1/auth/device/token", json={}).get_json()["error"] == "invalid_request"
    response = client.get("/device/approve?user_code=BCDF-GHJK")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_approval_needs_the_csrf_token(app, client, user):
    started = start(client)
    browser = app.test_client()
    sign_in(browser, user.email)
    refused = browser.post("/device/approve", data={"user_code": started["user_code"], "decision": "approve"})
    assert refused.status_code == 400
    assert poll(client, started["device_code"]).get_json()["error"] == "authorization_pending"


def test_token_answers_are_not_cached_and_other_grants_are_refused(client):
    started = start(client)
    response = poll(client, started["device_code"])
    assert response.headers["Cache-Control"] == "no-store"
    wrong = client.post("/api/v1/auth/device/token", json={"device_code": started["device_code"],
                                                           "grant_type": "password"})
    assert wrong.get_json()["error"] == "unsupported_grant_type"
