"""Fixtures: a real RQ worker process (``python -m vilvik worker``) on the test's database and Redis."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest


@pytest.fixture()
def worker_env(app, tmp_path):
    env = {key: value for key, value in os.environ.items() if not key.startswith("VILVIK_")}
    env.update(VILVIK_DATABASE_URL=app.config["DATABASE_URL"], VILVIK_REDIS_URL=app.config["REDIS_URL"],
               VILVIK_SECRET_KEY=app.config["SECRET_KEY"], VILVIK_INSTANCE_PATH=str(tmp_path / "worker-instance"))
    return env


@pytest.fixture()
def drain(worker_env):
    """Run a worker until the queue is empty (RQ's burst mode) and return its exit code."""

    def run(**extra_env) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "vilvik", "worker", "--burst"], env={**worker_env, **extra_env},
                              capture_output=True, text=True, timeout=300)

    return run


@pytest.fixture()
def background_worker(worker_env):
    """A long-lived worker in its own process group; stopped (or killed by the test) at the end."""
    started = []

    def start(**extra_env) -> subprocess.Popen:
        process = subprocess.Popen([sys.executable, "-m", "vilvik", "worker"], env={**worker_env, **extra_env},
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        started.append(process)
        return process

    yield start
    for process in started:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()


def wait_until(predicate, seconds: float = 60, interval: float = 0.2):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError("condition not reached in time")


def free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture()
def gunicorn_server(worker_env):
    """The app as deployed: gunicorn with two worker processes, on the test's database and Redis."""
    import requests

    port = free_port()
    process = subprocess.Popen([sys.executable, "-m", "gunicorn", "--workers", "2", "--threads", "4", "--bind",
                                f"127.0.0.1:{port}", "vilvik:create_app()"], env=worker_env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    url = f"http://127.0.0.1:{port}"

    def healthy():
        try:
            return requests.get(f"{url}/api/v1/health", timeout=2).status_code == 200
        except requests.RequestException:  # not up yet, or too busy to answer in time
            return False

    wait_until(healthy, seconds=60)
    yield url
    os.killpg(process.pid, signal.SIGTERM)
    process.wait(timeout=30)
