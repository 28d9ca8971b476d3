"""POST /api/v1/imports: bring a local PyGAD run in as an editable, continuable record."""

from __future__ import annotations

import redis
from flask import Blueprint, Response, g, jsonify, request

from ..auth import require_scope
from ..schemas import load_or_raise
from ..schemas.imports import ImportSchema
from ..services import idempotency
from ..services.imports import create_import
from ..services.quotas import peek_import_quota
from .body import json_body
from .routing import public_base_url, route

bp = Blueprint("imports", __name__)
# Schemas keep no state between loads; building one per request costs more than loading.
IMPORT_SCHEMA = ImportSchema()


@route(bp, "/imports", methods=["POST"])
@require_scope("imports:write")
def create():
    key = idempotency.check_key(request.headers.get("Idempotency-Key"))
    body = json_body()
    data = load_or_raise(IMPORT_SCHEMA, body)
    outcome = create_import(
        g.account,
        data,
        base_url=public_base_url(),
        idempotency_key=key,
        request_fingerprint=idempotency.fingerprint("imports.create", body) if key else "",
    )
    response = jsonify(outcome.body)
    response.status_code = outcome.status
    response.headers.update(outcome.headers)
    if outcome.location:
        response.headers["Location"] = outcome.location
    if outcome.replayed:
        response.headers["Idempotent-Replayed"] = "true"
    return response


@bp.after_request
def add_quota_headers(response: Response) -> Response:
    """Every answer to an authenticated import says where the account's quota stands."""
    if "account" in g and "X-RateLimit-Limit" not in response.headers:
        try:
            response.headers.update(peek_import_quota(g.account).headers())
        except redis.RedisError:  # a quota lookup never turns an answer into an error
            pass
    return response
