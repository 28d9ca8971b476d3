"""Every operation of /api/v1/openapi.json, fed generated input (schemathesis): never a 5xx,
never HTML, and every failure in the error envelope."""

from hypothesis import HealthCheck, given, settings
import schemathesis

from ..conftest import bearer
from .test_imports import CURL_BODY


def test_generated_requests_never_break_the_api(app, client, make_user, make_key):
    secret = make_key(make_user("premium"))
    api = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    operations = [result.ok() for result in api.get_all_operations()]
    assert len(operations) >= 14
    statuses, reached = [], {}
    for operation in operations:
        # Half the cases name real objects (fresh for each operation, as some delete them), so that
        # operations on an id get past the 404.
        created = client.post("/api/v1/imports/", json=CURL_BODY, headers=bearer(secret)).get_json()
        real = {"result_id": created["result_id"], "submission_id": created["id"]}

        @given(case=operation.as_strategy())
        @settings(max_examples=20, deadline=None, database=None, suppress_health_check=list(HealthCheck))
        def check(case):
            if case.path_parameters and len(statuses) % 2 == 0:
                case.path_parameters = {name: real.get(name, value) for name, value in case.path_parameters.items()}
            response = case.call(headers=bearer(secret))
            statuses.append(response.status_code)
            reached.setdefault(f"{case.method} {case.path}", set()).add(response.status_code)
            where = f"{case.method} {case.formatted_path}"
            assert response.status_code < 500, (where, response.text[:500])
            if response.status_code != 204:
                content_type = {key.lower(): value for key, value in response.headers.items()}["content-type"]
                content_type = content_type[0] if isinstance(content_type, list) else content_type
                assert content_type.startswith("application/json"), (where, response.text[:200])
            if response.status_code >= 400 and case.path.startswith("/auth/device"):
                assert isinstance(response.json()["error"], str), where  # RFC 8628's own error shape
            elif response.status_code >= 400:
                assert {"code", "message", "request_id", "details"} <= set(response.json()["error"]), where

        check()

    assert len(statuses) >= 5 * len(operations)
    assert {200, 404, 422} <= set(statuses)  # generated input reached real answers and real refusals
    for operation, codes in reached.items():
        if "{" in operation:  # operations on an id got past the 404 for the real ones
            assert codes - {404}, operation
