"""A submission's page, its editor and its earlier versions."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_login import current_user, login_required
from marshmallow import ValidationError

from ..engine.code import CODE_ROLES
from ..engine.parameters import SHAPE_PARAMETERS
from ..models import ACTIVE_STATUSES
from ..schemas import flatten_messages
from ..schemas.edits import SubmissionEditSchema
from ..services.lookups import get_own_submission
from ..services.versions import save_version
from ..strict_json import NotStrictJson
from .forms import EditForm

bp = Blueprint("submissions", __name__, url_prefix="/app/submission")


@bp.get("/<submission_id>/")
@login_required
def show(submission_id: str):
    submission = get_own_submission(current_user, submission_id)
    return render_template("submission.html", submission=submission)


def _report(form: EditForm, details: dict[str, list[str]]) -> None:
    """Put each error beside the field it is about; the rest above the form."""
    for path, messages in details.items():
        field = form.field_for(path)
        if field is None:
            target, label = form.form_errors, f"{path}: "
        elif field is form.other_parameters:
            target, label = field.errors, f"{path.partition('.')[2]}: "
        else:
            target, label = field.errors, ""
        target.extend(f"{label}{message}" for message in messages)


@bp.route("/<submission_id>/edit", methods=["GET", "POST"])
@login_required
def edit(submission_id: str):
    submission = get_own_submission(current_user, submission_id)
    form = EditForm()
    if form.is_submitted() and submission.status in ACTIVE_STATUSES:
        flash("A run of this submission is queued or running: cancel it or wait for it before editing.", "error")
        return render_template("edit.html", submission=submission, form=form, roles=CODE_ROLES,
                               shape_parameters=SHAPE_PARAMETERS), 409
    if not form.is_submitted():
        form.load(submission.ga_parameters, submission.code)
    elif form.validate():
        try:
            parameters = form.ga_parameters()
        except NotStrictJson as error:
            form.other_parameters.errors.append(f"Not valid JSON: {error}.")
        except ValueError as error:
            form.other_parameters.errors.append(f"The other parameters {error}.")
        else:
            try:
                data = SubmissionEditSchema().load({"ga_parameters": parameters, "code": form.code()})
            except ValidationError as error:
                _report(form, flatten_messages(error.messages))
            else:
                version = save_version(submission, data["ga_parameters"], data["code"])
                flash(f"Saved as version {version.number}.", "success")
                return redirect(url_for("web.submissions.show", submission_id=submission.public_id))
    status = 422 if form.is_submitted() else 200
    return render_template("edit.html", submission=submission, form=form, roles=CODE_ROLES,
                           shape_parameters=SHAPE_PARAMETERS), status


@bp.get("/<submission_id>/versions/<int:number>")
@login_required
def version(submission_id: str, number: int):
    submission = get_own_submission(current_user, submission_id)
    found = next((item for item in submission.versions if item.number == number), None)
    if found is None:
        abort(404)
    return render_template("version.html", submission=submission, version=found)
