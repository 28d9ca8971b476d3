"""Server runs: a continued run through the API, from the POST to `succeeded`, against the same
GA run in-process with the same PyGAD; and how long a queued run waits for a warm, idle worker.

    .venv/bin/python -m bench.runs [--repetitions 5] [--generations 1000]

The service is deployed as in production (gunicorn, an RQ worker, PostgreSQL, Redis). The
import it continues comes from a short local run, with its final population, so that the
server continues exactly that population. Repetitions alternate service and baseline.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
import uuid
from datetime import timezone
from typing import Any

import numpy
import pygad
import requests

from bench.report import command_line, percentile, summary, verdict, write_section
from bench.services import add_service_arguments, gunicorn, reset, service_env, workers
from vilvik.extensions import db
from vilvik.models import Run
from vilvik.services import accounts

FITNESS = "def fitness_func(ga, sol, idx):\n    return -sum(s*s for s in sol)\n"
PARAMETERS = {"sol_per_pop": 50, "num_genes": 5, "num_parents_mating": 4, "init_range_low": -2,
              "init_range_high": 2}
LOCAL_GENERATIONS = 50
POLL_SECONDS = 0.25
IDLE_SECONDS = 1.0  # after a run: the worker is idle, and warm, when the next one is queued
TERMINAL = {"succeeded", "failed", "cancelled"}
RATIO_TARGET = 1.15
PICKUP_TARGET = 0.3


def fitness_function():
    """The fitness function from the very source the server runs."""
    namespace: dict[str, Any] = {}
    exec(compile(FITNESS, "<fitness_func>", "exec"), namespace)
    return namespace["fitness_func"]


def local_run(generations: int, initial_population: list[list[float]] | None = None) -> pygad.GA:
    arguments = dict(PARAMETERS, num_generations=generations, fitness_func=fitness_function(),
                     suppress_warnings=True)
    if initial_population is not None:
        arguments["initial_population"] = initial_population
    ga = pygad.GA(**arguments)
    ga.run()
    return ga


def import_body() -> dict[str, Any]:
    """What `ga.push_to_vilvik()` would send after a short local run, final population included."""
    ga = local_run(LOCAL_GENERATIONS)
    solution, fitness, _ = ga.best_solution(pop_fitness=ga.last_generation_fitness)
    return {
        "name": "bench runs",
        "ga_parameters": {**PARAMETERS, "num_generations": LOCAL_GENERATIONS},
        "code": {"fitness_func": FITNESS},
        "result": {"best_solution": solution.tolist(), "best_solution_fitness": float(fitness),
                   "best_solutions_fitness": [float(value) for value in ga.best_solutions_fitness],
                   "generations_completed": int(ga.generations_completed),
                   "best_solution_generation": int(ga.best_solution_generation),
                   "population": ga.population.tolist(),
                   "last_generation_fitness": ga.last_generation_fitness.tolist()},
    }


def prepare_account(app) -> str:
    with app.app_context():
        user = accounts.create_user("runs@bench.example.org", "bench-password-123", "premium")
        return accounts.create_api_key(user, ["imports:write", "submissions:read", "submissions:write",
                                              "results:read"]).secret


def baseline_seconds(population: list[list[float]], generations: int) -> float:
    started = time.perf_counter()
    local_run(generations, population)
    return time.perf_counter() - started


# A client polling a submission, in a process of its own: the control's load.
POLLER = """import sys, time, requests
session = requests.Session()
session.headers["Authorization"] = "Bearer " + sys.argv[2]
while True:
    session.get(sys.argv[1], timeout=60)
    time.sleep(float(sys.argv[3]))
"""


def polled_baseline_seconds(population: list[list[float]], generations: int, status_url: str, secret: str,
                            poll_seconds: float) -> float:
    """The baseline while the service answers a client polling as fast as the measured one: what
    the polling itself costs a GA running beside it, on a machine with two cores."""
    # A session of its own, like the measured client's load against the sandbox's: with the kernel's
    # autogroup scheduling, sessions share the CPU, not processes.
    poller = subprocess.Popen([sys.executable, "-c", POLLER, status_url, secret, str(poll_seconds)],
                              start_new_session=True)
    try:
        time.sleep(0.3)  # polling already, as when the run starts
        return baseline_seconds(population, generations)
    finally:
        poller.kill()
        poller.wait()


def continue_and_wait(session: requests.Session, url: str, result_id: str, generations: int,
                      poll_seconds: float = POLL_SECONDS) -> tuple[float, float, str, str]:
    """The moment of the POST (epoch seconds), the seconds to its answer; the new submission's id
    and URL. Polls until the run has ended: the moment it ended is the run's own finished_at, so
    the polling interval does not count."""
    posted_at = time.time()
    started = time.perf_counter()
    response = session.post(f"{url}/api/v1/results/{result_id}/continue", json={"num_generations": generations},
                            headers={"Idempotency-Key": str(uuid.uuid4())}, timeout=60)
    answered = time.perf_counter() - started
    response.raise_for_status()
    created = response.json()
    while True:
        state = session.get(created["status_url"], timeout=60).json()
        if state["status"] in TERMINAL:
            break
        time.sleep(poll_seconds)
    if state["status"] != "succeeded":
        raise RuntimeError(f"the run ended {state['status']}: {state.get('run')}")
    return posted_at, answered, created["id"], created["status_url"]


def run_timings(app, submission_ids: list[str]) -> list[dict[str, float]]:
    """Per run, from the database: waiting in the queue, and running on the worker."""
    from vilvik.models import Submission

    rows = []
    with app.app_context():
        for public_id in submission_ids:
            submission = db.session.scalar(db.select(Submission).where(Submission.public_id == public_id))
            run = db.session.scalar(db.select(Run).where(Run.submission_id == submission.id))
            created, started, finished = (moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment
                                          for moment in (run.created_at, run.started_at, run.finished_at))
            rows.append({"finished": finished.timestamp(),
                         "pickup": (started - created).total_seconds(),
                         "worker": (finished - started).total_seconds(),
                         "cpu": run.cpu_seconds or 0.0})
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_service_arguments(parser)
    parser.add_argument("--repetitions", type=int, default=5)
    parser.add_argument("--generations", type=int, default=1000)
    parser.add_argument("--poll-seconds", type=float, default=POLL_SECONDS,
                        help="how often the client asks whether the run has ended")
    parser.add_argument("--warmup", type=int, default=1, help="runs before measuring (the worker warms up)")
    parser.add_argument("--write", action=argparse.BooleanOptionalAction, default=True,
                        help="write the section of docs/PERFORMANCE.md")
    options = parser.parse_args()

    app = reset(options.database_url, options.redis_url)
    secret = prepare_account(app)
    body = import_body()
    population = body["result"]["population"]
    env = service_env(options.database_url, options.redis_url)
    posted: list[float] = []
    baseline: list[float] = []
    polled: list[float] = []
    posts: list[float] = []
    submission_ids: list[str] = []
    with gunicorn("vilvik:create_app()", env, workers=2) as url, workers(env, 1):
        session = requests.Session()
        session.headers["Authorization"] = f"Bearer {secret}"
        imported = session.post(f"{url}/api/v1/imports/", json=body, timeout=60)
        imported.raise_for_status()
        result_id = imported.json()["result_id"]
        for _ in range(options.warmup):
            _, _, _, status_url = continue_and_wait(session, url, result_id, options.generations,
                                                    options.poll_seconds)
            time.sleep(IDLE_SECONDS)
        for repetition in range(options.repetitions):
            order = ("service", "baseline", "polled") if repetition % 2 == 0 else ("polled", "baseline", "service")
            for which in order:
                if which == "service":
                    posted_at, answered, submission_id, status_url = continue_and_wait(
                        session, url, result_id, options.generations, options.poll_seconds)
                    posted.append(posted_at)
                    posts.append(answered)
                    submission_ids.append(submission_id)
                    time.sleep(IDLE_SECONDS)
                elif which == "baseline":
                    baseline.append(baseline_seconds(population, options.generations))
                else:
                    polled.append(polled_baseline_seconds(population, options.generations, status_url, secret,
                                                          options.poll_seconds))
    timings = run_timings(app, submission_ids)
    service = [row["finished"] - posted_at for row, posted_at in zip(timings, posted)]
    pickups = [row["pickup"] for row in timings]
    ratio = statistics.median(service) / statistics.median(baseline)
    lines = [
        f"- Run: continue a {LOCAL_GENERATIONS}-generation import of sphere by {options.generations} generations "
        f"(sol_per_pop 50, num_genes 5, num_parents_mating 4), premium account; gunicorn (2 workers), one RQ "
        f"worker, PostgreSQL, Redis",
        f"- Service, from the POST to `succeeded` (the run's finished_at; the client polls every "
        f"{options.poll_seconds * 1000:.0f} ms to learn it, which does not count): {summary(service)}",
        f"- Baseline, the same GA in-process (same PyGAD, parameters, fitness source, starting population): "
        f"{summary(baseline)}",
        f"- Ratio of medians, service / baseline: {verdict(ratio, RATIO_TARGET)}",
        f"- Control, the baseline while a second process polls the service just as fast: {summary(polled)}; "
        f"service / control: {statistics.median(service) / statistics.median(polled):.2f}x, "
        f"control / baseline: {statistics.median(polled) / statistics.median(baseline):.2f}x (what the polling "
        f"alone costs a GA beside it)",
        f"- Job pickup (Run.started_at - Run.created_at, warm idle worker): {summary(pickups)}, "
        f"p90 {percentile(pickups, 0.9):.3f} s (target median at most {PICKUP_TARGET:g} s: "
        f"{'met' if statistics.median(pickups) <= PICKUP_TARGET else 'MISSED'})",
        f"- On the worker (Run.finished_at - Run.started_at): {summary([row['worker'] for row in timings])}; "
        f"the sandboxed child's CPU time: {summary([row['cpu'] for row in timings])}",
        f"- Besides the worker's part (the POST, the queue): "
        f"{summary([total - row['worker'] for total, row in zip(service, timings)])}; the POST's answer alone: "
        f"{summary(posts)}",
    ]
    write_section("runs", "Server runs: a continued run against the same GA in-process", command_line(), lines, write=options.write)


if __name__ == "__main__":
    main()
