"""Load: the service as in production (gunicorn, PostgreSQL, Redis, an RQ worker) driven by
concurrent clients. Prints what it measured; it is not a test and asserts nothing.

    .venv/bin/python bench/load.py --database-url postgresql://postgres@127.0.0.1:5432/vilvik_bench \\
        --redis-url redis://127.0.0.1:6379/9 [--imports 300] [--clients 32] [--web-workers 2]

It empties the database and the Redis database it is given: give it ones of its own.
"""

from __future__ import annotations

import argparse
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import redis
import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from vilvik import create_app  # noqa: E402
from vilvik.extensions import db  # noqa: E402
from vilvik.services import accounts  # noqa: E402

BODY = {
    "name": "load",
    "ga_parameters": {"num_generations": 100, "sol_per_pop": 50, "num_genes": 5, "num_parents_mating": 4,
                      "init_range_low": -2, "init_range_high": 2},
    "code": {"fitness_func": "def fitness_func(ga, sol, idx):\n    return -sum(s*s for s in sol)\n"},
    "result": {"best_solution": [0.01, -0.02, 0.005, 0.003, -0.01], "best_solution_fitness": -0.00059,
               "best_solutions_fitness": [-4.2, -2.1, -0.8, -0.3, -0.001], "generations_completed": 100,
               "best_solution_generation": 98},
}


def prepare(database_url: str, redis_url: str, accounts_wanted: int, tier: str) -> list[str]:
    redis.Redis.from_url(redis_url).flushdb()
    app = create_app({"DATABASE_URL": database_url, "REDIS_URL": redis_url, "SECRET_KEY": "bench"},
                     instance_path=tempfile.mkdtemp())
    with app.app_context():
        db.drop_all()
        db.create_all()
        return [accounts.create_api_key(accounts.create_user(f"load{index}@example.org", "password-123", tier),
                                        ["imports:write"]).secret for index in range(accounts_wanted)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--redis-url", required=True)
    parser.add_argument("--imports", type=int, default=300)
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--web-workers", type=int, default=2)
    parser.add_argument("--port", type=int, default=5077)
    options = parser.parse_args()

    keys = prepare(options.database_url, options.redis_url, max(1, options.imports // 60), "premium")
    env = dict(os.environ, VILVIK_DATABASE_URL=options.database_url, VILVIK_REDIS_URL=options.redis_url,
               VILVIK_SECRET_KEY="bench", VILVIK_API_GUARD_LIMIT="100000 per minute",
               VILVIK_API_ADDRESS_LIMIT="100000 per minute")
    web = subprocess.Popen([sys.executable, "-m", "gunicorn", "--workers", str(options.web_workers), "--bind",
                            f"127.0.0.1:{options.port}", "vilvik:create_app()"], env=env, cwd=ROOT,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    worker = subprocess.Popen([sys.executable, "-m", "vilvik", "worker"], env=env, cwd=ROOT,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    url = f"http://127.0.0.1:{options.port}"
    try:
        for _ in range(200):
            try:
                if requests.get(f"{url}/api/v1/health", timeout=1).status_code == 200:
                    break
            except requests.RequestException:
                pass
            time.sleep(0.1)

        def one(index: int) -> tuple[int, float]:
            started = time.perf_counter()
            response = requests.post(f"{url}/api/v1/imports/", json=BODY, timeout=120,
                                     headers={"Authorization": f"Bearer {keys[index % len(keys)]}"})
            return response.status_code, time.perf_counter() - started

        started = time.perf_counter()
        with ThreadPoolExecutor(max_workers=options.clients) as pool:
            outcomes = list(pool.map(one, range(options.imports)))
        elapsed = time.perf_counter() - started
        latencies = sorted(latency for _, latency in outcomes)
        print(f"imports: {options.imports} by {options.clients} clients over {len(keys)} premium accounts, "
              f"gunicorn workers: {options.web_workers}")
        print(f"statuses: {dict(Counter(status for status, _ in outcomes))}")
        print(f"throughput: {options.imports / elapsed:.1f} imports/s over {elapsed:.2f} s")
        print(f"latency: median {statistics.median(latencies) * 1000:.1f} ms, "
              f"p95 {latencies[int(len(latencies) * 0.95) - 1] * 1000:.1f} ms, max {latencies[-1] * 1000:.1f} ms")
    finally:
        for process in (web, worker):
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=30)


if __name__ == "__main__":
    main()
