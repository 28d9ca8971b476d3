"""Sandbox cost: what every job pays before its GA runs, step by step, and what is left of it
when the worker has started the job's child ahead.

    .venv/bin/python -m bench.sandbox [--repetitions 10]

A trivial job (one generation of a tiny population) is run through the sandbox with a child
started for it at once (as a worker without a child ready does), and with a child started
ahead and waiting (as the worker does between jobs); repetitions alternate the two. The steps
come from the child's own clock readings, sent before any user code runs.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from collections import defaultdict

from bench.report import command_line, summary, write_section
from vilvik.runner.launch import CHILD_ENVIRONMENT, start_child, unprivileged_user_can_run
from vilvik.runner.policy import Policy
from vilvik.runner.sandbox import Outcome, run_job

JOB = {"ga_parameters": {"num_generations": 1, "sol_per_pop": 4, "num_genes": 2, "num_parents_mating": 2,
                         "random_seed": 1},
       "code": {"fitness_func": "def fitness_func(ga, sol, idx):\n    return -float(numpy.sum(sol ** 2))\n"},
       "num_generations": 1, "initial_population": None}
WAIT_FOR_WAITING_CHILD = 1.5  # seconds: well past a child's start on a busy machine


def interpreter_seconds(code: str) -> float:
    started = time.perf_counter()
    subprocess.run([sys.executable, "-I", "-c", code], env=CHILD_ENVIRONMENT, check=True)
    return time.perf_counter() - started


def moments(outcome: Outcome) -> dict[str, float]:
    if outcome.status != "succeeded":
        raise RuntimeError(f"the trivial job failed: {outcome.error} {outcome.output[-500:]}")
    return dict(outcome.timeline)


def step_durations(outcome: Outcome) -> list[tuple[str, float]]:
    """Each step of the child's start, as the time since the step before (the job's wait left out)."""
    steps = [(name, moment) for name, moment in outcome.timeline if name not in ("job sent", "answered")]
    durations = []
    for (_, before), (name, moment) in zip(steps, steps[1:]):
        if name != "job read":  # a waiting child's idle time; for one started at once, the job's transfer
            durations.append((name, moment - before))
    return durations


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repetitions", type=int, default=10)
    parser.add_argument("--write", action=argparse.BooleanOptionalAction, default=True,
                        help="write the section of docs/PERFORMANCE.md")
    options = parser.parse_args()

    policy = Policy()
    started = time.perf_counter()
    unprivileged_user_can_run(policy.unprivileged_user)  # once per worker process
    probe = time.perf_counter() - started
    run_job(JOB, policy)  # warm the page cache

    bare, imports = [], []
    at_once_total, at_once_ready, ahead_total, ahead_ready = [], [], [], []
    steps: dict[str, list[float]] = defaultdict(list)
    for _ in range(options.repetitions):
        bare.append(interpreter_seconds("pass"))
        imports.append(interpreter_seconds("import numpy, pygad"))

        began = time.perf_counter()
        outcome = run_job(JOB, policy)
        at_once_total.append(time.perf_counter() - began)
        seen = moments(outcome)
        at_once_ready.append(seen["rlimits and seccomp"] - seen["started"])
        for name, seconds in step_durations(outcome):
            steps[name].append(seconds)

        child = start_child(policy)
        time.sleep(WAIT_FOR_WAITING_CHILD)
        began = time.perf_counter()
        outcome = run_job(JOB, policy, child=child)
        ahead_total.append(time.perf_counter() - began)
        seen = moments(outcome)
        ahead_ready.append(seen["rlimits and seccomp"] - seen["job sent"])

    ratio = statistics.median(at_once_total) / statistics.median(ahead_total)
    lines = [
        "- Job: one generation of a 4 x 2 sphere population (its GA takes a few milliseconds), default policy; "
        "every layer this machine allows is applied either way",
        f"- Child started for the job, job handed over to answer received: {summary(at_once_total, 'ms', 1000, 1)}"
        f"; of which start to ready (all layers applied, user code next): {summary(at_once_ready, 'ms', 1000, 1)}",
        f"- Child started ahead and waiting, the same: {summary(ahead_total, 'ms', 1000, 1)}; "
        f"job handed over to ready: {summary(ahead_ready, 'ms', 1000, 1)}",
        f"- Fixed cost per job, started at once / started ahead: {ratio:.1f}x",
        "- Steps of a child's start (each since the one before; from the child's own clock):",
        *[f"  - {name}: {summary(values, 'ms', 1000, 1)}" for name, values in steps.items()],
        f"- For comparison, outside the sandbox: `python -I -c pass` {summary(bare, 'ms', 1000, 1)}; "
        f"`python -I -c 'import numpy, pygad'` {summary(imports, 'ms', 1000, 1)}",
        f"- Whether the unprivileged user can run the interpreter (asked once per worker process, when it "
        f"starts its first child): {probe * 1000:.0f} ms",
    ]
    write_section("sandbox", "Sandbox: the fixed cost of a job", command_line(), lines, write=options.write)


if __name__ == "__main__":
    main()
