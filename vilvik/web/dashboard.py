"""The dashboard: the user's submissions, newest first."""

from flask import Blueprint, current_app, render_template, request
from flask_login import current_user, login_required

from ..services.listing import dashboard_page

bp = Blueprint("dashboard", __name__, url_prefix="/app")


@bp.get("/")
@login_required
def index():
    page = dashboard_page(current_user, request.args.get("after"), current_app.config["DASHBOARD_PAGE_SIZE"])
    return render_template("dashboard.html", page=page, first_page=not request.args.get("after"))
