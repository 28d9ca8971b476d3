"""Submissions: a run's code and parameters, and where its current result and latest run stand."""

from flask import Blueprint, jsonify

from ..auth import current_account, require_scope
from ..schemas.queries import SubmissionListArgs
from ..services import pages, runs
from ..services.lookups import get_own_submission
from .body import json_body
from .listing import envelope, query_args
from .representations import submission_body
from .routing import public_base_url, route
from .runs import accepted, overrides_body

bp = Blueprint("submissions", __name__)


@route(bp, "/submissions", methods=["GET"])
@require_scope("submissions:read")
def index():
    page = pages.list_submissions(current_account(), query_args(SubmissionListArgs()))
    base = public_base_url()
    return jsonify(envelope(page, [submission_body(row, base) for row in page.rows]))


@route(bp, "/submissions", methods=["POST"])
@require_scope("submissions:write")
def create():
    """A new run from scratch: code (each field with its <role>_entry) and GA parameters."""
    body = json_body()
    if not isinstance(body, dict):
        body = {"$": body}
    base = public_base_url()

    def start():
        return submission_body(runs.start_new(current_account(), body), base)

    return accepted("submissions.create", body, start, lambda created: created["status_url"])


@route(bp, "/submissions/<submission_id>", methods=["GET"])
@require_scope("submissions:read")
def get(submission_id: str):
    return jsonify(submission_body(get_own_submission(current_account(), submission_id), public_base_url()))


@route(bp, "/submissions/<submission_id>", methods=["DELETE"])
@require_scope("submissions:write")
def delete(submission_id: str):
    """Cancel a queued or running submission; delete one that has finished."""
    submission = get_own_submission(current_account(), submission_id)
    if runs.cancel_latest_run(submission) is None:
        runs.delete_submission(submission)
    return "", 204


@route(bp, "/submissions/<submission_id>/reexecute", methods=["POST"])
@require_scope("submissions:write")
def reexecute(submission_id: str):
    """Run the submission again from scratch; on success its result becomes the current one."""
    submission = get_own_submission(current_account(), submission_id)
    body = overrides_body()
    base = public_base_url()

    def start():
        return submission_body(runs.start_rerun(current_account(), submission, body), base)

    return accepted(f"submissions.reexecute:{submission_id}", body, start, lambda created: created["status_url"])
