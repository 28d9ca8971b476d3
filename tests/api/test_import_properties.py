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
    | st.floats(allow_nan=True, allow_infinity=True) | st.text(max_size=40),
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


STRING_FIELDS = [("name",), ("description",), ("code", "fitness_func"), ("code", "fitness_func_entry"),
                 ("code", "on_generation"), ("code", "on_generation_entry"), ("origin", "client"),
                 ("ga_parameters", "gene_type"), ("ga_parameters", "custom_gene_type"),
                 ("ga_parameters", "stop_criteria")]


def _with(path, value):
    body = copy.deepcopy(CURL_BODY)
    body["code"]["on_generation"] = "def on_generation(ga):\n    pass\n"
    body["origin"] = {"client": "sdk"}
    target = body
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return body


def test_megabyte_strings_in_every_string_field_are_refused_by_name(client, key):
    big = "x" * (1024 * 1024)
    for path in STRING_FIELDS:
        response = client.post("/api/v1/imports/", json=_with(path, big), headers=bearer(key))
        assert response.status_code == 422, path
        details = response.get_json()["error"]["details"]
        dotted = ".".join(path)
        assert dotted in details or (path[0] == "origin" and "origin" in details), (path, list(details))
        assert len(response.get_data()) < 10_000  # the error does not echo the megabyte back


def test_numbers_beyond_a_double_are_refused_wherever_they_are(client, key):
    for path in [("result", "best_solution_fitness"), ("origin", "x"), ("ga_parameters", "init_range_low")]:
        raw = json.dumps(_with(path, 12345.678)).replace("12345.678", "1e400")
        response = client.post("/api/v1/imports/", data=raw, headers={**bearer(key),
                                                                       "Content-Type": "application/json"})
        assert response.status_code == 422, path
        assert any(key.startswith(path[0]) for key in response.get_json()["error"]["details"]), path


def test_enormous_sources_are_refused_before_they_are_parsed(client, key):
    chain = "x = f'" + "{1}" * 25_000 + "'\n"
    body = _with(("code", "fitness_func"), "def fitness_func(ga, s, i):\n    return 0\n" + chain)
    response = client.post("/api/v1/imports/", json=body, headers=bearer(key))
    assert response.status_code == 422 and "at most" in response.get_json()["error"]["details"]["code.fitness_func"][0]
    halves = _with(("code", "on_generation"), "def on_generation(ga):\n    pass\n" + "#" * 60_000 + "\n")
    halves["code"]["fitness_func"] = "def fitness_func(ga, s, i):\n    return 0\n" + "#" * 60_000 + "\n"
    halves["code"]["on_stop"] = "def on_stop(ga, f):\n    pass\n" + "#" * 60_000 + "\n"
    response = client.post("/api/v1/imports/", json=halves, headers=bearer(key))
    assert response.status_code == 422 and "All sources together" in response.get_json()["error"]["details"]["code"][0]


