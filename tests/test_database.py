"""Pooled database connections: one the server has closed is replaced before a request uses it."""

from __future__ import annotations

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
