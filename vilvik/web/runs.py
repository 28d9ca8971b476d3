"""Starting, following and cancelling runs from the pages."""

from __future__ import annotations

import re

from flask import Blueprint, flash, jsonify, redirect, request, url_for
from flask_login import current_user, login_required

from .. import charts
from ..errors import ApiError
from ..services import runs
from ..services.lookups import get_own_result, get_own_submission

bp = Blueprint("runs", __name__, url_prefix="/app")


def _to_submission(submission_id: str):
    return redirect(url_for("web.submissions.show", submission_id=submission_id))


def _refusal(error: ApiError) -> None:
    details = "; ".join(f"{path}: {messages[0]}" for path, messages in error.details.items())
    flash(f"{error.message} {details}".strip(), "error")


@bp.post("/result/<result_id>/continue")
@login_required
def continue_run(result_id: str):
    result = get_own_result(current_user, result_id)
    generations = request.form.get("num_generations", "").strip()
    # Only plain ASCII digits are a number here ("²".isdigit() is true, int("²") is not).
    number = int(generations) if re.fullmatch(r"[0-9]{1,9}", generations) else generations
    overrides = {"num_generations": number}
    try:
        submission = runs.start_continue(current_user, result, overrides, source="web")
    except ApiError as error:
        _refusal(error)
        return redirect(url_for("web.results.show", result_id=result_id))
    flash("The continued run is queued.", "success")
    return _to_submission(submission.public_id)


@bp.post("/submission/<submission_id>/rerun")
@login_required
def rerun(submission_id: str):
    submission = get_own_submission(current_user, submission_id)
    try:
        runs.start_rerun(current_user, submission, {})
    except ApiError as error:
        _refusal(error)
    else:
        flash("The re-run is queued.", "success")
    return _to_submission(submission_id)


@bp.post("/submission/<submission_id>/cancel")
@login_required
def cancel(submission_id: str):
    submission = get_own_submission(current_user, submission_id)
    flash("The run was cancelled." if runs.cancel_latest_run(submission) else "No run was in progress.", "success")
    return _to_submission(submission_id)


@bp.get("/submission/<submission_id>/progress.json")
@login_required
def progress(submission_id: str):
    """What the submission page polls while a run is queued or running."""
    submission = get_own_submission(current_user, submission_id)
    run = submission.latest_run
    if run is None:
        return jsonify(status=submission.status, done=True)
    history = run.progress_history or []
    return jsonify(
        status=run.status,
        done=not run.active,
        generation=run.progress_generation,
        total=run.num_generations,
        best=history[-1] if history else None,
        chart=charts.fitness_chart(history, max(1, len(history) - 1)) if len(history) > 1 else None,
    )
