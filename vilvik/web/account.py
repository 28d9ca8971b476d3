"""Signing up, in and out, and the account page."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required, login_user, logout_user

from ..extensions import limiter
from ..services import accounts
from ..services.accounts import AccountError
from .forms import PasswordForm, SignInForm, SignUpForm

bp = Blueprint("account", __name__)


def _login_limit() -> str:
    return current_app.config["LOGIN_LIMIT"]


def _login_email() -> str:
    return "login-email:" + (request.form.get("email") or "").strip().lower()


def _safe_next(target: str | None) -> str:
    """Only same-site paths: never an open redirect to another host."""
    if target and target.startswith("/") and not target.startswith("//") and not urlsplit(target).netloc:
        return target
    return url_for("web.dashboard.index")


@bp.route("/signup", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
def signup():
    if not current_app.config["ALLOW_SIGNUP"]:
        abort(404)
    form = SignUpForm()
    if form.validate_on_submit():
        try:
            user = accounts.create_user(form.email.data, form.password.data)
        except AccountError as error:
            form.email.errors.append(str(error).capitalize() + ".")
        else:
            login_user(user)
            flash("Welcome to Vilvik. Create an API key to push your first run.", "success")
            return redirect(url_for("web.dashboard.index"))
    return render_template("account/signup.html", form=form)


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
@limiter.limit(_login_limit, methods=["POST"], key_func=_login_email)
def login():
    if current_user.is_authenticated:
        return redirect(url_for("web.dashboard.index"))
    form = SignInForm()
    if form.validate_on_submit():
        user = accounts.authenticate_password(form.email.data, form.password.data)
        if user is None:
            form.password.errors.append("Wrong email or password.")
        else:
            login_user(user, remember=form.remember.data)
            return redirect(_safe_next(request.args.get("next")))
    return render_template("account/login.html", form=form, allow_signup=current_app.config["ALLOW_SIGNUP"])


@bp.post("/logout")
@login_required
def logout():
    """A POST with the CSRF token, so no other site can sign a user out."""
    logout_user()
    return redirect(url_for("web.index"))


def _account_key() -> str:
    return f"password-check:{current_user.get_id().split(':')[0] if current_user.is_authenticated else ''}"


@bp.route("/account", methods=["GET", "POST"])
@login_required
@limiter.limit(_login_limit, methods=["POST"], key_func=_account_key)
def settings():
    form = PasswordForm()
    if form.validate_on_submit():
        try:
            accounts.change_password(current_user, form.current.data, form.password.data)
        except AccountError as error:
            form.current.errors.append(str(error).capitalize() + ".")
        else:
            login_user(current_user)  # the session id follows the new password
            flash("Your password was changed. Other sessions are signed out.", "success")
            return redirect(url_for("web.account.settings"))
    return render_template("account/settings.html", form=form)
