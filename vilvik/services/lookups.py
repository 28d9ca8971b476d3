"""Loading an account's own objects; another account's ids are indistinguishable from unknown ones."""

from __future__ import annotations

from sqlalchemy import select

from ..errors import NotFound
from ..extensions import db
from ..models import Result, Submission, User
from .execution import fail_stale_runs


def get_own_result(user: User, public_id: str) -> Result:
    result = db.session.scalar(
        select(Result).join(Result.submission).where(Result.public_id == public_id, Submission.user_id == user.id)
    )
    if result is None:
        raise NotFound(f"No result {public_id!r}.")
    return result


def get_own_submission(user: User, public_id: str) -> Submission:
    """The submission; a run whose worker went silent is failed first, so nobody sees it
    "running" forever even when no worker is left to notice."""
    submission = db.session.scalar(
        select(Submission).where(Submission.public_id == public_id, Submission.user_id == user.id)
    )
    if submission is None:
        raise NotFound(f"No submission {public_id!r}.")
    if submission.status == "running" and fail_stale_runs():
        db.session.refresh(submission)
    return submission
