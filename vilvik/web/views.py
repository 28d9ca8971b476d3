"""Pages for people: the landing page (the dashboard lives under /app/)."""

from flask import Blueprint, render_template

bp = Blueprint("web", __name__)


@bp.get("/")
def index():
    return render_template("index.html")
