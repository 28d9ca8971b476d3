"""Starting runs through the API: an optional flat JSON body of overrides, an Idempotency-Key."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Response, jsonify, request

from ..auth import current_account
from ..errors import ValidationFailed
from ..services import idempotency
from ..services.idempotency import StoredResponse
from .body import json_body


def overrides_body() -> dict[str, Any]:
    """The overrides object; an empty body means none."""
    if not request.content_length and not request.headers.get("Transfer-Encoding"):
        return {}
    body = json_body()
    if body is None:
        return {}
    if not isinstance(body, dict):
        raise ValidationFailed("The request body must be a JSON object of overrides.",
                               details={"$": ["Must be an object."]})
    return body


def accepted(operation: str, body: dict[str, Any], start: Callable[[], dict[str, Any]],
             location: Callable[[dict[str, Any]], str]) -> Response:
    """202 with the started submission, once per Idempotency-Key."""
    key = idempotency.check_key(request.headers.get("Idempotency-Key"))

    def produce() -> StoredResponse:
        created = start()
        return StoredResponse(status=202, body=created, location=location(created))

    outcome = idempotency.idempotent(current_account(), key, idempotency.fingerprint(operation, body), produce)
    response = jsonify(outcome.body)
    response.status_code = outcome.status
    if outcome.location:
        response.headers["Location"] = outcome.location
    if outcome.replayed:
        response.headers["Idempotent-Replayed"] = "true"
    return response
