"""Cursor-paginated lists with filters; creating runs from scratch; updating and deleting results."""

import copy
from urllib.parse import parse_qs, urlsplit

import pytest

from ..conftest import bearer
from .test_imports import CURL_BODY


@pytest.fixture()
def premium_key(make_user, make_key):
    return make_key(make_user("premium"))


def push(client, key, name, fitness=-1.0):
    body = copy.deepcopy(CURL_BODY)
    body["name"] = name
    body["result"]["best_solution_fitness"] = fitness
    response = client.post("/api/v1/imports", json=body, headers=bearer(key))
    assert response.status_code == 201
    return response.get_json()


def follow(client, key, url):
    parts = urlsplit(url)
    return client.get(f"{parts.path}?{parts.query}", headers=bearer(key))


def test_submissions_page_newest_first_and_the_cursor_survives_new_rows(client, premium_key):
    created = [push(client, premium_key, f"run {index}")["id"] for index in range(7)]
    first = client.get("/api/v1/submissions?limit=3", headers=bearer(premium_key)).get_json()
    assert [row["id"] for row in first["results"]] == created[::-1][:3]
    assert first["next"].startswith("http://localhost/api/v1/submissions?")
    assert parse_qs(urlsplit(first["next"]).query)["limit"] == ["3"]
    push(client, premium_key, "arrived meanwhile")
    second = follow(client, premium_key, first["next"]).get_json()
    assert [row["id"] for row in second["results"]] == created[::-1][3:6]
    third = follow(client, premium_key, second["next"]).get_json()
    assert [row["id"] for row in third["results"]] == [created[0]] and third["next"] is None


def test_page_size_is_a_synonym_and_sizes_are_bounded(client, key):
    push(client, key, "a")
    push(client, key, "b")
    assert len(client.get("/api/v1/submissions?page_size=1", headers=bearer(key)).get_json()["results"]) == 1
    assert len(client.get("/api/v1/submissions/", headers=bearer(key)).get_json()["results"]) == 2
    for query in ("limit=0", "limit=101", "page_size=abc", "limit=2&page_size=3"):
        response = client.get(f"/api/v1/submissions?{query}", headers=bearer(key))
        assert response.status_code == 422, query


@pytest.mark.parametrize("query", ["status=finished", "source=email", "created_after=yesterday", "ordering=name",
                                   "unknown=1", "cursor=forged", "name_contains="])
def test_bad_filters_are_422_not_ignored(client, key, query):
    response = client.get(f"/api/v1/submissions?{query}", headers=bearer(key))
    assert response.status_code == 422
    assert response.get_json()["error"]["code"] == "validation_failed"


def test_submission_filters(client, premium_key):
    push(client, premium_key, "Sphere 50%_done")
    other = push(client, premium_key, "rastrigin")

    def ids(query):
        return [row["name"] for row in client.get(f"/api/v1/submissions?{query}", headers=bearer(premium_key))
                .get_json()["results"]]

    assert ids("name_contains=50%25_") == ["Sphere 50%_done"]
    assert ids("name_contains=SPHERE") == ["Sphere 50%_done"]
    assert ids("status=succeeded&source=import&ordering=created_at") == ["Sphere 50%_done", "rastrigin"]
    assert ids("status=queued") == []
    assert ids("created_after=2000-01-01T00:00:00Z&created_before=2999-01-01T00:00:00") == ["rastrigin",
                                                                                            "Sphere 50%_done"]
    assert ids("created_after=2999-01-01T00:00:00Z") == []
    assert ids(f"parent_submission_id={other['id']}") == []


def test_results_list_without_large_arrays_and_with_filters(client, premium_key):
    low = push(client, premium_key, "low", fitness=-5.0)
    high = push(client, premium_key, "high", fitness=2.5)
    page = client.get("/api/v1/results", headers=bearer(premium_key)).get_json()
    assert [row["id"] for row in page["results"]] == [high["result_id"], low["result_id"]]
    for absent in ("best_solution", "best_solutions_fitness", "population", "last_generation_fitness"):
        assert absent not in page["results"][0]
    assert page["results"][0]["best_solution_fitness"] == 2.5

    def ids(query):
        return [row["id"] for row in client.get(f"/api/v1/results?{query}", headers=bearer(premium_key))
                .get_json()["results"]]

    assert ids("min_fitness=0") == [high["result_id"]]
    assert ids("max_fitness=-1") == [low["result_id"]]
    assert ids(f"submission_id={low['id']}") == [low["result_id"]]
    assert ids("is_shared=true") == []
    assert client.get("/api/v1/results?min_fitness=NaN", headers=bearer(premium_key)).status_code == 422


def test_results_can_be_renamed_and_shared_strictly(client, key):
    created = push(client, key, "x")
    url = f"/api/v1/results/{created['result_id']}"
    response = client.patch(url, json={"name": "renamed", "is_shared": True}, headers=bearer(key))
    assert response.status_code == 200
    assert response.get_json()["name"] == "renamed" and response.get_json()["is_shared"] is True
    assert client.get("/api/v1/results?is_shared=true", headers=bearer(key)).get_json()["results"][0]["id"] == created["result_id"]
    for bad in ({"is_shared": "yes"}, {"name": 3}, {"kind": "verified"}):
        assert client.patch(url, json=bad, headers=bearer(key)).status_code == 422


def test_deleting_a_result_leaves_its_submission(client, key):
    created = push(client, key, "x")
    assert client.delete(f"/api/v1/results/{created['result_id']}", headers=bearer(key)).status_code == 204
    assert client.get(f"/api/v1/results/{created['result_id']}", headers=bearer(key)).status_code == 404
    submission = client.get(f"/api/v1/submissions/{created['id']}", headers=bearer(key)).get_json()
    assert submission["result_id"] is None


def test_lists_show_only_the_callers_objects(client, key, make_user, make_key):
    push(client, key, "mine")
    stranger = make_key(make_user())
    assert client.get("/api/v1/submissions", headers=bearer(stranger)).get_json()["results"] == []
    assert client.get("/api/v1/results", headers=bearer(stranger)).get_json()["results"] == []


SPHERE = "def fitness_func(ga, sol, idx):\n    return -sum(s * s for s in sol)\n"


def test_a_new_submission_needs_entries_and_is_queued(client, key):
    body = {"submission_type": "new", "fitness_func": SPHERE, "num_genes": 3, "num_generations": 10,
            "sol_per_pop": 8, "num_parents_mating": 4, "name": "fresh"}
    missing = client.post("/api/v1/submissions", json=body, headers=bearer(key))
    assert missing.status_code == 422 and "fitness_func_entry" in missing.get_json()["error"]["details"]
    response = client.post("/api/v1/submissions", json={**body, "fitness_func_entry": "fitness_func"},
                           headers=bearer(key))
    assert response.status_code == 202
    created = response.get_json()
    assert created["status"] == "queued" and created["name"] == "fresh" and created["submission_type"] == "new"
    assert created["ga_parameters"]["num_genes"] == 3 and created["code"]["fitness_func_entry"] == "fitness_func"


@pytest.mark.parametrize("change, field", [
    ({"submission_type": "import"}, "submission_type"),
    ({"webhook_url": "https://example.org/hook"}, "webhook_url"),
    ({"num_generations": 10**7}, "num_generations"),
    ({"sol_per_pop": 10**6, "num_parents_mating": 4}, "sol_per_pop"),
    ({"num_genes": 10**6}, "num_genes"),
    ({"num_genes": None, "sol_per_pop": None}, "sol_per_pop"),
    ({"mutation_rate": 0.1}, "ga_parameters.mutation_rate"),
])
def test_new_submissions_are_validated(client, key, change, field):
    body = {"fitness_func": SPHERE, "fitness_func_entry": "fitness_func", "num_genes": 3, "num_generations": 10,
            "sol_per_pop": 8, "num_parents_mating": 4, **change}
    body = {name: value for name, value in body.items() if value is not None}
    response = client.post("/api/v1/submissions", json=body, headers=bearer(key))
    assert response.status_code == 422
    assert field in response.get_json()["error"]["details"]


def test_the_openapi_document_is_valid_and_covers_every_api_route(app, client):
    from openapi_spec_validator import validate

    document = client.get("/api/v1/openapi.json").get_json()
    validate(document)
    documented = {(path.rstrip("/"), method.upper()) for path, item in document["paths"].items()
                  for method in item if method != "parameters"}
    served = set()
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/v1/") and not rule.rule.endswith("/") and "openapi" not in rule.rule:
            path = rule.rule[len("/api/v1"):].replace("<", "{").replace(">", "}")
            served |= {(path, method) for method in rule.methods - {"HEAD", "OPTIONS"}}
    assert served == documented
    schema = document["components"]["schemas"]["Import"]
    assert set(schema["required"]) == {"ga_parameters", "code", "result"}


def test_the_api_reference_page_is_built_from_the_document(client):
    page = client.get("/docs/api").get_data(as_text=True)
    assert "POST /results/{result_id}/continue" in page and "imports:write" in page and "ImportResult" in page


def test_real_responses_match_the_documented_schemas(client, premium_key):
    from openapi_schema_validator import OAS30Validator, validate

    document = client.get("/api/v1/openapi.json").get_json()

    def check(body, name):
        schema = {**document["components"]["schemas"][name], "components": document["components"]}
        validate(body, schema, cls=OAS30Validator)

    created = client.post("/api/v1/imports/", json=CURL_BODY, headers=bearer(premium_key))
    check(created.get_json(), "ImportCreated")
    check(client.get(f"/api/v1/results/{created.get_json()['result_id']}", headers=bearer(premium_key)).get_json(),
          "Result")
    check(client.get(f"/api/v1/submissions/{created.get_json()['id']}", headers=bearer(premium_key)).get_json(),
          "Submission")
    check(client.get("/api/v1/submissions?limit=1", headers=bearer(premium_key)).get_json(), "SubmissionPage")
    check(client.get("/api/v1/results?limit=1", headers=bearer(premium_key)).get_json(), "ResultPage")
    continued = client.post(f"/api/v1/results/{created.get_json()['result_id']}/continue",
                            json={"num_generations": 2}, headers=bearer(premium_key))
    check(continued.get_json(), "Submission")
    check(client.get("/api/v1/results/nothing", headers=bearer(premium_key)).get_json(), "Error")


def test_repeated_query_arguments_and_foreign_cursors_are_422(client, premium_key):
    for index in range(3):
        push(client, premium_key, f"run {index}")
    assert client.get("/api/v1/submissions?status=succeeded&status=failed",
                      headers=bearer(premium_key)).status_code == 422
    page = client.get("/api/v1/submissions?limit=1", headers=bearer(premium_key)).get_json()
    cursor = parse_qs(urlsplit(page["next"]).query)["cursor"][0]
    other_order = client.get(f"/api/v1/submissions?limit=1&ordering=created_at&cursor={cursor}",
                             headers=bearer(premium_key))
    assert other_order.status_code == 422
    other_list = client.get(f"/api/v1/results?cursor={cursor}", headers=bearer(premium_key))
    assert other_list.status_code == 422
