"""Cursor pages for the API's lists: keyset on (created_at, id), stable while rows are added."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import Select, select, tuple_
from sqlalchemy.orm import selectinload

from ..errors import ValidationFailed
from ..extensions import db
from ..models import Result, Submission, User, as_utc

DEFAULT_PAGE = 25


@dataclass(frozen=True)
class ApiPage:
    rows: list[Any]
    next_cursor: str | None


def db_moment(moment: datetime) -> datetime:
    """A UTC time as the database compares it: SQLite keeps naive UTC text."""
    moment = moment.astimezone(timezone.utc)
    return moment.replace(tzinfo=None) if db.engine.dialect.name == "sqlite" else moment


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="vilvik.list-cursor")


def _decode(cursor: str, kind: str) -> tuple[datetime, int]:
    """A cursor is the signed position of the last row shown, for one list in one order:
    opaque, not forgeable, and refused by another list or order."""
    try:
        found_kind, moment, row_id = _serializer().loads(cursor)
        assert found_kind == kind
        return datetime.fromisoformat(moment), int(row_id)
    except (BadSignature, ValueError, TypeError, AssertionError):
        raise ValidationFailed("The cursor is not valid; start again from the first page.",
                               details={"cursor": ["Not a cursor this server gave."]}) from None


def _encode(kind: str, row: Any) -> str:
    return _serializer().dumps([kind, as_utc(row.created_at).isoformat(), row.id])


def _keyset(query: Select, model: Any, kind: str, cursor: str | None, size: int, descending: bool) -> ApiPage:
    created, ident = model.created_at, model.id
    if cursor:
        moment, row_id = _decode(cursor, kind)
        moment = db_moment(moment)
        # One row-value comparison: the database walks the (created_at, id) index from the cursor.
        position = tuple_(created, ident)
        query = query.where(position < (moment, row_id) if descending else position > (moment, row_id))
    order = (created.desc(), ident.desc()) if descending else (created.asc(), ident.asc())
    rows = list(db.session.scalars(query.order_by(*order).limit(size + 1)))
    more = len(rows) > size
    rows = rows[:size]
    return ApiPage(rows, _encode(kind, rows[-1]) if more else None)


def page_size(args: dict[str, Any]) -> int:
    return args.get("limit") or args.get("page_size") or DEFAULT_PAGE


def list_submissions(user: User, args: dict[str, Any]) -> ApiPage:
    query = select(Submission).where(Submission.user_id == user.id).options(
        selectinload(Submission.runs), selectinload(Submission.current_result), selectinload(Submission.parent_result))
    if "status" in args:
        query = query.where(Submission.status == args["status"])
    if "source" in args:
        query = query.where(Submission.source == args["source"])
    if "created_after" in args:
        query = query.where(Submission.created_at > db_moment(args["created_after"]))
    if "created_before" in args:
        query = query.where(Submission.created_at < db_moment(args["created_before"]))
    if "name_contains" in args:
        pattern = "%" + args["name_contains"].replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        query = query.where(Submission.name.ilike(pattern, escape="\\"))
    if "parent_submission_id" in args:
        parents = select(Result.id).join(Result.submission).where(
            Submission.public_id == args["parent_submission_id"], Submission.user_id == user.id)
        query = query.where(Submission.parent_result_id.in_(parents))
    descending = args.get("ordering", "-created_at") == "-created_at"
    kind = "submissions" if descending else "submissions-oldest-first"
    return _keyset(query, Submission, kind, args.get("cursor"), page_size(args), descending)


def list_results(user: User, args: dict[str, Any]) -> ApiPage:
    query = select(Result).join(Result.submission).where(Submission.user_id == user.id)
    if "submission_id" in args:
        query = query.where(Submission.public_id == args["submission_id"])
    if "is_shared" in args:
        query = query.where(Result.is_shared == args["is_shared"])
    if "min_fitness" in args:
        query = query.where(Result.fitness_value >= args["min_fitness"])
    if "max_fitness" in args:
        query = query.where(Result.fitness_value <= args["max_fitness"])
    if "created_after" in args:
        query = query.where(Result.created_at > db_moment(args["created_after"]))
    return _keyset(query, Result, "results", args.get("cursor"), page_size(args), True)
