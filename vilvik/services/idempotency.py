"""Idempotency-Key: the first answer to a create is replayed for 24 hours."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from flask import current_app
from sqlalchemy import delete, select

from ..errors import IdempotencyConflict, ValidationFailed
from ..extensions import db
from ..models import IdempotencyRecord, User, as_utc, utcnow

MAX_KEY_LENGTH = 255


@dataclass(frozen=True)
class StoredResponse:
    status: int
    body: dict[str, Any]
    location: str | None = None
    replayed: bool = False
    headers: dict[str, str] = field(default_factory=dict)


def fingerprint(operation: str, body: Any) -> str:
    """Identifies a request: the same key with another body or endpoint is a conflict.

    The body is hashed in canonical form (sorted keys, no spaces), so that key order does not
    matter."""
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":")).encode()
    return hashlib.sha256(operation.encode() + b"\0" + canonical).hexdigest()


def check_key(key: str | None) -> str | None:
    if key is None:
        return None
    if not key or len(key) > MAX_KEY_LENGTH:
        raise ValidationFailed("The Idempotency-Key header must have 1 to 255 characters.",
                               details={"Idempotency-Key": ["Must have 1 to 255 characters."]})
    return key


def _ttl() -> timedelta:
    return timedelta(seconds=current_app.config["IDEMPOTENCY_TTL_SECONDS"])


def find_replay(user: User, key: str, request_fingerprint: str) -> StoredResponse | None:
    """The stored answer for this key, or None; a different request under the key is a 409."""
    record = db.session.scalar(
        select(IdempotencyRecord).where(IdempotencyRecord.user_id == user.id, IdempotencyRecord.key == key)
    )
    if record is None or as_utc(record.created_at) < utcnow() - _ttl():
        return None
    if record.fingerprint != request_fingerprint:
        raise IdempotencyConflict()
    return StoredResponse(record.status_code, record.response_body, record.response_location, replayed=True)


def remember(user: User, key: str, request_fingerprint: str, response: StoredResponse) -> None:
    """Store the answer in the caller's transaction; the account's expired records go."""
    db.session.execute(
        delete(IdempotencyRecord).where(
            IdempotencyRecord.user_id == user.id,
            (IdempotencyRecord.key == key) | (IdempotencyRecord.created_at < utcnow() - _ttl()),
        )
    )
    db.session.add(IdempotencyRecord(
        user_id=user.id,
        key=key,
        fingerprint=request_fingerprint,
        status_code=response.status,
        response_body=response.body,
        response_location=response.location,
    ))


def idempotent(user: User, key: str | None, request_fingerprint: str,
               produce: Callable[[], StoredResponse]) -> StoredResponse:
    """Answer a create once per Idempotency-Key: replay the stored answer, or produce and store it.

    Runs under the account's lock, so that concurrent retries wait for the first one.
    """
    from .quotas import account_lock

    with account_lock(user):
        if key:
            replay = find_replay(user, key, request_fingerprint)
            if replay is not None:
                return replay
        response = produce()
        if key:
            remember(user, key, request_fingerprint, response)
            db.session.commit()
        return response
