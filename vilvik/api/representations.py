"""Objects as the API shows them: the schema's fields plus links on this server."""

from __future__ import annotations

from typing import Any

from flask import g

from ..models import Result, Submission
from ..schemas.resources import ResultSchema, SubmissionSchema
from ..services.imports import result_url, submission_url


def submission_body(submission: Submission, base_url: str) -> dict[str, Any]:
    body = SubmissionSchema().dump(submission)
    body["request_id"] = g.get("request_id")
    body["status_url"] = submission_url(base_url, submission.public_id)
    current = submission.current_result
    body["result_url"] = result_url(base_url, current.public_id) if current else None
    return body


def result_body(result: Result, base_url: str) -> dict[str, Any]:
    body = ResultSchema().dump(result)
    body["result_url"] = result_url(base_url, result.public_id)
    return body
