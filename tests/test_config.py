"""Configuration: embedded defaults, VILVIK_* variables, and the schema from migrations."""

import os
import stat

import redis
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import upgrade

from vilvik import create_app
from vilvik.config import database_uri, limiter_storage_uri
from vilvik.extensions import db


def test_defaults_are_sqlite_and_an_embedded_redis_in_the_instance_folder(tmp_path, monkeypatch):
    for name in ("VILVIK_DATABASE_URL", "VILVIK_REDIS_URL", "VILVIK_SECRET_KEY"):
        monkeypatch.delenv(name, raising=False)
    instance = tmp_path / "instance"
    app = create_app(instance_path=str(instance))
    try:
        assert app.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{instance / 'vilvik.sqlite3'}"
        assert app.config["REDIS_URL"] == f"unix://{instance / 'redis.sock'}"
        assert redis.Redis.from_url(app.config["REDIS_URL"]).ping()
        secret_file = instance / "secret_key"
        assert app.config["SECRET_KEY"] == secret_file.read_text().strip()
        assert stat.S_IMODE(os.stat(secret_file).st_mode) == 0o600
        # A second process of the same install shares both.
        again = create_app(instance_path=str(instance))
        assert again.config["SECRET_KEY"] == app.config["SECRET_KEY"]
        assert again.config["REDIS_URL"] == app.config["REDIS_URL"]
    finally:
        redis.Redis.from_url(app.config["REDIS_URL"]).shutdown(nosave=True)


def test_environment_variables_override_defaults(tmp_path, monkeypatch, redis_url):
    monkeypatch.setenv("VILVIK_DATABASE_URL", "postgresql://u@db.example:5432/vilvik")
    monkeypatch.setenv("VILVIK_REDIS_URL", redis_url)
    monkeypatch.setenv("VILVIK_SECRET_KEY", "from-env")
    monkeypatch.setenv("VILVIK_PUBLIC_URL", "https://vilvik.example.org")
    monkeypatch.setenv("VILVIK_MAX_IMPORT_BYTES", "1000")
    app = create_app(instance_path=str(tmp_path / "instance"))
    assert app.config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u@db.example:5432/vilvik"
    assert app.config["REDIS_URL"] == redis_url
    assert app.config["SECRET_KEY"] == "from-env"
    assert app.config["PUBLIC_URL"] == "https://vilvik.example.org"
    assert app.config["MAX_IMPORT_BYTES"] == 1000


def test_url_translations():
    assert database_uri("postgres://u@h/d", "/i") == "postgresql+psycopg://u@h/d"
    assert database_uri("sqlite:////x.db", "/i") == "sqlite:////x.db"
    assert limiter_storage_uri("unix:///run/r.sock") == "redis+unix:///run/r.sock"
    assert limiter_storage_uri("redis://h:6379/2") == "redis://h:6379/2"


def test_migrations_build_exactly_the_models_schema(tmp_path, database_url, redis_url):
    app = create_app({"DATABASE_URL": database_url, "REDIS_URL": redis_url, "SECRET_KEY": "x"},
                     instance_path=str(tmp_path / "instance"))
    with app.app_context():
        db.drop_all()
        with db.engine.begin() as connection:
            connection.exec_driver_sql("DROP TABLE IF EXISTS alembic_version")
        upgrade(directory=app.extensions["migrate"].directory)
        with db.engine.connect() as connection:
            differences = compare_metadata(MigrationContext.configure(connection), db.metadata)
        assert differences == []
        db.drop_all()
        with db.engine.begin() as connection:
            connection.exec_driver_sql("DROP TABLE alembic_version")


def test_an_https_public_url_makes_cookies_secure(tmp_path, redis_url):
    app = create_app({"DATABASE_URL": f"sqlite:///{tmp_path}/x.db", "REDIS_URL": redis_url, "SECRET_KEY": "x",
                      "PUBLIC_URL": "https://vilvik.example.org"}, instance_path=str(tmp_path / "instance"))
    assert app.config["SESSION_COOKIE_SECURE"] is True and app.config["REMEMBER_COOKIE_SECURE"] is True


def test_behind_proxies_the_client_address_and_scheme_come_from_them(tmp_path, redis_url):
    app = create_app({"DATABASE_URL": f"sqlite:///{tmp_path}/x.db", "REDIS_URL": redis_url, "SECRET_KEY": "x",
                      "PROXIES": 1}, instance_path=str(tmp_path / "instance"))

    @app.get("/_seen")
    def seen():
        from flask import request

        return {"address": request.remote_addr, "secure": request.is_secure}

    answer = app.test_client().get("/_seen", headers={"X-Forwarded-For": "203.0.113.9", "X-Forwarded-Proto": "https"})
    assert answer.get_json() == {"address": "203.0.113.9", "secure": True}
    assert "max-age" in answer.headers["Strict-Transport-Security"]
