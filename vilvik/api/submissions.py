"""Submissions: a run's code and parameters, and where its current result stands."""

from flask import Blueprint, jsonify

from ..auth import current_account, require_scope
from ..schemas.resources import SubmissionSchema
from ..services.imports import result_url, submission_api_url
from ..services.lookups import get_own_submission
from .routing import public_base_url, route

bp = Blueprint("submissions", __name__)


@route(bp, "/submissions/<submission_id>", methods=["GET"])
@require_scope("submissions:read")
def get(submission_id: str):
    submission = get_own_submission(current_account(), submission_id)
    base = public_base_url()
    body = SubmissionSchema().dump(submission)
    body["status_url"] = submission_api_url(base, submission)
    body["result_url"] = result_url(base, submission.current_result) if submission.current_result else None
    return jsonify(body)
