"""Creating an import: a submission and its imported result, in one transaction."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import redis
from flask import current_app

from ..extensions import db
from ..models import User
from . import idempotency
from .import_rows import insert_import
from .idempotency import StoredResponse
from .quotas import Reservation, account_lock, peek_import_quota, reserve_import


def result_url(base_url: str, result_public_id: str) -> str:
    """The result's page on the dashboard."""
    return f"{base_url}/app/result/{result_public_id}/"


def submission_url(base_url: str, submission_public_id: str) -> str:
    """The submission's API resource."""
    return f"{base_url}/api/v1/submissions/{submission_public_id}"


def create_import(user: User, data: dict[str, Any], *, base_url: str, idempotency_key: str | None = None,
                  request_fingerprint: str = "") -> StoredResponse:
    """Store a validated import, counted against the account's quota, or replay an earlier one.

    The quota takes the import's place atomically, so concurrent imports never exceed it. With
    an Idempotency-Key, a lock on the account and that key makes the replay check and the
    insert one step, so that concurrent retries store the request once; other imports of the
    account do not wait for it.
    """
    if not idempotency_key:
        return _store(user, data, base_url)
    with account_lock(user, scope=f"imports:{idempotency_key}"):
        replay = idempotency.find_replay(user, idempotency_key, request_fingerprint)
        if replay is not None:
            return replace(replay, headers=peek_import_quota(user).headers())
        return _store(user, data, base_url, idempotency_key, request_fingerprint)


def _store(user: User, data: dict[str, Any], base_url: str, idempotency_key: str | None = None,
           request_fingerprint: str = "") -> StoredResponse:
    reservation = reserve_import(user)
    try:
        submission_id, result_id = insert_import(db.session.connection(), user, data)
        response = StoredResponse(
            status=201,
            body={"id": submission_id, "result_id": result_id,
                  "result_url": result_url(base_url, result_id)},
            location=submission_url(base_url, submission_id),
            headers=reservation.state.headers(),
        )
        if idempotency_key:
            idempotency.remember(user, idempotency_key, request_fingerprint, response)
        db.session.commit()
    except BaseException:
        try:
            db.session.rollback()
        finally:
            _give_back(reservation)
        raise
    return response


def _give_back(reservation: Reservation) -> None:
    try:
        reservation.refund()
    except redis.RedisError:  # the place stays taken until its window ends
        current_app.logger.warning("an import that was not stored still counts: Redis failed")
