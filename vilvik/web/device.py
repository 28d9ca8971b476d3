"""The page where a signed-in user approves or denies a ``vilvik login``."""

from flask import Blueprint, flash, render_template, request
from flask_login import current_user, login_required

from ..services import devices

bp = Blueprint("device", __name__)


@bp.route("/device/approve", methods=["GET", "POST"])
@login_required
def approve():
    user_code = request.values.get("user_code", "")
    authorization = devices.pending(user_code) if user_code else None
    if request.method == "POST" and authorization is not None:
        approved = request.form.get("decision") == "approve"
        devices.decide(authorization, current_user, approved)
        return render_template("device.html", decided="approved" if approved else "denied", user_code=user_code,
                               scopes=devices.DEVICE_SCOPES)
    if user_code and authorization is None:
        flash("That code is unknown, expired or already used. Start the login again.", "error")
    return render_template("device.html", authorization=authorization, user_code=user_code,
                           scopes=devices.DEVICE_SCOPES), (404 if user_code and authorization is None else 200)
