"""POST /api/v1/imports/ as spec/imports-endpoint.txt defines it."""

import copy
import json
import re

import pytest
from sqlalchemy import select, text

from vilvik.extensions import db
from vilvik.models import Result, Submission

from ..conftest import bearer, count_rows, load_payload, sdk_payloads

# The curl example of the spec: the full body without population and callbacks.
CURL_BODY = {
    "name": "sphere min experiment",
    "ga_parameters": {"num_generations": 100, "sol_per_pop": 50, "num_genes": 5, "num_parents_mating": 4,
                      "init_range_low": -2, "init_range_high": 2},
    "code": {"fitness_func": "def fitness_func(ga, sol, idx):\n    return -sum(s*s for s in sol)\n"},
    "result": {"best_solution": [0.01, -0.02, 0.005, 0.003, -0.01], "best_solution_fitness": -0.00059,
               "best_solutions_fitness": [-4.2, -2.1, -0.8, -0.3, -0.001], "generations_completed": 100,
               "best_solution_generation": 98},
}


def post(client, key, body, **headers):
    return client.post("/api/v1/imports/", json=body, headers={**bearer(key), **headers})


def test_the_full_spec_example_is_created(app, client, key, spec_body):
    response = post(client, key, spec_body)
    assert response.status_code == 201
    body = response.get_json()
    assert set(body) == {"id", "result_id", "result_url"}
    assert re.fullmatch(r"[0-9A-Za-z]{12}", body["id"])
    assert re.fullmatch(r"[0-9A-Za-z]{10}", body["result_id"])
    assert body["result_url"] == f"http://localhost/app/result/{body['result_id']}/"
    assert response.headers["Location"] == f"http://localhost/api/v1/submissions/{body['id']}"

    with app.app_context():
        submission = db.session.scalar(select(Submission).where(Submission.public_id == body["id"]))
        assert submission.source == "import"
        assert submission.name == "sphere min experiment"
        assert submission.code == spec_body["code"]
        assert submission.ga_parameters == spec_body["ga_parameters"]
        assert submission.origin == {"sdk_version": "3.3.1", "python_version": "3.12.0"}
        result = submission.current_result
        assert result.public_id == body["result_id"] and result.kind == "imported"
        assert result.best_solution == spec_body["result"]["best_solution"]
        assert result.best_solutions_fitness == [-4.2, -2.1, -0.8, -0.3, -0.001]
        assert result.population == [[0.01, -0.02, 0.005, 0.003, -0.01]]
        assert (result.generations_completed, result.best_solution_generation) == (100, 98)


def test_the_curl_example_is_created_without_trailing_slash_too(app, client, key):
    response = client.post("/api/v1/imports", json=CURL_BODY, headers=bearer(key))
    assert response.status_code == 201, response.get_json()
    assert count_rows(app, Submission) == 1 and count_rows(app, Result) == 1


def test_public_url_prefixes_the_links(app, client, key):
    app.config["PUBLIC_URL"] = "https://vilvik.example.org/"
    body = post(client, key, CURL_BODY).get_json()
    assert body["result_url"] == f"https://vilvik.example.org/app/result/{body['result_id']}/"


@pytest.mark.parametrize("path", sdk_payloads(), ids=lambda path: path.stem)
def test_every_sdk_payload_is_accepted_and_stored_as_sent(app, client, key, path):
    payload = load_payload(path)
    response = post(client, key, payload)
    assert response.status_code == 201, response.get_json()
    with app.app_context():
        submission = db.session.scalar(select(Submission).where(Submission.public_id == response.get_json()["id"]))
        assert submission.code == payload["code"]
        assert submission.ga_parameters == payload["ga_parameters"]
        assert submission.description == payload["description"]
        assert submission.origin["client"] == "sdk"
        result = submission.current_result
        assert result.population == payload["result"]["population"]
        assert result.last_generation_fitness == payload["result"]["last_generation_fitness"]
        assert result.best_solution_idx == payload["result"]["best_solution_idx"]
        assert result.gene_type_single is True


def test_all_seven_callbacks_with_entries_and_a_gene_constraint(client, key):
    body = copy.deepcopy(CURL_BODY)
    arguments = {"on_start": "ga", "on_fitness": "ga, f", "on_parents": "ga, p", "on_crossover": "ga, o",
                 "on_mutation": "ga, o", "on_generation": "ga", "on_stop": "ga, f"}
    for role, args in arguments.items():
        body["code"][role] = f"import math\n\ndef my_{role}({args}):\n    return None\n"
        body["code"][f"{role}_entry"] = f"my_{role}"
    body["code"]["gene_constraint"] = "limits = [lambda sol, values: values[values > 0], None, None, None, None]\n"
    body["code"]["gene_constraint_entry"] = "limits"
    assert post(client, key, body).status_code == 201


def test_multi_objective_runs_are_accepted(client, key):
    body = copy.deepcopy(CURL_BODY)
    body["ga_parameters"]["parent_selection_type"] = "nsga2"
    body["result"].update(best_solution_fitness=[1.0, 2.5], best_solutions_fitness=[[0.5, 1.0], [1.0, 2.5]],
                          population=[[0.0] * 5, [1.0] * 5], last_generation_fitness=[[0.1, 0.2], [1.0, 2.5]])
    assert post(client, key, body).status_code == 201


@pytest.mark.parametrize("history_length", [1, 5, 101, 102, 303])
def test_histories_of_any_length_are_accepted(client, key, history_length):
    """Shorter: sampled. 101: PyGAD's full history. 102: 3.3.1's repeated last value. 303: run() three times."""
    body = copy.deepcopy(CURL_BODY)
    body["result"]["best_solutions_fitness"] = [float(-i) for i in range(history_length)]
    assert post(client, key, body).status_code == 201


def test_a_gene_constraint_list_must_match_the_genes(client, key):
    body = copy.deepcopy(CURL_BODY)
    body["code"]["gene_constraint"] = "gene_constraint = [None, None]\n"
    details = validation_details(client, key, body)
    assert details["code.gene_constraint"] == ["Lists 2 constraints but the solutions have 5 genes."]


def validation_details(client, key, body) -> dict:
    response = post(client, key, body)
    assert response.status_code == 422, response.get_json()
    error = response.get_json()["error"]
    assert error["code"] == "validation_failed"
    return error["details"]


@pytest.mark.parametrize("path", [
    "ga_parameters", "code", "result", "result.best_solution", "result.best_solution_fitness",
    "result.best_solutions_fitness", "result.generations_completed", "result.best_solution_generation",
])
def test_required_fields(client, key, path):
    body = copy.deepcopy(CURL_BODY)
    *parents, leaf = path.split(".")
    target = body
    for parent in parents:
        target = target[parent]
    del target[leaf]
    assert path in validation_details(client, key, body)


def test_missing_fitness_function_and_num_generations(client, key):
    body = copy.deepcopy(CURL_BODY)
    del body["code"]["fitness_func"]
    del body["ga_parameters"]["num_generations"]
    details = validation_details(client, key, body)
    assert details["code.fitness_func"] == ["Missing data for required field."]
    assert details["ga_parameters.num_generations"] == ["is required"]


@pytest.mark.parametrize("mutate, path, fragment", [
    (lambda b: b.update(extra=1), "extra", "Unknown field"),
    (lambda b: b["result"].update(best=1), "result.best", "Unknown field"),
    (lambda b: b["code"].update(on_finish="def on_finish(ga):\n    pass\n"), "code.on_finish", "Unknown code role"),
    (lambda b: b["code"].update(on_stop_entry="stop"), "code.on_stop_entry", "no 'on_stop' source"),
    (lambda b: b["code"].update(fitness_func_entry="not valid"), "code.fitness_func_entry", "identifier"),
    (lambda b: b["code"].update(fitness_func=42), "code.fitness_func", "Must be a string"),
    (lambda b: b["code"].update(fitness_func="def fitness_func(ga, sol, idx):\nreturn 1\n"),
     "code.fitness_func", "line 2"),
    (lambda b: b["code"].update(fitness_func_entry="sphere"), "code.fitness_func", "named 'sphere'"),
    (lambda b: b["code"].update(fitness_func="x" * 300_000), "code.fitness_func", "at most"),
    (lambda b: b.update(name=5), "name", "Not a valid string"),
    (lambda b: b.update(name="n" * 201), "name", "Longer than maximum"),
    (lambda b: b.update(origin="laptop"), "origin", "Must be an object"),
    (lambda b: b.update(origin={"blob": "x" * 20_000}), "origin", "at most"),
    (lambda b: b["ga_parameters"].update(num_generations=100.0), "ga_parameters.num_generations", "integer"),
    (lambda b: b["ga_parameters"].update(num_genes=True), "ga_parameters.num_genes", "not a boolean"),
    (lambda b: b["ga_parameters"].update(num_genes=6), "ga_parameters.num_genes", "best_solution has 5 genes"),
    (lambda b: b["ga_parameters"].update(sol_per_pop=3), "ga_parameters.num_parents_mating", "population size"),
    (lambda b: b["ga_parameters"].update(crossover="uniform"), "ga_parameters.crossover", "not a PyGAD parameter"),
    (lambda b: b["result"].update(generations_completed="100"), "result.generations_completed", "integer"),
    (lambda b: b["result"].update(generations_completed=-1), "result.generations_completed", "greater than"),
    (lambda b: b["result"].update(generations_completed=10**30, best_solution_generation=10**30),
     "result.generations_completed", "less than or equal"),
    (lambda b: b["result"].update(best_solution=[10**400, 0, 0, 0, 0]), "result.best_solution", "too large"),
    (lambda b: b["result"].update(best_solution_fitness=10**400), "result.best_solution_fitness", "too large"),
    (lambda b: b["ga_parameters"].update(num_generations=10**12), "ga_parameters.num_generations", "at most"),
    (lambda b: b["ga_parameters"].update(gene_type="custom", custom_gene_type="1" + "+1" * 4990),
     "ga_parameters.custom_gene_type", "not a valid expression"),
    (lambda b: b["result"].update(best_solution_generation=101), "result.best_solution_generation", "exceed"),
    (lambda b: b["result"].update(best_solution=[]), "result.best_solution", "at least 1"),
    (lambda b: b["result"].update(best_solution=[1, "2", 3, 4, 5]), "result.best_solution", "Item 1"),
    (lambda b: b["result"].update(best_solution_fitness=True), "result.best_solution_fitness", "boolean"),
    (lambda b: b["result"].update(best_solution_fitness=[1, 2]), "result.best_solutions_fitness", "objective"),
    (lambda b: b["result"].update(population=[[1, 2, 3, 4, 5], [1, 2]]), "result.population", "Row 1"),
    (lambda b: b["result"].update(population=[[1, 2, 3]]), "result.population", "best_solution has 5"),
    (lambda b: b["result"].update(population=[[0] * 5], last_generation_fitness=[1, 2]),
     "result.last_generation_fitness", "population has 1 rows"),
    (lambda b: b["result"].update(population=[[0] * 5], best_solution_idx=3), "result.best_solution_idx", "below"),
    (lambda b: b["result"].update(gene_type_single="yes"), "result.gene_type_single", "true or false"),
])
def test_field_errors_name_the_field(client, key, mutate, path, fragment):
    body = copy.deepcopy(CURL_BODY)
    mutate(body)
    details = validation_details(client, key, body)
    assert path in details, details
    assert any(fragment in message for message in details[path]), details[path]


def test_numbers_beyond_double_range_are_refused_with_their_path(client, key):
    raw = json.dumps(CURL_BODY).replace("-0.00059", "1e400")
    response = client.post("/api/v1/imports/", data=raw, headers={**bearer(key), "Content-Type": "application/json"})
    assert response.status_code == 422
    assert "finite" in response.get_json()["error"]["details"]["result.best_solution_fitness"][0]


def test_nothing_is_stored_when_validation_fails(app, client, key):
    body = copy.deepcopy(CURL_BODY)
    body["result"]["best_solution"] = "nope"
    assert post(client, key, body).status_code == 422
    assert count_rows(app, Submission) == 0 and count_rows(app, Result) == 0


def test_nothing_is_half_written_when_the_result_cannot_be_stored(app, client, key):
    """A results table that refuses the row: the submission, inserted first, must go with it."""
    with app.app_context():
        db.session.execute(text("ALTER TABLE results RENAME COLUMN population TO population_elsewhere"))
        db.session.commit()
    response = post(client, key, CURL_BODY)
    # SQLite calls every such failure operational (503); PostgreSQL calls a missing column a bug (500).
    error = response.get_json()["error"]
    assert (response.status_code, error["code"]) in ((503, "service_unavailable"), (500, "internal_error"))
    assert count_rows(app, Submission) == 0
    with app.app_context():
        db.session.execute(text("ALTER TABLE results RENAME COLUMN population_elsewhere TO population"))
        db.session.commit()
    assert post(client, key, CURL_BODY).status_code == 201


def test_ids_are_random_not_sequential(client, key):
    bodies = [post(client, key, CURL_BODY).get_json() for _ in range(4)]
    ids = [body["id"] for body in bodies] + [body["result_id"] for body in bodies]
    assert len(set(ids)) == 8
    # Sequential ids would share all but their last characters.
    assert len({identifier[:6] for identifier in ids}) == 8
