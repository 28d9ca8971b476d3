"""Pooled database connections: one the server has closed is replaced before a request uses it."""

from __future__ import annotations

import os
import resource
import time

import psycopg
import pytest
from sqlalchemy import text

from vilvik.extensions import db

from .conftest import bearer


def test_connections_the_server_closed_are_replaced_without_an_error(app, client, key):
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        pytest.skip("SQLite has no server to close connections")
    for _ in range(3):  # the pool now holds the connections these used
        assert client.get("/api/v1/submissions", headers=bearer(key)).status_code == 200
    with app.app_context():
        url = db.engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
        application = db.session.execute(text("SELECT current_setting('application_name')")).scalar_one()
        db.session.remove()
    with psycopg.connect(url, autocommit=True) as admin:
        terminated = admin.execute(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid() AND application_name = %s",
            (application,),
        ).fetchone()[0]
    assert terminated >= 1
    time.sleep(0.2)  # the server's goodbye reaches the pooled sockets

    answers = [client.get("/api/v1/submissions", headers=bearer(key)).status_code for _ in range(3)]
    assert answers == [200, 200, 200]


def test_connections_numbered_past_1023_are_checked_too(app, client, key):
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        pytest.skip("SQLite has no server connection to check")
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard != resource.RLIM_INFINITY and hard < 1200:
        pytest.skip(f"this process may open only {hard} files")
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, 1200), hard))
    with app.app_context():
        db.engine.dispose()  # no connection left with a low descriptor...
    fillers = [os.open(os.devnull, os.O_RDONLY) for _ in range(1100)]  # ...nor one free
    try:
        answers = [client.get("/api/v1/submissions", headers=bearer(key)).status_code for _ in range(3)]
        with app.app_context():
            descriptors = [record.dbapi_connection.fileno() for record in _pooled(db.engine)]
    finally:
        for descriptor in fillers:
            os.close(descriptor)
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))
    assert answers == [200, 200, 200]
    assert descriptors and min(descriptors) > 1023


def _pooled(engine) -> list:
    """The connection records waiting in the pool."""
    return list(engine.pool._pool.queue)
