"""Every failure under /api/ answers in one JSON envelope, with a request id."""

import http.client
import json
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from sqlalchemy import update

from vilvik.extensions import db
from vilvik.models import ApiKey, User, utcnow
from vilvik.services import accounts

from ..conftest import bearer
from .test_imports import CURL_BODY


def assert_envelope(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)[:500]
    assert response.mimetype == "application/json"
    error = response.get_json()["error"]
    assert error["code"] == code
    assert error["message"]
    assert error["request_id"] == response.headers["X-Request-Id"]
    assert isinstance(error["details"], dict)
    return error


def post_raw(client, key, data, content_type="application/json"):
    return client.post("/api/v1/imports/", data=data, headers={**bearer(key), "Content-Type": content_type})


@pytest.mark.parametrize("raw", [
    b"{",
    b'{"name": "x",}',
    b"",
    b'{"result": NaN}',
    b'{"result": Infinity}',
    b'{"result": -Infinity}',
    b'{"name": "a", "name": "b"}',
    b'{"name": "\xff\xfe"}',
    b"[" * 100_000 + b"]" * 100_000,
    b'{"a":' * 50_000 + b"1" + b"}" * 50_000,
    b'{"origin": ' + b'{"a":' * 970 + b"1" + b"}" * 971,
    b'{"a": ' + b"9" * 5000 + b"}",
    b'{"name": "x\\ud800y"}',
    b'{"name": "a\\u0000b"}',
    b'{"origin": {"k\\u0000": 1}}',
])
def test_malformed_json_is_400_invalid_json(client, key, raw):
    assert_envelope(post_raw(client, key, raw), 400, "invalid_json")


def test_a_utf8_byte_order_mark_is_tolerated(client, key):
    response = post_raw(client, key, b"\xef\xbb\xbf" + json.dumps(CURL_BODY).encode())
    assert response.status_code == 201


@pytest.mark.parametrize("raw", [b"[]", b'"text"', b"42", b"null"])
def test_a_body_that_is_not_an_object_is_422(client, key, raw):
    assert_envelope(post_raw(client, key, raw), 422, "validation_failed")


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data",
                                          "application/json; charset=utf-16", "application/json; charset=latin-1"])
def test_other_content_types_are_415(client, key, content_type):
    assert_envelope(post_raw(client, key, json.dumps(CURL_BODY), content_type), 415, "unsupported_media_type")


@pytest.mark.parametrize("header", [None, "", "Bearer", "Bearer ", "Basic dXNlcjpwYXNz", "Bearer not-a-key",
                                    "Bearer vlk_live_" + "A" * 40, "Token vlk_live_" + "A" * 40])
def test_missing_malformed_or_unknown_keys_are_401(client, header):
    headers = {"Authorization": header} if header is not None else {}
    assert_envelope(client.post("/api/v1/imports/", json=CURL_BODY, headers=headers), 401, "unauthorized")


def test_revoked_expired_and_inactive_keys_are_401(app, client, user, make_key):
    revoked, expired, inactive = make_key(user), make_key(user), make_key(user)
    with app.app_context():
        accounts.revoke_api_key(revoked[:12], email=user.email)
        db.session.execute(update(ApiKey).where(ApiKey.prefix == expired[:12])
                           .values(expires_at=utcnow() - timedelta(seconds=1)))
        db.session.commit()
    for secret in (revoked, expired):
        assert_envelope(client.post("/api/v1/imports/", json=CURL_BODY, headers=bearer(secret)), 401, "unauthorized")
    assert client.post("/api/v1/imports/", json=CURL_BODY, headers=bearer(inactive)).status_code == 201
    with app.app_context():
        db.session.execute(update(User).where(User.id == user.id).values(is_active=False))
        db.session.commit()
    assert_envelope(client.post("/api/v1/imports/", json=CURL_BODY, headers=bearer(inactive)), 401, "unauthorized")


def test_a_key_without_the_scope_is_403_naming_it(client, user, make_key):
    secret = make_key(user, scopes=["results:read"])
    error = assert_envelope(client.post("/api/v1/imports/", json=CURL_BODY, headers=bearer(secret)), 403,
                            "scope_required")
    assert "imports:write" in error["message"]


@pytest.mark.parametrize("path", ["/api/v1/nothing-here", "/api", "/api/", "/api/v2/imports"])
def test_unknown_urls_are_404_json(client, path):
    assert_envelope(client.get(path), 404, "not_found")


def test_doubled_slashes_are_404_json_not_a_redirect(client, key):
    assert_envelope(client.post("/api/v1/imports//", json=CURL_BODY, headers=bearer(key)), 404, "not_found")


def test_an_explicit_utf8_charset_is_fine(client, key):
    assert post_raw(client, key, json.dumps(CURL_BODY), "application/json; charset=UTF-8").status_code == 201


def test_wrong_methods_are_405_json(client, key):
    response = client.get("/api/v1/imports/", headers=bearer(key))
    assert_envelope(response, 405, "method_not_allowed")
    assert "POST" in response.headers["Allow"]


def test_a_declared_oversized_body_is_413_before_it_is_read(app, client, key):
    app.config["MAX_IMPORT_BYTES"] = 1000
    response = post_raw(client, key, json.dumps({**CURL_BODY, "description": "x" * 2000}))
    assert_envelope(response, 413, "payload_too_large")


def test_a_body_of_exactly_the_limit_is_read(app, client, key):
    raw = json.dumps(CURL_BODY).encode()
    app.config["MAX_IMPORT_BYTES"] = len(raw)
    assert post_raw(client, key, raw).status_code == 201
    app.config["MAX_IMPORT_BYTES"] = len(raw) - 1
    assert_envelope(post_raw(client, key, raw), 413, "payload_too_large")


def test_the_default_limit_is_16_mib(app):
    assert app.config["MAX_IMPORT_BYTES"] == 16 * 1024 * 1024


def _chunked_post(base_url: str, headers: dict, chunks):
    parts = urlsplit(base_url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    connection.putrequest("POST", "/api/v1/imports/")
    for name, value in {**headers, "Content-Type": "application/json", "Transfer-Encoding": "chunked"}.items():
        connection.putheader(name, value)
    connection.endheaders()
    sent = 0
    try:
        for chunk in chunks:
            connection.send(b"%x\r\n%s\r\n" % (len(chunk), chunk))
            sent += len(chunk)
        connection.send(b"0\r\n\r\n")
    except (BrokenPipeError, ConnectionResetError):
        pass  # the server answered and closed before the client finished sending
    response = connection.getresponse()
    body = response.read()
    connection.close()
    return response.status, json.loads(body), sent


@pytest.mark.live
def test_a_declared_100_mb_body_is_refused_without_being_read(live_server, key):
    """Only the headers are sent: an answer proves the server did not wait for the body."""
    parts = urlsplit(live_server)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    connection.putrequest("POST", "/api/v1/imports/")
    for name, value in {**bearer(key), "Content-Type": "application/json", "Content-Length": str(100 * 2**20)}.items():
        connection.putheader(name, value)
    connection.endheaders()
    response = connection.getresponse()
    assert response.status == 413
    assert json.loads(response.read())["error"]["code"] == "payload_too_large"
    connection.close()


@pytest.mark.live
def test_a_chunked_body_over_the_limit_is_413(app, live_server, key):
    app.config["MAX_IMPORT_BYTES"] = 64 * 1024
    chunk = b" " * 8192
    status, body, _ = _chunked_post(live_server, bearer(key), [b'{"name": "', *([chunk] * 64), b'"}'])
    assert status == 413, body
    assert body["error"]["code"] == "payload_too_large"


@pytest.mark.live
def test_a_100_mb_chunked_body_is_refused_at_the_16_mib_limit(live_server, key):
    chunk = b" " * (1024 * 1024)
    status, body, _ = _chunked_post(live_server, bearer(key), [b'{"name": "', *([chunk] * 100), b'"}'])
    assert status == 413 and body["error"]["code"] == "payload_too_large"
    assert body["error"]["details"]["limit_bytes"] == 16 * 1024 * 1024


@pytest.mark.live
def test_a_chunked_body_within_the_limit_is_accepted(live_server, key):
    raw = json.dumps(CURL_BODY).encode()
    status, body, _ = _chunked_post(live_server, bearer(key), [raw[i:i + 100] for i in range(0, len(raw), 100)])
    assert status == 201, body


def test_unexpected_errors_are_500_without_a_traceback(app, client):
    @app.get("/api/v1/_explode")
    def explode():
        raise RuntimeError("secret internals /etc/passwd")

    error = assert_envelope(client.get("/api/v1/_explode"), 500, "internal_error")
    assert "secret internals" not in json.dumps(error) and "Traceback" not in json.dumps(error)


def test_every_api_response_has_a_request_id(client, key):
    ok = client.get("/api/v1/health")
    failed = client.post("/api/v1/imports/", json={}, headers=bearer(key))
    assert len(ok.headers["X-Request-Id"]) >= 16
    assert failed.headers["X-Request-Id"] != ok.headers["X-Request-Id"]


def test_a_well_formed_caller_request_id_is_kept_and_a_hostile_one_replaced(client):
    assert client.get("/api/v1/health", headers={"X-Request-Id": "trace-42"}).headers["X-Request-Id"] == "trace-42"
    replaced = client.get("/api/v1/health", headers={"X-Request-Id": "<script>alert(1)</script>"})
    assert replaced.headers["X-Request-Id"].isalnum()


def test_pages_outside_the_api_stay_html(client):
    response = client.get("/no-such-page")
    assert response.status_code == 404 and response.mimetype == "text/html"
