"""The sandbox's own behaviour: results, progress, limits, failures in the user's words."""

import os
import subprocess

import pytest

from vilvik.runner.policy import LAYERS, Policy, parse_required
from vilvik.runner.sandbox import SCRATCH_ROOT, clean_stale_scratch, run_job

from .conftest import TIGHT, sandbox_job


def test_a_job_runs_and_reports_progress_and_its_cost(tight_policy):
    messages = []
    outcome = run_job(sandbox_job(num_generations=30), tight_policy, on_progress=messages.append)
    assert outcome.status == "succeeded", outcome.output
    assert outcome.result["generations_completed"] == 30
    assert messages and messages[-1]["generation"] == 30
    assert sum(len(message["history_tail"]) for message in messages) == 31
    assert outcome.cpu_seconds > 0 and outcome.peak_memory_kb > 10_000
    assert "fresh-interpreter" in outcome.layers and "rlimits" in outcome.layers


def test_user_exceptions_come_back_as_the_users_traceback(tight_policy):
    outcome = run_job(sandbox_job("def fitness_func(ga, sol, idx):\n    return {}['missing']\n"), tight_policy)
    assert outcome.status == "failed" and "KeyError" in outcome.error
    assert 'File "<fitness_func>", line 2, in fitness_func' in outcome.user_traceback
    assert "site-packages" not in outcome.user_traceback


def test_print_output_is_captured(tight_policy):
    outcome = run_job(sandbox_job("def fitness_func(ga, sol, idx):\n    print('hello from', idx)\n    return 1.0\n"),
                      tight_policy)
    assert outcome.status == "succeeded" and "hello from 0" in outcome.output


def test_the_wall_clock_deadline_kills_the_job():
    policy = Policy(limits=TIGHT.__class__(**{**TIGHT.__dict__, "wall_seconds": 1.5}))
    outcome = run_job(sandbox_job("import time\ndef fitness_func(ga, sol, idx):\n    time.sleep(60)\n"), policy)
    assert outcome.status == "failed" and outcome.error == "The run exceeded its 1.5 s time limit."


def test_cancelling_stops_a_job_in_the_middle_of_its_run(tight_policy):
    progress = []
    source = "import time\ndef fitness_func(ga, sol, idx):\n    time.sleep(0.01)\n    return 1.0\n"
    outcome = run_job(sandbox_job(source, num_generations=10_000), tight_policy, on_progress=progress.append,
                      should_cancel=lambda: bool(progress))
    assert outcome.status == "cancelled" and progress
    assert progress[-1]["generation"] < 10_000
    leftovers = subprocess.run(["pgrep", "-P", str(os.getpid()), "-f", "vilvik/runner/child.py"],
                               capture_output=True, text=True).stdout
    assert leftovers.strip() == ""


def test_required_layers_that_are_missing_refuse_the_job(available_layers):
    missing = [layer for layer in LAYERS if layer not in available_layers]
    if not missing:
        pytest.skip("every layer is available here: nothing can be refused")
    outcome = run_job(sandbox_job(), Policy(limits=TIGHT, required_layers=tuple(missing)))
    assert outcome.status == "failed" and "refused" in outcome.error and missing[0] in outcome.error
    assert outcome.result is None


def test_required_layers_that_are_present_let_the_job_run(available_layers):
    outcome = run_job(sandbox_job(), Policy(limits=TIGHT, required_layers=tuple(available_layers)))
    assert outcome.status == "succeeded"


def test_layer_names_are_checked():
    assert parse_required("seccomp, landlock") == ("seccomp", "landlock")
    assert parse_required("all") == LAYERS
    with pytest.raises(ValueError, match="unknown sandbox layer"):
        parse_required("selinux")


def test_scratch_is_removed_after_a_job_and_stale_scratch_after_a_crash(tight_policy):
    before = set(SCRATCH_ROOT.iterdir())
    run_job(sandbox_job(), tight_policy)
    assert {path for path in SCRATCH_ROOT.iterdir() if path.is_dir()} <= before
    orphan = SCRATCH_ROOT / "job-999999999-orphan"
    orphan.mkdir()
    (orphan / "left.txt").write_text("x")
    assert clean_stale_scratch() >= 1 and not orphan.exists()
