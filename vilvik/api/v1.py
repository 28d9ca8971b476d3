"""The /api/v1 blueprint: its resources as child blueprints, flood guards over all of them."""

from __future__ import annotations

from flask import Blueprint, current_app, request
from flask_limiter.util import get_remote_address

from ..auth import presented_key
from ..extensions import limiter
from . import devices, health, imports, results, submissions

bp = Blueprint("api", __name__, url_prefix="/api/v1")


def guard_key() -> str:
    """Count floods per account, as every limit here is; made-up keys count per address."""
    key = presented_key()
    return f"account:{key.user_id}" if key is not None else f"ip:{request.remote_addr}"


def guard_limit() -> str:
    return current_app.config["API_GUARD_LIMIT"]


def address_limit() -> str:
    return current_app.config["API_ADDRESS_LIMIT"]


RESOURCES = (health.bp, imports.bp, results.bp, submissions.bp, devices.bp)

for child in RESOURCES:
    bp.register_blueprint(child)

# Shared limits count every endpoint together. Per key for the keys' owners; per address too,
# since a flood of made-up keys would otherwise get a fresh count (and a lookup) for each.
limiter.shared_limit(guard_limit, scope="api-key-guard", key_func=guard_key)(bp)
limiter.shared_limit(address_limit, scope="api-address-guard", key_func=get_remote_address)(bp)
