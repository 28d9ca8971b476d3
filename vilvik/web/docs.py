"""The API reference page, rendered from the same OpenAPI document the API serves."""

from flask import Blueprint, render_template, request

from ..api.openapi import build_spec

bp = Blueprint("docs", __name__)


@bp.get("/docs/api")
def api_reference():
    spec = build_spec(request.host_url.rstrip("/") + "/api/v1")
    return render_template("api_reference.html", spec=spec)
