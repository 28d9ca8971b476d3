"""The dashboard's list of submissions: keyset pages, one query a page."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select, tuple_
from sqlalchemy.orm import contains_eager, load_only

from ..extensions import db
from ..models import Result, Submission, User


# What a row of the dashboard shows: code, parameters and solutions stay in the database, so a
# page costs the same whatever the runs it lists hold.
LISTED_SUBMISSION_COLUMNS = (Submission.public_id, Submission.name, Submission.status, Submission.source,
                             Submission.created_at, Submission.current_result_id)
LISTED_RESULT_COLUMNS = (Result.public_id, Result.kind, Result.best_solution_fitness, Result.generations_completed,
                         Result.history_preview)


@dataclass(frozen=True)
class Page:
    submissions: list[Submission]
    next_cursor: str | None  # the public id of the last row shown


def dashboard_page(user: User, after: str | None, size: int) -> Page:
    """The user's submissions, newest first, starting after the submission ``after``.

    The cursor is a row's public id; rows are ordered by (created_at, id), which the
    (user_id, created_at, id) index serves without sorting, however many rows there are. The
    cursor is one row-value comparison so that a deep page starts as an index range: spelled
    as ``created_at < x OR (created_at = x AND id < y)`` the database visits every row after it.
    """
    query = (
        select(Submission)
        .outerjoin(Result, Submission.current_result_id == Result.id)
        .options(
            load_only(*LISTED_SUBMISSION_COLUMNS),
            contains_eager(Submission.current_result).load_only(*LISTED_RESULT_COLUMNS),
        )
        .where(Submission.user_id == user.id)
        .order_by(Submission.created_at.desc(), Submission.id.desc())
        .limit(size + 1)
    )
    if after:
        anchor = db.session.execute(
            select(Submission.created_at, Submission.id).where(Submission.public_id == after,
                                                               Submission.user_id == user.id)
        ).first()
        if anchor is not None:
            query = query.where(tuple_(Submission.created_at, Submission.id) < (anchor.created_at, anchor.id))
    rows = list(db.session.scalars(query).unique())
    has_more = len(rows) > size
    rows = rows[:size]
    return Page(rows, rows[-1].public_id if has_more else None)
