"""Import throughput and latency: the spec's example import against the service as deployed
(gunicorn, PostgreSQL, Redis), versus the baseline (bench/baseline_app.py: parse the same JSON
and insert one row through the same stack), driven by wrk in rounds that alternate the two.

    .venv/bin/python -m bench.imports [--rounds 3] [--seconds 10] [--connections 16]

Needs wrk (Debian: apt-get install wrk). Targets: at least 0.5x the baseline's requests per
second, and a p99 latency within 3x of the baseline's.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from .baseline_app import reset_table
from .report import command_line, summary, verdict, write_section
from .services import add_service_arguments, gunicorn, reset, service_env, workers

from vilvik.config import DefaultConfig
from vilvik.extensions import db
from vilvik.services import accounts

SPEC_EXAMPLE = {
    "name": "sphere min experiment",
    "ga_parameters": {"num_generations": 100, "sol_per_pop": 50, "num_genes": 5, "num_parents_mating": 4,
                      "init_range_low": -2, "init_range_high": 2},
    "code": {"fitness_func": "def fitness_func(ga, sol, idx):\n    return -sum(s*s for s in sol)\n"},
    "result": {"best_solution": [0.01, -0.02, 0.005, 0.003, -0.01], "best_solution_fitness": -0.00059,
               "best_solutions_fitness": [-4.2, -2.1, -0.8, -0.3, -0.001], "generations_completed": 100,
               "best_solution_generation": 98},
}

WRK_SCRIPT = """
wrk.method = "POST"
wrk.body = %(body)s
wrk.headers["Content-Type"] = "application/json"
local keys = %(keys)s
local threads = 0
local counter = 0
setup = function(thread)
  thread:set("first", threads)
  threads = threads + 1
end
init = function(args)
  -- each thread cycles through a share of its own, so that one account's imports rarely overlap
  share = math.floor(#keys / %(threads)d)
  first = first * share  -- "first" is this thread's number, set by setup()
end
request = function()
  counter = counter + 1
  wrk.headers["Authorization"] = "Bearer " .. keys[first + (counter %% share) + 1]
  %(idempotency)s
  return wrk.format()
end
done = function(summary, latency, requests)
  local errors = summary.errors
  io.write(string.format('RESULT {"requests": %%d, "duration_us": %%d, "p50_us": %%d, "p99_us": %%d, '
    .. '"non_2xx": %%d, "socket_errors": %%d}\\n', summary.requests, summary.duration,
    latency:percentile(50), latency:percentile(99), errors.status,
    errors.connect + errors.read + errors.write + errors.timeout))
end
"""


WRK_THREADS = 2
# Researchers importing at once: four accounts a connection, so that one account's imports
# rarely overlap (when they do, the account lock makes them wait for each other).
ACCOUNTS_PER_CONNECTION = 4


# A fresh Idempotency-Key for each import, as the SDK sends.
KEYED = 'wrk.headers["Idempotency-Key"] = string.format("%d-%d-%d", first, counter, math.random(1, 1e9))'


def lua_string(text: str) -> str:
    return "[==[" + text + "]==]"


def bench_tiers() -> dict:
    """The default tiers, with import quotas no benchmark reaches: two windows, as by default, so
    that the quota does all its usual work."""
    return {name: {**tier, "imports": ["10000000 per hour", "100000000 per day"]}
            for name, tier in DefaultConfig.TIERS.items()}


def create_keys(app, count: int) -> list[str]:
    with app.app_context():
        return [accounts.create_api_key(accounts.create_user(f"bench{index}@example.org", "password-123", "premium"),
                                        ["imports:write"]).secret for index in range(count)]


def drive(url: str, script: Path, seconds: int, connections: int) -> dict:
    completed = subprocess.run(
        ["wrk", "--threads", str(WRK_THREADS), "--connections", str(connections), "--duration", f"{seconds}s",
         "--timeout", "30s", "--script", str(script), f"{url}/api/v1/imports/"],
        capture_output=True, text=True, check=True,
    )
    line = next(line for line in completed.stdout.splitlines() if line.startswith("RESULT "))
    numbers = json.loads(line[len("RESULT "):])
    numbers["rps"] = numbers["requests"] / (numbers["duration_us"] / 1e6)
    return numbers


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_service_arguments(parser)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--web-workers", type=int, default=4)
    parser.add_argument("--web-threads", type=int, default=1)
    options = parser.parse_args()
    if not shutil.which("wrk"):
        sys.exit("wrk is needed (Debian: apt-get install wrk)")

    app = reset(options.database_url, options.redis_url)
    with app.app_context():
        db.session.remove()
    reset_table(options.database_url)
    keys = create_keys(app, options.connections * ACCOUNTS_PER_CONNECTION)
    folder = Path(tempfile.mkdtemp(prefix="vilvik-bench-wrk-"))
    scripts = {}
    for name, idempotency in (("plain", ""), ("keyed", KEYED)):
        scripts[name] = folder / f"{name}.lua"
        scripts[name].write_text(WRK_SCRIPT % {"body": lua_string(json.dumps(SPEC_EXAMPLE)),
                                               "keys": "{" + ", ".join(lua_string(key) for key in keys) + "}",
                                               "threads": WRK_THREADS, "idempotency": idempotency})
    script = scripts["plain"]
    env = service_env(options.database_url, options.redis_url, TIERS=json.dumps(bench_tiers()))
    runs: dict[str, list[dict]] = {"service": [], "baseline": [], "service, keyed": []}
    # One worker beside the web, as deployed; it idles (imports queue nothing).
    with workers(env), gunicorn("vilvik:create_app()", env, workers=options.web_workers,
                                                             threads=options.web_threads) as service_url, \
            gunicorn("bench.baseline_app:create_app()", env, workers=options.web_workers,
                     threads=options.web_threads) as baseline_url:
        for url in (service_url, baseline_url):  # warm-up: connections, caches, first imports
            drive(url, script, 2, options.connections)
        for _ in range(options.rounds):
            runs["baseline"].append(drive(baseline_url, script, options.seconds, options.connections))
            runs["service"].append(drive(service_url, script, options.seconds, options.connections))
            runs["service, keyed"].append(drive(service_url, scripts["keyed"], options.seconds, options.connections))

    def medians(name: str, key: str) -> float:
        return statistics.median(run[key] for run in runs[name])

    rps_ratio = medians("service", "rps") / medians("baseline", "rps")
    p99_ratio = medians("service", "p99_us") / medians("baseline", "p99_us")
    failures = {name: sum(run["non_2xx"] + run["socket_errors"] for run in items) for name, items in runs.items()}
    lines = [
        f"wrk: {options.connections} connections over {len(keys)} Premium accounts, {options.rounds} rounds of "
        f"{options.seconds} s alternating baseline and service; gunicorn {options.web_workers} workers of {options.web_threads} thread(s) each, "
        "PostgreSQL, Redis, one idle RQ worker. The body is the spec's curl example; \"service, keyed\" sends "
        "it with an Idempotency-Key of its own each time, as the SDK does (no target: for comparison).",
        "",
        "| | requests/s | p50 latency | p99 latency | non-2xx or socket errors |",
        "|---|---|---|---|---|",
    ]
    for name in ("service", "baseline", "service, keyed"):
        items = runs[name]
        lines.append(f"| {name} | {summary([run['rps'] for run in items], '', digits=1)} | "
                     f"{summary([run['p50_us'] for run in items], 'ms', 1e-3, 1)} | "
                     f"{summary([run['p99_us'] for run in items], 'ms', 1e-3, 1)} | {failures[name]} |")
    lines += [
        "",
        f"- Throughput, service / baseline: {verdict(rps_ratio, 0.5, at_least=True)}",
        f"- p99 latency, service / baseline: {verdict(p99_ratio, 3)}",
    ]
    write_section("imports", "Import throughput and latency", command_line(), lines)


if __name__ == "__main__":
    main()
