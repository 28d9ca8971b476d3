"""Property tests of the import's validation: whatever JSON arrives, the answer is a 201 or a
4xx in the envelope, and only a 201 stores anything."""

import copy
import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from vilvik.models import Submission

from ..conftest import bearer, count_rows
from .test_imports import CURL_BODY

JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(min_value=-10**30, max_value=10**30)
    | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=40),
    lambda children: st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=12), children, max_size=5),
    max_leaves=20,
)


def paths(value, prefix=()):
    yield prefix
    if isinstance(value, dict):
        for key, child in value.items():
            yield from paths(child, (*prefix, key))


ALL_PATHS = [path for path in paths(CURL_BODY) if path]


def replaced(path, value):
    body = copy.deepcopy(CURL_BODY)
    target = body
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return body


SETTINGS = settings(max_examples=150, deadline=None, database=None, suppress_health_check=list(HealthCheck))


@SETTINGS
@given(path=st.sampled_from(ALL_PATHS), value=JSON_VALUES)
def test_any_value_anywhere_is_answered_in_the_envelope(app, client, key, path, value):
    before = count_rows(app, Submission)
    response = client.post("/api/v1/imports/", json=replaced(path, value), headers=bearer(key))
    # 400: text no database stores (NUL, unpaired surrogates) is refused as invalid JSON
    assert response.status_code in (201, 400, 422, 429), response.get_data(as_text=True)[:500]
    if response.status_code == 201:
        assert count_rows(app, Submission) == before + 1
    else:
        assert set(response.get_json()["error"]) == {"code", "message", "request_id", "details"}
        assert count_rows(app, Submission) == before


@SETTINGS
@given(body=JSON_VALUES)
def test_any_body_at_all_is_refused_cleanly(client, key, body):
    response = client.post("/api/v1/imports/", data=json.dumps(body), headers={**bearer(key),
                                                                                "Content-Type": "application/json"})
    assert response.status_code in (400, 422)
    assert response.get_json()["error"]["code"] in ("invalid_json", "validation_failed")


@SETTINGS
@given(raw=st.binary(max_size=200))
def test_any_bytes_are_refused_cleanly(client, key, raw):
    response = client.post("/api/v1/imports/", data=raw, headers={**bearer(key), "Content-Type": "application/json"})
    assert response.status_code in (400, 422)
    assert response.mimetype == "application/json"


def test_megabyte_strings_in_every_string_field_are_refused_by_name(client, key):
    big = "x" * (1024 * 1024)
    for path in [path for path in ALL_PATHS if isinstance(_value_at(CURL_BODY, path), str)] + [("description",)]:
        response = client.post("/api/v1/imports/", json=replaced(path, big), headers=bearer(key))
        assert response.status_code == 422, path
        assert ".".join(path) in response.get_json()["error"]["details"], path


def _value_at(body, path):
    for key in path:
        body = body[key]
    return body
