"""Errors as exceptions, rendered by registered handlers: one JSON envelope under /api/,
HTML pages elsewhere."""

from __future__ import annotations

import logging
import math
import re
import time
import uuid
from typing import Any

import redis
from flask import Flask, Response, g, jsonify, render_template, request
from flask_limiter.errors import RateLimitExceeded
from sqlalchemy.exc import OperationalError
from werkzeug.exceptions import HTTPException

from .extensions import db, limiter

log = logging.getLogger(__name__)

_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")

# Error codes of the HTTP errors Werkzeug raises on its own.
_HTTP_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    429: "rate_limited",
    503: "service_unavailable",
}


class ApiError(Exception):
    """An error the client caused or can act on; ``code`` is the stable machine-readable name."""

    status = 400
    code = "bad_request"
    message = "The request could not be handled."

    def __init__(self, message: str | None = None, *, details: dict[str, Any] | None = None,
                 headers: dict[str, str] | None = None) -> None:
        super().__init__(message or self.message)
        self.message = message or self.message
        self.details = details or {}
        self.headers = headers or {}


class InvalidJson(ApiError):
    status, code, message = 400, "invalid_json", "The request body is not valid JSON."


class Unauthorized(ApiError):
    status, code = 401, "unauthorized"
    message = "A valid API key is required: send 'Authorization: Bearer <key>'."


class ScopeRequired(ApiError):
    status, code = 403, "scope_required"

    def __init__(self, scope: str) -> None:
        super().__init__(f"This API key lacks the '{scope}' scope.", details={"required_scope": scope})


class NotFound(ApiError):
    status, code, message = 404, "not_found", "No such object."


class IdempotencyConflict(ApiError):
    status, code = 409, "idempotency_conflict"
    message = "This Idempotency-Key was already used with a different request body."


class PayloadTooLarge(ApiError):
    status, code, message = 413, "payload_too_large", "The request body is too large."


class UnsupportedMediaType(ApiError):
    status, code, message = 415, "unsupported_media_type", "Send the body as 'Content-Type: application/json'."


class ValidationFailed(ApiError):
    status, code, message = 422, "validation_failed", "The request body has invalid fields."


class RateLimited(ApiError):
    status, code, message = 429, "rate_limited", "Too many requests."


class ServiceUnavailable(ApiError):
    status, code = 503, "service_unavailable"
    message = "The service is temporarily unavailable; try again shortly."


def is_api_request() -> bool:
    return request.path == "/api" or request.path.startswith("/api/")


def error_response(status: int, code: str, message: str, details: dict[str, Any] | None = None,
                   headers: dict[str, str] | None = None) -> Response:
    """The one error envelope of the API."""
    body = {"error": {"code": code, "message": message, "request_id": g.get("request_id"),
                      "details": details or {}}}
    response = jsonify(body)
    response.status_code = status
    response.headers.update(headers or {})
    return response


def _html_error(status: int, title: str, detail: str = "") -> tuple[str, int]:
    return render_template("error.html", status=status, title=title, detail=detail), status


def handle_api_error(error: ApiError):
    if is_api_request():
        return error_response(error.status, error.code, error.message, error.details, error.headers)
    return _html_error(error.status, error.message)


def handle_http_exception(error: HTTPException):
    status = error.code or 500
    if not is_api_request():
        return _html_error(status, error.name, error.description or "")
    headers = {}
    if status == 405 and error.valid_methods:
        headers["Allow"] = ", ".join(error.valid_methods)
    message = error.description or error.name
    if status == 413:
        message = PayloadTooLarge.message
    return error_response(status, _HTTP_CODES.get(status, "http_error"), message, headers=headers)


def handle_rate_limit_exceeded(error: RateLimitExceeded):
    current = limiter.current_limit
    retry_after = max(1, math.ceil(current.reset_at - time.time())) if current else 1
    headers = {"Retry-After": str(retry_after)}
    if not is_api_request():
        return _html_error(429, "Too many requests")
    return error_response(429, "rate_limited", f"Too many requests: limit {error.description}.",
                          headers=headers)


def _discard_transaction() -> None:
    """Whatever the failed request wrote is rolled back before anything else reads the session."""
    try:
        db.session.rollback()
    except Exception:  # the database itself may be what failed
        log.warning("rollback after a failed request failed too", exc_info=True)


def handle_backend_down(error: Exception):
    log.error("backend unavailable: %s: %s", type(error).__name__, str(error).splitlines()[0][:200])
    _discard_transaction()
    if not is_api_request():
        return _html_error(503, "Service unavailable")
    return error_response(503, ServiceUnavailable.code, ServiceUnavailable.message, headers={"Retry-After": "5"})


def handle_unexpected(error: Exception):
    log.exception("unhandled error in %s %s (request %s)", request.method, request.path, g.get("request_id"))
    _discard_transaction()
    if not is_api_request():
        return _html_error(500, "Something went wrong")
    return error_response(500, "internal_error", "An internal error occurred; quote the request id when reporting it.")


def assign_request_id() -> None:
    """Keep a caller's well-formed X-Request-Id so logs on both sides line up; else make one."""
    incoming = request.headers.get("X-Request-Id", "")
    g.request_id = incoming if _REQUEST_ID.match(incoming) else uuid.uuid4().hex


def add_request_id_header(response: Response) -> Response:
    if "request_id" in g:
        response.headers["X-Request-Id"] = g.request_id
    return response


def init_app(app: Flask) -> None:
    app.before_request(assign_request_id)
    app.after_request(add_request_id_header)
    app.register_error_handler(ApiError, handle_api_error)
    app.register_error_handler(RateLimitExceeded, handle_rate_limit_exceeded)
    app.register_error_handler(HTTPException, handle_http_exception)
    app.register_error_handler(redis.exceptions.ConnectionError, handle_backend_down)
    app.register_error_handler(redis.exceptions.TimeoutError, handle_backend_down)
    app.register_error_handler(OperationalError, handle_backend_down)
    app.register_error_handler(Exception, handle_unexpected)
