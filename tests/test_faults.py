"""Faults: Redis stopped and restarted (with and without its data), the database gone."""

import re
import subprocess
import sys

import pytest
import redis

from vilvik import create_app
from vilvik.embedded_redis import redis_server_binary
from vilvik.extensions import db
from vilvik.models import Submission
from vilvik.services import accounts

from .api.test_imports import CURL_BODY
from .conftest import bearer, load_payload, sdk_payloads

pytestmark = pytest.mark.live


class OwnRedis:
    """A redis-server of this test's own, so that it can be stopped and started again."""

    def __init__(self, folder):
        self.folder, self.socket = folder, folder / "redis.sock"

    @property
    def url(self) -> str:
        return f"unix://{self.socket}"

    def start(self) -> None:
        subprocess.run([redis_server_binary(), "--port", "0", "--unixsocket", str(self.socket), "--dir",
                        str(self.folder), "--daemonize", "yes", "--appendonly", "yes", "--appendfsync", "always",
                        "--save", "", "--logfile", str(self.folder / "log")], check=True)
        client = redis.Redis(unix_socket_path=str(self.socket))
        for _ in range(100):
            try:
                client.ping()
                return
            except redis.ConnectionError:
                import time
                time.sleep(0.05)
        raise AssertionError("redis did not start")

    def stop(self) -> None:
        try:
            redis.Redis(unix_socket_path=str(self.socket)).shutdown(save=False)
        except redis.ConnectionError:
            pass


@pytest.fixture()
def own_redis(tmp_path):
    server = OwnRedis(tmp_path)
    server.start()
    yield server
    server.stop()


@pytest.fixture()
def fault_app(tmp_path, database_url, own_redis):
    app = create_app({"TESTING": True, "DATABASE_URL": database_url, "REDIS_URL": own_redis.url,
                      "SECRET_KEY": "faults"}, instance_path=str(tmp_path / "instance"))
    with app.app_context():
        db.drop_all()
        db.create_all()
        user = accounts.create_user("faults@example.org", "password-123", "premium")
        secret = accounts.create_api_key(user, ["imports:write", "submissions:read", "submissions:write",
                                                "results:read"]).secret
    yield app, secret
    with app.app_context():
        db.session.remove()
        db.drop_all()
        db.engine.dispose()


def drain(app):
    env = {"VILVIK_DATABASE_URL": app.config["DATABASE_URL"], "VILVIK_REDIS_URL": app.config["REDIS_URL"],
           "VILVIK_SECRET_KEY": "faults", "PATH": "/usr/bin:/bin"}
    return subprocess.run([sys.executable, "-m", "vilvik", "worker", "--burst"], env=env, capture_output=True,
                          text=True, timeout=300)


def count(app) -> int:
    with app.app_context():
        return db.session.scalar(db.select(db.func.count()).select_from(Submission))


def test_with_redis_stopped_imports_are_503_reads_and_pages_go_on_and_queued_runs_survive(fault_app, own_redis):
    app, secret = fault_app
    client = app.test_client()
    imported = client.post("/api/v1/imports/", json=load_payload(sdk_payloads()[0]), headers=bearer(secret)).get_json()
    assert client.post(f"/api/v1/submissions/{imported['id']}/reexecute", headers=bearer(secret)).status_code == 202
    browser = app.test_client()
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', browser.get("/login").get_data(as_text=True)).group(1)
    browser.post("/login", data={"email": "faults@example.org", "password": "password-123", "csrf_token": token})
    own_redis.stop()

    assert browser.get("/app/").status_code == 200  # the pages need only the database
    assert browser.get(f"/app/submission/{imported['id']}/").status_code == 200
    refused = client.post("/api/v1/imports/", json=CURL_BODY, headers=bearer(secret))
    assert refused.status_code == 503 and refused.get_json()["error"]["code"] == "service_unavailable"
    assert count(app) == 1
    assert client.get(f"/api/v1/submissions/{imported['id']}", headers=bearer(secret)).get_json()["status"] == "queued"
    assert client.get("/api/v1/health").status_code == 503

    own_redis.start()  # its append-only file brings the queued job back
    assert drain(app).returncode == 0
    assert client.get(f"/api/v1/submissions/{imported['id']}", headers=bearer(secret)).get_json()["status"] == "succeeded"
    assert client.post("/api/v1/imports/", json=CURL_BODY, headers=bearer(secret)).status_code == 201


def test_runs_queued_when_redis_lost_everything_are_queued_again(fault_app, own_redis):
    app, secret = fault_app
    client = app.test_client()
    imported = client.post("/api/v1/imports/", json=load_payload(sdk_payloads()[0]), headers=bearer(secret)).get_json()
    client.post(f"/api/v1/submissions/{imported['id']}/reexecute", headers=bearer(secret))
    redis.Redis.from_url(own_redis.url).flushall()  # a restart without its data
    assert drain(app).returncode == 0  # the worker finds the run queued in the database only
    assert client.get(f"/api/v1/submissions/{imported['id']}", headers=bearer(secret)).get_json()["status"] == "succeeded"


def test_with_the_database_gone_the_api_answers_503(tmp_path, redis_url, key, client):
    broken = create_app({"TESTING": True, "DATABASE_URL": "postgresql://vilvik@127.0.0.1:1/none", "REDIS_URL": redis_url,
                         "SECRET_KEY": "x"}, instance_path=str(tmp_path / "broken"))
    response = broken.test_client().post("/api/v1/imports/", json=CURL_BODY, headers=bearer(key))
    assert response.status_code == 503 and response.get_json()["error"]["code"] == "service_unavailable"
    health = broken.test_client().get("/api/v1/health")
    assert health.status_code == 503 and health.get_json()["error"]["details"]["database"].startswith("unavailable")
    assert client.get("/api/v1/health").status_code == 200  # the real app was untouched
