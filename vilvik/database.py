"""Engine settings that depend on the database in use."""

from __future__ import annotations

import select
import sqlite3

from flask import Flask
from sqlalchemy import event
from sqlalchemy.exc import DisconnectionError

from .extensions import db


def _tune_sqlite(dbapi_connection, connection_record) -> None:
    """WAL lets readers run beside a writer; foreign keys are off in SQLite unless asked for."""
    if isinstance(dbapi_connection, sqlite3.Connection):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()


def _check_closed_by_server(dbapi_connection, connection_record, connection_proxy) -> None:
    """A pooled PostgreSQL connection is idle: if its socket is readable, the server has said its
    last words (a restart, a terminated backend, an idle timeout) and closed it.

    Looking costs no round trip, unlike a ping on every checkout; the pool replaces the
    connection (SQLAlchemy's custom pessimistic disconnect handling). A peer that vanished
    without a word (a firewall's idle timeout) is found by TCP keepalives (config.py), which
    make the socket report an error the same way."""
    try:
        watch = select.poll()  # poll, not select: descriptors may be numbered past 1023
        watch.register(dbapi_connection.fileno(), select.POLLIN | select.POLLERR | select.POLLHUP)
        closed = bool(watch.poll(0))
    except Exception as error:  # a connection psycopg already knows is lost, among others
        raise DisconnectionError(f"pooled connection unusable: {error}") from error
    if closed:
        raise DisconnectionError("the server closed the pooled connection")


def init_app(app: Flask) -> None:
    uri = app.config["SQLALCHEMY_DATABASE_URI"]
    with app.app_context():
        if uri.startswith("sqlite"):
            event.listen(db.engine, "connect", _tune_sqlite)
        elif uri.startswith("postgresql"):
            event.listen(db.engine, "checkout", _check_closed_by_server)
