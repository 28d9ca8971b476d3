"""Editing a submission: each save is a new version; earlier versions stay as they were."""

from __future__ import annotations

from typing import Any

from ..extensions import db
from ..models import Submission, SubmissionVersion


def save_version(submission: Submission, ga_parameters: dict[str, Any], code: dict[str, str]) -> SubmissionVersion:
    """Store validated parameters and code as the submission's next version."""
    version = SubmissionVersion(submission=submission, number=submission.version + 1,
                                ga_parameters=ga_parameters, code=code)
    submission.version = version.number
    submission.ga_parameters = ga_parameters
    submission.code = code
    db.session.add(version)
    db.session.commit()
    return version
