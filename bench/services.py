"""The service as deployed, for benchmarks: gunicorn and RQ workers on PostgreSQL and Redis.

Every benchmark empties the database and the Redis database it is given: the defaults are ones
of their own (``vilvik_bench``, Redis database 9), never the test suite's.
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import redis
import requests

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from vilvik import create_app  # noqa: E402
from vilvik.extensions import db  # noqa: E402

DEFAULT_DATABASE_URL = "postgresql://postgres@127.0.0.1:5432/vilvik_bench"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/9"
# The gunicorn master process serving each URL that gunicorn() yielded.
MASTERS: dict[str, int] = {}


def add_service_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--database-url", default=os.environ.get("VILVIK_BENCH_DATABASE_URL", DEFAULT_DATABASE_URL),
                        help="a PostgreSQL database of the benchmark's own: it is emptied")
    parser.add_argument("--redis-url", default=os.environ.get("VILVIK_BENCH_REDIS_URL", DEFAULT_REDIS_URL),
                        help="a Redis database of the benchmark's own: it is emptied")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def bench_app(database_url: str, redis_url: str, **settings):
    """An app on the benchmark's database, for preparing data in-process."""
    return create_app({"DATABASE_URL": database_url, "REDIS_URL": redis_url, "SECRET_KEY": "bench", **settings},
                      instance_path=tempfile.mkdtemp(prefix="vilvik-bench-"))


def reset(database_url: str, redis_url: str):
    """Empty the benchmark's database and Redis database; returns an app on them."""
    redis.Redis.from_url(redis_url).flushdb()
    app = bench_app(database_url, redis_url)
    with app.app_context():
        db.drop_all()
        db.create_all()
    return app


def service_env(database_url: str, redis_url: str, **settings: str) -> dict[str, str]:
    """The environment of the deployed processes: flood guards out of the way, else defaults."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("VILVIK_")}
    env.update(VILVIK_DATABASE_URL=database_url, VILVIK_REDIS_URL=redis_url, VILVIK_SECRET_KEY="bench",
               VILVIK_INSTANCE_PATH=tempfile.mkdtemp(prefix="vilvik-bench-instance-"),
               VILVIK_API_GUARD_LIMIT="1000000 per minute", VILVIK_API_ADDRESS_LIMIT="1000000 per minute")
    env.update({f"VILVIK_{name}": value for name, value in settings.items()})
    return env


def wait_healthy(url: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if requests.get(f"{url}/api/v1/health", timeout=2).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"{url} did not become healthy")


def stop(processes: Sequence[subprocess.Popen]) -> None:
    for process in processes:
        try:
            os.killpg(process.pid, signal.SIGTERM)
        except ProcessLookupError:
            continue
    for process in processes:
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


@contextmanager
def gunicorn(app_spec: str, env: dict[str, str], *, workers: int = 2, threads: int = 1,
             extra: Sequence[str] = ()) -> Iterator[str]:
    """A gunicorn serving ``app_spec``; yields its base URL."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--workers", str(workers), "--threads", str(threads),
         "--bind", f"127.0.0.1:{port}", "--log-level", "warning", *extra, app_spec],
        env=env, cwd=ROOT, stdout=subprocess.DEVNULL, start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    MASTERS[url] = process.pid
    try:
        wait_healthy(url)
        yield url
    finally:
        stop([process])
        MASTERS.pop(url, None)


@contextmanager
def workers(env: dict[str, str], count: int = 1) -> Iterator[list[subprocess.Popen]]:
    """``count`` RQ workers (``python -m vilvik worker``)."""
    processes = [subprocess.Popen([sys.executable, "-m", "vilvik", "worker"], env=env, cwd=ROOT,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
                 for _ in range(count)]
    try:
        yield processes
    finally:
        stop(processes)
