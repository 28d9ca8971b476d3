"""The /api/v1 blueprint: its resources as child blueprints, one flood guard over all of them."""

from __future__ import annotations

from flask import Blueprint, current_app, request

from ..auth import bearer_secret
from ..extensions import limiter
from ..ids import hash_secret
from . import health, imports, results, submissions

bp = Blueprint("api", __name__, url_prefix="/api/v1")


def guard_key() -> str:
    """Count floods per API key (hashed, never the secret itself), else per address."""
    secret = bearer_secret()
    return f"key:{hash_secret(secret)[:32]}" if secret else f"ip:{request.remote_addr}"


def guard_limit() -> str:
    return current_app.config["API_GUARD_LIMIT"]


RESOURCES = (health.bp, imports.bp, results.bp, submissions.bp)

for child in RESOURCES:
    bp.register_blueprint(child)

limiter.limit(guard_limit, key_func=guard_key, scope="api-guard")(bp)
