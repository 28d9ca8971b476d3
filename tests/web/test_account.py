"""Sign up, sign in, sign out, password change, throttling, and the sign-in wall."""

import re

import pytest

from .helpers import csrf_token, post_form, sign_in


def test_sign_up_signs_in_and_shows_the_tier(client):
    response = post_form(client, "/signup", {"email": "new@example.org", "password": "long-password",
                                             "confirm": "long-password"})
    assert response.status_code == 302 and response.headers["Location"] == "/app/"
    page = client.get("/app/").get_data(as_text=True)
    assert "new@example.org" in page and "Free" in page


def test_sign_up_errors_keep_the_form(client, user):
    response = post_form(client, "/signup", {"email": user.email, "password": "long-password",
                                             "confirm": "other-password"})
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "The passwords differ." in page and user.email in page


def test_sign_up_can_be_switched_off(app, client):
    app.config["ALLOW_SIGNUP"] = False
    assert client.get("/signup").status_code == 404
    assert "Sign up" not in client.get("/login").get_data(as_text=True)


def test_wrong_passwords_are_refused_without_saying_which_part_was_wrong(client, user):
    for email in (user.email, "nobody@example.org"):
        response = post_form(client, "/login", {"email": email, "password": "wrong-password"})
        assert response.status_code == 200
        assert "Wrong email or password." in response.get_data(as_text=True)
    assert client.get("/app/").status_code == 302


def test_sign_in_attempts_are_throttled_per_email_across_addresses(app, client, user):
    app.config["LOGIN_LIMIT"] = "3 per minute"
    token = csrf_token(client, "/login")
    statuses = [client.post("/login", data={"email": user.email, "password": "wrong", "csrf_token": token},
                            environ_base={"REMOTE_ADDR": f"10.0.0.{index}"}).status_code for index in range(4)]
    assert statuses == [200, 200, 200, 429]


def test_password_guesses_on_the_account_page_are_throttled(app, client, user):
    app.config["LOGIN_LIMIT"] = "3 per minute"
    sign_in(client, user.email)
    token = csrf_token(client, "/account")
    guesses = [client.post("/account", data={"current": f"guess-{index}", "password": "another-pass-1",
                                             "confirm": "another-pass-1", "csrf_token": token}).status_code
               for index in range(4)]
    assert guesses == [200, 200, 200, 429]


def test_sign_in_attempts_are_throttled(app, client, user):
    app.config["LOGIN_LIMIT"] = "3 per minute"
    token = csrf_token(client, "/login")
    statuses = [client.post("/login", data={"email": user.email, "password": "wrong", "csrf_token": token}).status_code
                for _ in range(4)]
    assert statuses == [200, 200, 200, 429]


@pytest.mark.parametrize("path", ["/app/", "/app/keys/", "/account", "/app/result/abc/", "/app/submission/abc/edit"])
def test_pages_under_app_require_sign_in(client, path):
    response = client.get(path)
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")


def test_sign_in_returns_to_the_page_asked_for_but_never_off_site(client, user):
    token = csrf_token(client, "/login")
    local = client.post("/login?next=/app/keys/", data={"email": user.email, "password": "password-123",
                                                        "csrf_token": token})
    assert local.headers["Location"] == "/app/keys/"
    client.post("/logout", data={"csrf_token": csrf_token(client, "/app/")})
    token = csrf_token(client, "/login")
    for target in ("//evil.example/", "https://evil.example/"):
        response = client.post(f"/login?next={target}", data={"email": user.email, "password": "password-123",
                                                               "csrf_token": token})
        assert response.headers["Location"] == "/app/"


def test_sign_out_needs_a_post_with_the_token(client, user):
    sign_in(client, user.email)
    assert client.post("/logout").status_code == 400
    assert client.get("/app/").status_code == 200
    post_form(client, "/logout", {}, token_from="/app/")
    assert client.get("/app/").status_code == 302


def test_a_password_change_signs_out_other_sessions(app, user):
    mine, other = app.test_client(), app.test_client()
    sign_in(mine, user.email)
    sign_in(other, user.email)
    response = post_form(mine, "/account", {"current": "password-123", "password": "brand-new-password",
                                            "confirm": "brand-new-password"})
    assert response.status_code == 302
    assert mine.get("/app/").status_code == 200
    assert other.get("/app/").status_code == 302
    sign_in(app.test_client(), user.email, "brand-new-password")


def test_a_wrong_current_password_changes_nothing(app, client, user):
    sign_in(client, user.email)
    response = post_form(client, "/account", {"current": "not-it", "password": "brand-new-password",
                                              "confirm": "brand-new-password"})
    assert "The current password is wrong." in response.get_data(as_text=True)
    sign_in(app.test_client(), user.email)


def test_behind_https_session_cookies_are_secure(app, user):
    app.config["SESSION_COOKIE_SECURE"] = True  # what a PUBLIC_URL of https:// sets (see the config test)
    client = app.test_client()
    response = client.get("/login", base_url="https://localhost")
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', response.get_data(as_text=True)).group(1)
    signed = client.post("/login", data={"email": user.email, "password": "password-123", "csrf_token": token},
                         base_url="https://localhost", headers={"Referer": "https://localhost/login"})
    (cookie,) = [value for value in signed.headers.getlist("Set-Cookie") if value.startswith("session=")]
    assert "Secure" in cookie and "HttpOnly" in cookie


def test_session_cookies_are_http_only_and_same_site(client, user):
    response = sign_in(client, user.email)
    (cookie,) = [value for value in response.headers.getlist("Set-Cookie") if value.startswith("session=")]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_security_headers(app, client):
    response = client.get("/login")
    policy = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy and "frame-ancestors 'none'" in policy
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "Strict-Transport-Security" not in response.headers
    app.config["PUBLIC_URL"] = "https://vilvik.example.org"
    assert "max-age" in client.get("/login").headers["Strict-Transport-Security"]
