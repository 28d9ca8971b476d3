"""Access control, enumerated from the URL map: a new route without an entry here fails."""

import pytest
from sqlalchemy import select

from vilvik.extensions import db
from vilvik.models import SCOPES, ApiKey

from .api.test_imports import CURL_BODY
from .conftest import bearer
from .web.helpers import csrf_token, sign_in

# API endpoint -> the one scope it demands (None: public).
API_SCOPES = {
    "api.health.health": None, "api.health.openapi": None, "api.devices.code": None, "api.devices.token": None,
    "api.imports.create": "imports:write",
    "api.results.index": "results:read", "api.results.get": "results:read",
    "api.results.update": "results:write", "api.results.delete": "results:write",
    "api.results.continue_run": "submissions:write",
    "api.submissions.index": "submissions:read", "api.submissions.get": "submissions:read",
    "api.submissions.create": "submissions:write", "api.submissions.delete": "submissions:write",
    "api.submissions.reexecute": "submissions:write",
}
# Page endpoint -> who may open it.
PAGES = {
    "static": "public", "web.index": "public", "web.docs.api_reference": "public",
    "web.account.login": "public", "web.account.signup": "public",
    "web.account.logout": "signed-in", "web.account.settings": "signed-in", "web.dashboard.index": "signed-in",
    "web.keys.index": "signed-in", "web.device.approve": "signed-in",
    "web.results.show": "owner", "web.results.download_json": "owner", "web.results.download_history": "owner",
    "web.results.download_population": "owner", "web.submissions.show": "owner", "web.submissions.edit": "owner",
    "web.submissions.version": "owner", "web.keys.revoke": "owner", "web.runs.continue_run": "owner",
    "web.runs.rerun": "owner", "web.runs.cancel": "owner", "web.runs.progress": "owner",
}


def base_endpoint(endpoint: str) -> str:
    return endpoint.removesuffix("_slash")


def routes(app):
    """(endpoint, rule, method) for every route but HEAD/OPTIONS, slash twins included."""
    return [(base_endpoint(rule.endpoint), rule.rule, method) for rule in app.url_map.iter_rules()
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"})]


@pytest.fixture()
def owner_objects(app, client, make_user, make_key):
    owner = make_user()
    secret = make_key(owner)
    created = client.post("/api/v1/imports/", json=CURL_BODY, headers=bearer(secret)).get_json()
    with app.app_context():
        key_id = db.session.scalar(select(ApiKey.id).where(ApiKey.user_id == owner.id))
    return {"result_id": created["result_id"], "submission_id": created["id"], "key_id": key_id, "number": 1,
            "filename": "css/vilvik.css"}


def url(rule: str, values: dict) -> str:
    for name, value in values.items():
        for converter in ("", "int:", "path:"):
            rule = rule.replace(f"<{converter}{name}>", str(value))
    assert "<" not in rule, rule
    return rule


def call(client, method, path, **options):
    return client.open(path, method=method, **options)


def test_every_route_is_classified(app):
    for endpoint, rule, _ in routes(app):
        table = API_SCOPES if rule.startswith("/api/") else PAGES
        assert endpoint in table, f"{endpoint} ({rule}) has no access rule in this test"


def test_api_refuses_the_unauthenticated(app, client, owner_objects):
    for endpoint, rule, method in routes(app):
        if rule.startswith("/api/") and API_SCOPES[endpoint]:
            response = call(client, method, url(rule, owner_objects), json={})
            assert response.status_code == 401, (method, rule)
            assert response.get_json()["error"]["code"] == "unauthorized"


def test_each_api_endpoint_demands_exactly_its_scope(app, client, make_user, make_key, owner_objects):
    user = make_user()
    for endpoint, rule, method in routes(app):
        scope = API_SCOPES.get(endpoint) if rule.startswith("/api/") else None
        if not scope:
            continue
        path = url(rule, owner_objects)
        without = make_key(user, scopes=[other for other in SCOPES if other != scope])
        refused = call(client, method, path, json={}, headers=bearer(without))
        assert refused.status_code == 403 and scope in refused.get_json()["error"]["message"], (method, rule)
        only = make_key(user, scopes=[scope])
        allowed = call(client, method, path, json={}, headers=bearer(only))
        assert allowed.status_code not in (401, 403), (method, rule, allowed.get_json())


def test_another_account_gets_404_for_every_owned_object(app, client, make_user, make_key, owner_objects):
    stranger = make_user()
    secret = make_key(stranger)
    sign_in(client, stranger.email)
    token = csrf_token(client, "/app/")
    for endpoint, rule, method in routes(app):
        if "<" not in rule or endpoint == "static":
            continue
        path = url(rule, owner_objects)
        if rule.startswith("/api/"):
            response = call(client, method, path, json={}, headers=bearer(secret))
            assert response.status_code == 404, (method, rule)
            assert response.get_json()["error"]["code"] == "not_found"
        else:
            data = {"csrf_token": token} if method == "POST" else None
            assert call(client, method, path, data=data).status_code == 404, (method, rule)


def test_pages_for_signed_in_users_send_others_to_sign_in(app, client, owner_objects):
    token = csrf_token(client, "/login")  # a valid token of an anonymous session: the sign-in wall still holds
    for endpoint, rule, method in routes(app):
        if rule.startswith("/api/") or PAGES[endpoint] == "public":
            continue
        data = {"csrf_token": token} if method == "POST" else None
        response = call(client, method, url(rule, owner_objects), data=data)
        assert response.status_code == 302 and response.headers["Location"].startswith("/login"), (method, rule)


def test_every_state_changing_page_needs_the_csrf_token(app, client, user, owner_objects):
    sign_in(client, user.email)
    for endpoint, rule, method in routes(app):
        if rule.startswith("/api/") or method != "POST":
            continue
        response = call(client, method, url(rule, owner_objects), data={"anything": "1"})
        assert response.status_code == 400, (method, rule)
