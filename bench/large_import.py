"""Large imports: a population of 1,000 x 1,000 genes posted to the service as deployed
(gunicorn, PostgreSQL, Redis), versus the baseline's parse-with-orjson-and-insert of the same
bytes (bench/baseline_app.py ``/large``), alternating, each served by one gunicorn worker.

    .venv/bin/python -m bench.large_import [--rows 1000] [--genes 1000] [--repeat 5]

Time is the client's, from sending to the answer. Peak memory is the serving worker's: its
high-water mark is reset (/proc/<pid>/clear_refs) before each request, and the peak is the
mark afterwards less the resident size before. Targets: time at most 3x the baseline's, and
peak memory at most 4x the payload's size.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import time
from pathlib import Path

import requests

from .baseline_app import reset_table
from .imports import bench_tiers
from .report import command_line, summary, verdict, write_section
from .services import MASTERS, add_service_arguments, gunicorn, reset, service_env

from vilvik.services import accounts

MIB = 1024 * 1024


def large_import(rows: int, genes: int, seed: int = 7) -> dict:
    """A plausible import of a big run: full-precision floats, as PyGAD's tolist() gives them."""
    rng = random.Random(seed)
    population = [[rng.uniform(-4, 4) for _ in range(genes)] for _ in range(rows)]
    fitness = [-sum(gene * gene for gene in row[:8]) for row in population]
    best = max(range(rows), key=fitness.__getitem__)
    return {
        "name": f"large {rows}x{genes}",
        "ga_parameters": {"num_generations": 200, "sol_per_pop": rows, "num_genes": genes,
                          "num_parents_mating": 10, "init_range_low": -4, "init_range_high": 4},
        "code": {"fitness_func": "def fitness_func(ga, sol, idx):\n    return -sum(s*s for s in sol[:8])\n"},
        "result": {"best_solution": population[best], "best_solution_fitness": fitness[best],
                   "best_solutions_fitness": [fitness[best] * (1 + (200 - g) / 50) for g in range(201)],
                   "generations_completed": 200, "best_solution_generation": 200,
                   "population": population, "last_generation_fitness": fitness, "best_solution_idx": best},
    }


def worker_pids(master_pid: int) -> list[int]:
    children = Path(f"/proc/{master_pid}/task/{master_pid}/children").read_text().split()
    return [int(pid) for pid in children]


def memory_kib(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise KeyError(field)


def measure(url: str, payload: bytes, headers: dict[str, str], pid: int) -> tuple[float, int, int]:
    """(seconds, peak bytes above the resident size before, status)."""
    Path(f"/proc/{pid}/clear_refs").write_text("5")
    before = memory_kib(pid, "VmRSS")
    started = time.perf_counter()
    response = requests.post(url, data=payload, headers=headers, timeout=600)
    elapsed = time.perf_counter() - started
    peak = memory_kib(pid, "VmHWM")
    return elapsed, (peak - before) * 1024, response.status_code


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_service_arguments(parser)
    parser.add_argument("--rows", type=int, default=1000)
    parser.add_argument("--genes", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=5)
    options = parser.parse_args()

    payload = json.dumps(large_import(options.rows, options.genes)).encode()
    app = reset(options.database_url, options.redis_url)
    reset_table(options.database_url)
    with app.app_context():
        user = accounts.create_user("large@example.org", "password-123", "premium")
        key = accounts.create_api_key(user, ["imports:write"]).secret
    env = service_env(options.database_url, options.redis_url, TIERS=json.dumps(bench_tiers()),
                      MAX_IMPORT_BYTES=str(4 * len(payload)))
    small = json.dumps(large_import(20, 10)).encode()
    apps = {"service": ("vilvik:create_app()", "/api/v1/imports/",
                        {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}),
            "baseline": ("bench.baseline_app:create_app()", "/large", {"Content-Type": "application/json"})}
    outcomes: dict[str, list[tuple[float, int, int]]] = {"service": [], "baseline": []}
    for _ in range(options.repeat):
        for name, (spec, path, headers) in apps.items():
            # A fresh worker per measurement: a process that served one large request keeps its
            # heap, which would hide the next one's peak.
            with gunicorn(spec, env, workers=1, extra=["--timeout", "600"]) as url:
                pid = worker_pids(MASTERS[url])[0]
                requests.post(url + path, data=small, headers=headers, timeout=60).raise_for_status()
                outcomes[name].append(measure(url + path, payload, headers, pid))

    statuses = {name: sorted({status for *_, status in items}) for name, items in outcomes.items()}
    seconds = {name: [item[0] for item in items] for name, items in outcomes.items()}
    peaks = {name: [item[1] for item in items] for name, items in outcomes.items()}
    time_ratio = statistics.median(seconds["service"]) / statistics.median(seconds["baseline"])
    memory_ratio = statistics.median(peaks["service"]) / len(payload)
    lines = [
        f"Payload: {options.rows} x {options.genes} population with its fitness, {len(payload) / MIB:.1f} MiB of "
        f"JSON. {options.repeat} rounds alternating baseline and service; each measurement in a fresh gunicorn "
        "worker warmed by one small request; PostgreSQL, Redis.",
        "",
        "| | time | peak memory above resting | peak / payload | statuses |",
        "|---|---|---|---|---|",
    ]
    for name in ("service", "baseline"):
        lines.append(f"| {name} | {summary(seconds[name], 's', digits=2)} | "
                     f"{summary(peaks[name], 'MiB', 1 / MIB, 1)} | "
                     f"{statistics.median(peaks[name]) / len(payload):.2f}x | {statuses[name]} |")
    lines += [
        "",
        f"- Time, service / baseline: {verdict(time_ratio, 3)}",
        f"- Peak memory, service / payload: {verdict(memory_ratio, 4)}",
        f"- Peak memory, service / baseline: "
        f"{statistics.median(peaks['service']) / statistics.median(peaks['baseline']):.2f}x",
    ]
    write_section("large-import", "Large imports", command_line(), lines)


if __name__ == "__main__":
    main()
