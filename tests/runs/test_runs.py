"""Continue and re-run end to end: the API, a real RQ worker process, the sandbox, the database."""

import copy
import os
import signal

import pytest

from ..api.test_imports import CURL_BODY
from ..conftest import bearer, load_payload, sdk_payloads
from ..plugins.workers import wait_until

pytestmark = pytest.mark.live


def push(client, key, body):
    response = client.post("/api/v1/imports/", json=body, headers=bearer(key))
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def fixture(name):
    return load_payload(next(path for path in sdk_payloads() if path.stem == name))


def get_submission(client, key, submission_id):
    return client.get(f"/api/v1/submissions/{submission_id}", headers=bearer(key)).get_json()


def get_result(client, key, result_id):
    return client.get(f"/api/v1/results/{result_id}", headers=bearer(key)).get_json()


def test_continue_carries_the_history_on_from_the_final_population(client, key, drain):
    payload = fixture("sphere-all-callbacks")
    imported = push(client, key, payload)
    response = client.post(f"/api/v1/results/{imported['result_id']}/continue", json={"num_generations": 25},
                           headers=bearer(key))
    assert response.status_code == 202
    started = response.get_json()
    assert started["status"] == "queued" and started["submission_type"] == "continue"
    assert started["parent_result_id"] == imported["result_id"] and started["id"] != imported["id"]
    assert response.headers["Location"] == started["status_url"]

    assert drain().returncode == 0
    submission = get_submission(client, key, started["id"])
    assert submission["status"] == "succeeded", submission["run"]
    run = submission["run"]
    assert run["mode"] == "continue" and run["generation"] == 25
    assert "12 individuals of the final population" in run["starting_note"]
    assert {"fresh-interpreter", "rlimits", "process-group-deadline"} <= set(run["sandbox_layers"])
    assert run["cpu_seconds"] > 0 and run["peak_memory_kb"] > 0
    result = get_result(client, key, submission["result_id"])
    assert result["kind"] == "continued" and result["continued_from"] == imported["result_id"]
    assert result["generations_completed"] == 15 + 25
    history = result["best_solutions_fitness"]
    assert len(history) == 16 + 25 and history[:16] == payload["result"]["best_solutions_fitness"]
    # keep_elitism=1: a continued run never ends worse than the population it started from
    assert result["best_solution_fitness"] >= payload["result"]["best_solution_fitness"]
    assert get_result(client, key, imported["result_id"])["imported"] is True


def test_a_seeded_unedited_rerun_is_verified_and_reproduces_the_import(client, key, drain):
    imported = push(client, key, fixture("sphere-default"))
    response = client.post(f"/api/v1/submissions/{imported['id']}/reexecute", headers=bearer(key))
    assert response.status_code == 202 and response.get_json()["status"] == "queued"
    assert drain().returncode == 0
    submission = get_submission(client, key, imported["id"])
    assert submission["status"] == "succeeded"
    assert submission["run"]["reproduced"] is True
    current = get_result(client, key, submission["result_id"])
    assert current["kind"] == "verified" and current["badges"] == ["verified"] and current["imported"] is False
    old = get_result(client, key, imported["result_id"])
    assert old["imported"] is True and old["superseded"] is True


def test_an_edited_rerun_is_a_new_version_and_claims_no_reproduction(client, key, drain):
    imported = push(client, key, fixture("sphere-default"))
    response = client.post(f"/api/v1/submissions/{imported['id']}/reexecute", json={"num_generations": 5},
                           headers=bearer(key))
    assert response.status_code == 202
    assert drain().returncode == 0
    submission = get_submission(client, key, imported["id"])
    assert submission["run"]["reproduced"] is None
    assert submission["ga_parameters"]["num_generations"] == 5
    assert get_result(client, key, submission["result_id"])["generations_completed"] == 5


def test_errors_in_user_code_fail_the_run_and_keep_the_import_current(client, key, drain):
    body = copy.deepcopy(CURL_BODY)
    body["code"]["fitness_func"] = ("def helper(sol):\n    return sol[99]\n\n"
                                    "def fitness_func(ga, sol, idx):\n    return helper(sol)\n")
    imported = push(client, key, body)
    assert client.post(f"/api/v1/submissions/{imported['id']}/reexecute", headers=bearer(key)).status_code == 202
    drain()
    submission = get_submission(client, key, imported["id"])
    assert submission["status"] == "failed"
    assert submission["run"]["error"].startswith("IndexError")
    assert 'File "<fitness_func>", line 2, in helper' in submission["run"]["traceback"]
    assert "site-packages" not in submission["run"]["traceback"]
    assert submission["result_id"] == imported["result_id"]


def test_continue_refuses_a_shape_change_and_what_the_tier_does_not_allow(client, key):
    imported = push(client, key, fixture("sphere-default"))
    url = f"/api/v1/results/{imported['result_id']}/continue"
    shape = client.post(url, json={"num_genes": 6}, headers=bearer(key))
    assert shape.status_code == 422 and "num_genes" in shape.get_json()["error"]["details"]
    gene_type = client.post(url, json={"gene_type": "int"}, headers=bearer(key))
    assert gene_type.status_code == 422 and "gene_type" in gene_type.get_json()["error"]["details"]
    too_long = client.post(url, json={"num_generations": 10**6}, headers=bearer(key))
    assert too_long.status_code == 422 and "tier" in too_long.get_json()["error"]["message"]
    bad_code = client.post(url, json={"fitness_func": "def x(:"}, headers=bearer(key))
    assert bad_code.status_code == 422 and "code.fitness_func" in bad_code.get_json()["error"]["details"]


def test_runs_are_idempotent_and_private(client, key, make_user, make_key):
    imported = push(client, key, fixture("sphere-default"))
    headers = {**bearer(key), "Idempotency-Key": "continue-once"}
    first = client.post(f"/api/v1/results/{imported['result_id']}/continue", json={"num_generations": 3}, headers=headers)
    again = client.post(f"/api/v1/results/{imported['result_id']}/continue", json={"num_generations": 3}, headers=headers)
    assert first.status_code == again.status_code == 202
    assert first.get_json()["id"] == again.get_json()["id"] and again.headers["Idempotent-Replayed"] == "true"
    stranger = make_key(make_user())
    for path in (f"/api/v1/results/{imported['result_id']}/continue", f"/api/v1/submissions/{imported['id']}/reexecute"):
        assert client.post(path, headers=bearer(stranger)).status_code == 404
    reader = make_key(make_user(), scopes=["results:read", "submissions:read"])
    assert client.post(f"/api/v1/results/{imported['result_id']}/continue", headers=bearer(reader)).status_code in (403, 404)


def test_a_queued_run_can_be_cancelled_and_is_never_run(client, key, drain):
    imported = push(client, key, fixture("sphere-default"))
    started = client.post(f"/api/v1/results/{imported['result_id']}/continue", headers=bearer(key)).get_json()
    assert client.delete(f"/api/v1/submissions/{started['id']}", headers=bearer(key)).status_code == 204
    assert get_submission(client, key, started["id"])["status"] == "cancelled"
    drain()
    submission = get_submission(client, key, started["id"])
    assert submission["status"] == "cancelled" and submission["result_id"] is None


def test_deleting_a_finished_submission_removes_it(client, key):
    imported = push(client, key, fixture("sphere-default"))
    assert client.delete(f"/api/v1/submissions/{imported['id']}/", headers=bearer(key)).status_code == 204
    assert client.get(f"/api/v1/submissions/{imported['id']}", headers=bearer(key)).status_code == 404


SLOW = ("import time\n\ndef fitness_func(ga, sol, idx):\n    time.sleep(0.02)\n"
        "    return -float(numpy.sum(sol ** 2))\n")


def slow_import(client, key, generations=400):
    body = copy.deepcopy(CURL_BODY)
    body["code"]["fitness_func"] = SLOW
    body["ga_parameters"].update(num_generations=generations, sol_per_pop=8, num_parents_mating=4)
    return push(client, key, body)


def test_progress_is_live_and_a_running_run_can_be_cancelled(client, key, background_worker):
    imported = slow_import(client, key)
    client.post(f"/api/v1/submissions/{imported['id']}/reexecute", headers=bearer(key))
    background_worker()
    running = wait_until(lambda: (lambda s: s if s["status"] == "running" and s["run"]["generation"] > 2 else None)(
        get_submission(client, key, imported["id"])))
    later = wait_until(lambda: (lambda s: s if s["run"]["generation"] > running["run"]["generation"] else None)(
        get_submission(client, key, imported["id"])))
    assert later["status"] == "running"
    assert client.delete(f"/api/v1/submissions/{imported['id']}", headers=bearer(key)).status_code == 204
    wait_until(lambda: get_submission(client, key, imported["id"])["run"]["finished_at"])
    final = get_submission(client, key, imported["id"])
    assert final["status"] == "cancelled" and final["result_id"] == imported["result_id"]


def test_a_worker_killed_mid_run_leaves_no_run_running_forever(app, client, key, background_worker):
    app.config["RUN_HEARTBEAT_TIMEOUT_SECONDS"] = 3
    imported = slow_import(client, key, generations=2000)
    client.post(f"/api/v1/submissions/{imported['id']}/reexecute", headers=bearer(key))
    worker = background_worker()
    wait_until(lambda: get_submission(client, key, imported["id"])["status"] == "running")
    os.killpg(worker.pid, signal.SIGKILL)  # the worker, its job process and (by the death signal) the sandbox
    worker.wait()
    # Whoever looks next (the API here, a worker starting) finds the run's worker silent.
    replacement = background_worker(VILVIK_RUN_HEARTBEAT_TIMEOUT_SECONDS="3")
    final = wait_until(lambda: (lambda s: s if s["status"] == "failed" else None)(
        get_submission(client, key, imported["id"])), seconds=30)
    assert "worker" in final["run"]["error"] and "stopped" in final["run"]["error"]
    assert final["result_id"] == imported["result_id"]
    assert replacement.poll() is None


def test_continuing_a_sampled_history_keeps_each_value_at_its_generation(client, key, drain):
    imported = push(client, key, CURL_BODY)  # 5 values over 100 generations, no population
    started = client.post(f"/api/v1/results/{imported['result_id']}/continue", json={"num_generations": 4},
                          headers=bearer(key)).get_json()
    drain()
    submission = get_submission(client, key, started["id"])
    assert "no population" in submission["run"]["starting_note"]
    result = get_result(client, key, submission["result_id"])
    assert result["generations_completed"] == 104
    assert result["history_generations"] == [0, 25, 50, 75, 100, 101, 102, 103, 104]


def test_a_continue_whose_parent_was_deleted_fails_clearly(client, key, drain):
    imported = push(client, key, fixture("sphere-default"))
    started = client.post(f"/api/v1/results/{imported['result_id']}/continue", headers=bearer(key)).get_json()
    assert client.delete(f"/api/v1/submissions/{imported['id']}", headers=bearer(key)).status_code == 204
    drain()
    submission = get_submission(client, key, started["id"])
    assert submission["status"] == "failed"
    assert submission["run"]["error"] == "The result this run continues was deleted before the run started."


def test_a_run_cancelled_while_it_finishes_stays_cancelled(app, client, key):
    from vilvik.models import Run
    from vilvik.runner.sandbox import Outcome
    from vilvik.services import execution, runs
    from vilvik.services.lookups import get_own_submission
    from vilvik.extensions import db

    imported = push(client, key, fixture("sphere-default"))
    client.post(f"/api/v1/submissions/{imported['id']}/reexecute", headers=bearer(key))
    with app.app_context():
        run_id = db.session.scalar(db.select(Run.id))
        run = execution.begin_run(run_id)
        runs.cancel_latest_run(run.submission)
        finished = execution.complete_run(run_id, Outcome(status="succeeded", result={"best_solution": [0.0]}))
        assert finished.status == "cancelled" and finished.result_id is None
        submission = get_own_submission(run.submission.user, imported["id"])
        assert submission.status == "cancelled" and submission.current_result.public_id == imported["result_id"]


def test_with_the_queue_down_nothing_is_started_or_left_behind(app, client, key, tmp_path):
    from vilvik import create_app

    imported = push(client, key, fixture("sphere-default"))
    before = client.get("/api/v1/submissions", headers=bearer(key)).get_json()["results"]
    broken = create_app({"TESTING": True, "DATABASE_URL": app.config["DATABASE_URL"], "SECRET_KEY": "x",
                         "REDIS_URL": f"unix://{tmp_path}/nothing.sock"}, instance_path=str(tmp_path / "broken"))
    other = broken.test_client()
    for path in (f"/api/v1/results/{imported['result_id']}/continue", f"/api/v1/submissions/{imported['id']}/reexecute"):
        response = other.post(path, json={"num_generations": 3}, headers=bearer(key))
        assert response.status_code == 503 and response.get_json()["error"]["code"] == "service_unavailable"
    after = other.get("/api/v1/submissions", headers=bearer(key)).get_json()["results"]
    assert [row["id"] for row in after] == [row["id"] for row in before]
    assert after[0]["status"] == "succeeded" and after[0]["ga_parameters"]["num_generations"] == 15


def test_continuing_an_older_result_checks_its_own_shape_and_code(client, key, drain):
    imported = push(client, key, fixture("sphere-default"))
    client.post(f"/api/v1/submissions/{imported['id']}/reexecute", json={"num_genes": 6}, headers=bearer(key))
    drain()
    # The import has 5 genes: continuing it keeps version 1's parameters, not the re-run's 6.
    response = client.post(f"/api/v1/results/{imported['result_id']}/continue", json={"num_generations": 2},
                           headers=bearer(key))
    assert response.status_code == 202
    assert response.get_json()["ga_parameters"]["num_genes"] == 5
    renamed = client.post(f"/api/v1/results/{imported['result_id']}/continue",
                          json={"fitness_func": "def my_fit(ga, sol, idx):\n    return 0.0\n"}, headers=bearer(key))
    assert renamed.status_code == 422
    assert "fitness_func_entry" in renamed.get_json()["error"]["details"]["code.fitness_func"][0]
    entry = client.post(f"/api/v1/results/{imported['result_id']}/continue",
                        json={"fitness_func": "def my_fit(ga, sol, idx):\n    return 0.0\n",
                              "fitness_func_entry": "my_fit"}, headers=bearer(key))
    assert entry.status_code == 202


def test_a_continued_submission_stays_one_after_its_parent_goes(client, key):
    imported = push(client, key, fixture("sphere-default"))
    started = client.post(f"/api/v1/results/{imported['result_id']}/continue", headers=bearer(key)).get_json()
    client.delete(f"/api/v1/submissions/{started['id']}", headers=bearer(key))  # cancel it first
    client.delete(f"/api/v1/results/{imported['result_id']}", headers=bearer(key))
    assert get_submission(client, key, started["id"])["submission_type"] == "continue"


def test_imports_say_why_their_run_stopped(client, key):
    finished = push(client, key, fixture("sphere-default"))
    assert get_result(client, key, finished["result_id"])["stopped_reason"] == "completed"
    body = copy.deepcopy(CURL_BODY)
    body["result"].update(generations_completed=40, best_solution_generation=38)
    early = push(client, key, body)
    assert get_result(client, key, early["result_id"])["stopped_reason"].startswith("stopped early")
