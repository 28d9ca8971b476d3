"""The site's blueprint: the landing page, with the page groups as child blueprints."""

from flask import Blueprint, redirect, render_template, url_for
from flask_login import current_user

from . import account, dashboard, device, docs, keys, results, runs, submissions
from .filters import FILTERS

bp = Blueprint("web", __name__)

for child in (account.bp, dashboard.bp, results.bp, submissions.bp, runs.bp, keys.bp, device.bp, docs.bp):
    bp.register_blueprint(child)

for name, function in FILTERS.items():
    bp.add_app_template_filter(function, name)


@bp.get("/")
def index():
    if current_user.is_authenticated:
        return redirect(url_for("web.dashboard.index"))
    return render_template("index.html")
