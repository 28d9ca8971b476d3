"""API keys: create (the secret shown once), list, revoke."""

from datetime import timedelta

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_login import current_user, login_required

from ..models import SCOPES, utcnow
from ..services import accounts
from .forms import KeyForm

bp = Blueprint("keys", __name__, url_prefix="/app/keys")


@bp.route("/", methods=["GET", "POST"])
@login_required
def index():
    form = KeyForm()
    new_secret = None
    if form.validate_on_submit():
        expires_at = utcnow() + timedelta(days=form.expires_in_days.data) if form.expires_in_days.data else None
        new = accounts.create_api_key(current_user, form.scopes.data, name=form.name.data or "", expires_at=expires_at)
        new_secret = new.secret
        form = KeyForm(formdata=None)
    return render_template("keys.html", form=form, keys=accounts.list_keys(current_user), new_secret=new_secret,
                           scopes=SCOPES, events=accounts.recent_events(current_user)), (422 if form.errors else 200)


@bp.post("/<int:key_id>/revoke")
@login_required
def revoke(key_id: int):
    """CSRFProtect has checked the form's token before this runs."""
    key = accounts.revoke_own_key(current_user, key_id)
    flash(f"Key {key.prefix}… was revoked.", "success")
    return redirect(url_for("web.keys.index"))
