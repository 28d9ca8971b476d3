"""Vilvik: a self-hostable web service for PyGAD genetic-algorithm experiments."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from . import api, cli, config, database, errors, redis_connection, security, web
from .extensions import csrf, db, limiter, login_manager, migrate

# Alembic's scripts live beside the package, in the project's top-level migrations/.
MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"


def create_app(test_config: dict[str, Any] | None = None, instance_path: str | None = None) -> Flask:
    """Build the app: settings, extensions, blueprints, error handlers, commands.

    The instance folder (SQLite file, embedded Redis, generated secret) is ``instance_path``,
    else VILVIK_INSTANCE_PATH, else Flask's default ``instance/`` beside the package.
    """
    instance_path = instance_path or os.environ.get("VILVIK_INSTANCE_PATH") or None
    app = Flask(__name__, instance_path=instance_path, instance_relative_config=True)
    # "/api/v1/imports//" is a 404 in the API's envelope, not a redirect with an HTML body.
    app.url_map.merge_slashes = False
    config.load_config(app, test_config)
    if app.config["PROXIES"]:
        trusted = int(app.config["PROXIES"])
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=trusted, x_proto=trusted, x_host=trusted)
    register_extensions(app)
    register_blueprints(app)
    errors.init_app(app)
    security.init_app(app)
    cli.init_app(app)
    return app


def register_extensions(app: Flask) -> None:
    db.init_app(app)
    database.init_app(app)
    migrate.init_app(app, db, directory=str(MIGRATIONS), render_as_batch=True)
    limiter.init_app(app)
    redis_connection.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "web.account.login"
    login_manager.session_protection = "strong"
    csrf.init_app(app)


def register_blueprints(app: Flask) -> None:
    # Bearer keys, not cookies: nothing for a cross-site form to ride on.
    for blueprint in (api.bp, *api.RESOURCES):
        csrf.exempt(blueprint)
    app.register_blueprint(api.bp)
    app.register_blueprint(web.bp)
