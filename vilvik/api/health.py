"""Liveness, with the state of the database and Redis."""

from flask import Blueprint, jsonify
from sqlalchemy import text

from ..errors import ServiceUnavailable
from ..extensions import db
from ..redis_connection import get_redis
from .openapi import build_spec
from .routing import public_base_url, route

bp = Blueprint("health", __name__)


def _probe(check) -> str:
    try:
        check()
    except Exception as error:  # any failure of a backend is reported, not raised
        return f"unavailable ({type(error).__name__})"
    return "ok"


@route(bp, "/health", methods=["GET"])
def health():
    """Answers without authentication so load balancers and the SDK can probe it."""
    checks = {
        "database": _probe(lambda: db.session.execute(text("SELECT 1"))),
        "redis": _probe(lambda: get_redis().ping()),
    }
    if any(state != "ok" for state in checks.values()):
        db.session.rollback()
        raise ServiceUnavailable("A backend is unavailable.", details=checks)
    return jsonify(status="ok", **checks)


@route(bp, "/openapi.json", methods=["GET"])
def openapi():
    """The API described for machines: OpenAPI 3, from the schemas that validate requests."""
    return jsonify(build_spec(public_base_url() + "/api/v1"))
