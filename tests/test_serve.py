"""`vilvik-server serve` (what `make run` starts): schema, demo key, web and worker, the spec's curl."""

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from .api.test_imports import CURL_BODY

pytestmark = pytest.mark.live


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for_health(url: str, process: subprocess.Popen, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        assert process.poll() is None, "serve exited early"
        try:
            if requests.get(f"{url}/api/v1/health", timeout=2).status_code == 200:
                return
        except requests.RequestException:  # not up yet, or too busy to answer in time
            pass
        time.sleep(0.3)
    raise AssertionError("the service did not become healthy")


@pytest.fixture()
def served(tmp_path, redis_url):
    port = free_port()
    env = {key: value for key, value in os.environ.items() if not key.startswith("VILVIK_")}
    env.update(VILVIK_INSTANCE_PATH=str(tmp_path / "instance"), PYTHONUNBUFFERED="1")
    log = open(tmp_path / "serve.log", "w+")
    process = subprocess.Popen([sys.executable, "-m", "vilvik", "serve", "--port", str(port)], env=env,
                               stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_for_health(url, process)
        log.seek(0)
        yield url, log.read(), process
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=40)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
        import redis

        socket_path = tmp_path / "instance" / "redis.sock"
        if socket_path.exists():
            redis.Redis(unix_socket_path=str(socket_path)).shutdown(nosave=True)


def test_serve_prints_a_demo_key_that_the_spec_curl_example_uses(served):
    url, output, process = served
    secret = re.search(r"Demo API key \(shown once\): (vlk_live_\w+)", output).group(1)
    curl = subprocess.run(
        ["curl", "-sS", "-X", "POST", f"{url}/api/v1/imports/", "-H", f"Authorization: Bearer {secret}",
         "-H", "Content-Type: application/json", "-d", json.dumps(CURL_BODY), "-w", "\n%{http_code}"],
        capture_output=True, text=True, timeout=60, check=True,
    )
    body, status = curl.stdout.rsplit("\n", 1)
    assert status == "201", body
    created = json.loads(body)
    assert created["result_url"] == f"{url}/app/result/{created['result_id']}/"
    children = subprocess.run(["pgrep", "-P", str(process.pid)], capture_output=True, text=True).stdout.split()
    commands = [Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode() for pid in children]
    assert any("-m vilvik worker" in command for command in commands), commands
    assert any("gunicorn" in command for command in commands), commands
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=40) == 0
