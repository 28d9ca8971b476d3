"""Default settings; every one can be overridden with a ``VILVIK_<NAME>`` environment variable."""

from __future__ import annotations

import os
import secrets
from typing import Any

from flask import Flask

from .embedded_redis import ensure_embedded_redis

MIB = 1024 * 1024


class DefaultConfig:
    """Settings that hold when nothing else is said; names match the VILVIK_* variables."""

    # None means: SQLite in the instance folder.
    DATABASE_URL = None
    # None means: an embedded redis-server on a unix socket in the instance folder.
    REDIS_URL = None
    # None means: generated once and kept in the instance folder.
    SECRET_KEY = None
    # Prefix of the links the API hands out (result_url); None means the request's own host.
    PUBLIC_URL = None
    MAX_IMPORT_BYTES = 16 * MIB

    # Per-account import limits by tier, as Flask-Limiter strings; every window must hold.
    TIERS = {
        "free": {
            "imports": ["10 per hour", "50 per day"],
            "runs": {"max_generations": 5_000, "max_population": 500, "max_genes": 1_000,
                     "wall_seconds": 60, "memory_mb": 1024, "output_kb": 256},
        },
        "premium": {
            "imports": ["60 per hour", "300 per day"],
            "runs": {"max_generations": 100_000, "max_population": 5_000, "max_genes": 10_000,
                     "wall_seconds": 600, "memory_mb": 4096, "output_kb": 1024},
        },
    }
    # Sandbox layers without which a job is refused instead of run weaker (comma-separated, or "all").
    SANDBOX_REQUIRE = ""
    # A running run whose worker has not been heard from for this long is marked failed.
    RUN_HEARTBEAT_TIMEOUT_SECONDS = 60
    # Flood guard on every API endpoint, counted per API key (or per address without one).
    API_GUARD_LIMIT = "600 per minute"
    # Flood guard per client address, over every API endpoint.
    API_ADDRESS_LIMIT = "3000 per minute"
    # Replays of an Idempotency-Key are answered for this long.
    IDEMPOTENCY_TTL_SECONDS = 24 * 3600
    # How long an import waits for the account's other imports to finish before answering 503.
    IMPORT_LOCK_WAIT_SECONDS = 20

    # Created with a key on the first `vilvik-server serve`, so the README's curl works at once.
    DEMO_EMAIL = "demo@vilvik.local"

    # Whether anyone reaching the site may create an account.
    ALLOW_SIGNUP = True
    # Sign-in attempts per client address and per email.
    LOGIN_LIMIT = "10 per minute"
    DASHBOARD_PAGE_SIZE = 25
    # How many proxies (that set X-Forwarded-For/-Proto/-Host) stand in front of the app.
    PROXIES = 0

    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    JSON_SORT_KEYS = False
    # PostgreSQL's pooled connections are checked without a round trip (database.py); others
    # are pinged on checkout.
    SQLALCHEMY_ENGINE_OPTIONS: dict[str, Any] = {}


POSTGRESQL_KEEPALIVES = {"keepalives": 1, "keepalives_idle": 60, "keepalives_interval": 10, "keepalives_count": 6}


def database_uri(url: str | None, instance_path: str) -> str:
    """SQLAlchemy URI for VILVIK_DATABASE_URL; PostgreSQL URLs use the psycopg 3 driver."""
    if not url:
        return "sqlite:///" + os.path.join(instance_path, "vilvik.sqlite3")
    for plain in ("postgres://", "postgresql://"):
        if url.startswith(plain):
            return "postgresql+psycopg://" + url[len(plain):]
    return url


def instance_secret_key(instance_path: str) -> str:
    """A secret made once per instance and kept there, readable by its owner only."""
    path = os.path.join(instance_path, "secret_key")
    try:
        with open(path) as existing:
            return existing.read().strip()
    except FileNotFoundError:
        pass
    secret = secrets.token_urlsafe(48)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(descriptor, "w") as new:
            new.write(secret)
    except FileExistsError:  # pragma: no cover - another process won the race
        return instance_secret_key(instance_path)
    return secret


def limiter_storage_uri(redis_url: str) -> str:
    """The `limits` library spells a unix-socket Redis ``redis+unix://``."""
    if redis_url.startswith("unix://"):
        return "redis+unix://" + redis_url[len("unix://"):]
    return redis_url


def load_config(app: Flask, overrides: dict[str, Any] | None) -> None:
    """Defaults, then VILVIK_* variables, then ``overrides``; then the settings derived from them."""
    app.config.from_object(DefaultConfig)
    app.config.from_prefixed_env("VILVIK")
    app.config.update(overrides or {})
    os.makedirs(app.instance_path, exist_ok=True)
    config = app.config
    config["SQLALCHEMY_DATABASE_URI"] = database_uri(config["DATABASE_URL"], app.instance_path)
    if config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        config["SQLALCHEMY_ENGINE_OPTIONS"] = {"connect_args": {"timeout": 30}}
    elif config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        # An idle pooled connection whose server vanished is found within about two minutes.
        config["SQLALCHEMY_ENGINE_OPTIONS"] = {"connect_args": POSTGRESQL_KEEPALIVES,
                                               **config["SQLALCHEMY_ENGINE_OPTIONS"]}
    else:
        config["SQLALCHEMY_ENGINE_OPTIONS"] = {"pool_pre_ping": True, **config["SQLALCHEMY_ENGINE_OPTIONS"]}
    if not config["SECRET_KEY"]:
        config["SECRET_KEY"] = instance_secret_key(app.instance_path)
    if not config["REDIS_URL"]:
        config["REDIS_URL"] = ensure_embedded_redis(app.instance_path)
    # No body anywhere may be larger than an import; json_body() enforces the import limit itself.
    config["MAX_CONTENT_LENGTH"] = int(config["MAX_IMPORT_BYTES"]) + 1
    config["RATELIMIT_STORAGE_URI"] = limiter_storage_uri(config["REDIS_URL"])
    config["RATELIMIT_KEY_PREFIX"] = "vilvik"
    config["RATELIMIT_HEADERS_ENABLED"] = False
    # The flood guard fails open while Redis is down; imports still answer 503 then, as their
    # quota cannot be counted.
    config["RATELIMIT_SWALLOW_ERRORS"] = True
    # ...and sign-in throttling goes on in each process's memory meanwhile.
    config["RATELIMIT_IN_MEMORY_FALLBACK_ENABLED"] = True
    # Behind HTTPS, cookies never travel in clear.
    if str(config["PUBLIC_URL"] or "").startswith("https://"):
        config["SESSION_COOKIE_SECURE"] = config["REMEMBER_COOKIE_SECURE"] = True
