"""Every operation of /api/v1/openapi.json, fed generated input (schemathesis): never a 5xx,
never HTML, and every failure in the error envelope."""

from hypothesis import HealthCheck, given, settings
import schemathesis

from ..conftest import bearer
from .test_imports import CURL_BODY


def test_generated_requests_never_break_the_api(app, client, make_user, make_key):
    secret = make_key(make_user("premium"))
    client.post("/api/v1/imports/", json=CURL_BODY, headers=bearer(secret))
    api = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    operations = [result.ok() for result in api.get_all_operations()]
    assert len(operations) >= 14
    statuses = []
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(max_examples=20, deadline=None, database=None, suppress_health_check=list(HealthCheck))
        def check(case):
            response = case.call(headers=bearer(secret))
            statuses.append(response.status_code)
            where = f"{case.method} {case.formatted_path}"
            assert response.status_code < 500, (where, response.text[:500])
            if response.status_code != 204:
                content_type = {key.lower(): value for key, value in response.headers.items()}["content-type"]
                content_type = content_type[0] if isinstance(content_type, list) else content_type
                assert content_type.startswith("application/json"), (where, response.text[:200])
            if response.status_code >= 400 and not case.path.startswith("/auth/device"):
                assert {"code", "message", "request_id", "details"} <= set(response.json()["error"]), where

        check()

    assert len(statuses) >= 5 * len(operations)
    assert {200, 404, 422} <= set(statuses)  # the generated input reached real answers and real refusals
