"""Fixtures: a real database (SQLite, or PostgreSQL from VILVIK_TEST_DATABASE_URL) and a real
Redis (VILVIK_TEST_REDIS_URL, or the embedded one the app starts itself)."""

from __future__ import annotations

import copy
import json
import os
import threading
from pathlib import Path

from dataclasses import dataclass

import pytest
import redis
from sqlalchemy import func, select
from werkzeug.serving import make_server

from vilvik import create_app
from vilvik.embedded_redis import ensure_embedded_redis
from vilvik.extensions import db
from vilvik.models import SCOPES, User
from vilvik.redis_connection import get_redis
from vilvik.services import accounts

FIXTURES = Path(__file__).resolve().parent / "fixtures"
# A real worker process, and Debian's chromium through Playwright, for the tests that need them.
pytest_plugins = ["tests.plugins.workers", "tests.plugins.browser"]


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory):
    configured = os.environ.get("VILVIK_TEST_REDIS_URL")
    if configured:
        yield configured
        return
    url = ensure_embedded_redis(str(tmp_path_factory.mktemp("redis-instance")))
    yield url
    redis.Redis.from_url(url).shutdown(nosave=True)


@pytest.fixture()
def database_url(tmp_path) -> str:
    return os.environ.get("VILVIK_TEST_DATABASE_URL") or f"sqlite:///{tmp_path / 'test.sqlite3'}"


@pytest.fixture()
def app(tmp_path, database_url, redis_url):
    app = create_app(
        {"TESTING": True, "DATABASE_URL": database_url, "REDIS_URL": redis_url, "SECRET_KEY": "test-secret"},
        instance_path=str(tmp_path / "instance"),
    )
    # Requests must not share the test's app context (and so its session and ``g``): the
    # fixture sets up and tears down in contexts of its own and holds none while tests run.
    with app.app_context():
        get_redis().flushdb()
        db.drop_all()
        db.create_all()
    yield app
    with app.app_context():
        db.session.remove()
        db.drop_all()
        db.engine.dispose()


@pytest.fixture()
def client(app):
    return app.test_client()


@pytest.fixture()
def runner(app):
    return app.test_cli_runner()


@dataclass(frozen=True)
class UserRef:
    """A user as tests hold it: plain values, usable outside any app context."""

    id: int
    email: str


@pytest.fixture()
def make_user(app):
    counter = iter(range(1, 10_000))

    def make(tier: str = "free", email: str | None = None) -> UserRef:
        with app.app_context():
            user = accounts.create_user(email or f"user{next(counter)}@example.org", "password-123", tier)
            return UserRef(user.id, user.email)

    return make


@pytest.fixture()
def make_key(app):
    def make(user: UserRef, scopes=SCOPES, **options) -> str:
        with app.app_context():
            return accounts.create_api_key(db.session.get(User, user.id), list(scopes), **options).secret

    return make


def count_rows(app, model) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


@pytest.fixture()
def user(make_user):
    return make_user()


@pytest.fixture()
def key(user, make_key) -> str:
    return make_key(user)


def bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


@pytest.fixture()
def spec_body() -> dict:
    """The full request body of spec/imports-endpoint.txt, verbatim."""
    return copy.deepcopy(SPEC_FULL_BODY)


@pytest.fixture()
def live_server(app):
    """The app on a real socket, threaded, for chunked bodies and concurrency."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=10)


def sdk_payloads() -> list[Path]:
    """Import bodies exactly as the official SDK (vilvik 0.5.7) builds them from PyGAD 3.9.2 runs."""
    return sorted((FIXTURES / "sdk-payloads").glob("*.json"))


def load_payload(path: Path) -> dict:
    return json.loads(path.read_text())


SPEC_FULL_BODY = {
    "name": "sphere min experiment",
    "ga_parameters": {
        "num_generations": 100,
        "sol_per_pop": 50,
        "num_genes": 5,
        "num_parents_mating": 4,
        "init_range_low": -2,
        "init_range_high": 2,
    },
    "code": {
        "fitness_func": "def fitness_func(ga, sol, idx):\n    return -sum(s*s for s in sol)\n",
        "on_generation": "def on_generation(ga):\n    pass\n",
    },
    "result": {
        "best_solution": [0.01, -0.02, 0.005, 0.003, -0.01],
        "best_solution_fitness": -0.00059,
        "best_solutions_fitness": [-4.2, -2.1, -0.8, -0.3, -0.001],
        "generations_completed": 100,
        "best_solution_generation": 98,
        "population": [[0.01, -0.02, 0.005, 0.003, -0.01]],
    },
    "origin": {"sdk_version": "3.3.1", "python_version": "3.12.0"},
}
