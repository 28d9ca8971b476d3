"""Query arguments and list envelopes shared by the list endpoints."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from flask import request
from marshmallow import Schema

from ..errors import ValidationFailed
from ..schemas import load_or_raise
from ..services.pages import ApiPage
from .routing import public_base_url


def query_args(schema: Schema) -> dict[str, Any]:
    """The query string, loaded strictly: a bad or unknown argument is a 422."""
    repeated = sorted(key for key in request.args if len(request.args.getlist(key)) > 1)
    if repeated:
        raise ValidationFailed(f"Give each query argument once: {', '.join(repeated)}.",
                               details={key: ["Given more than once."] for key in repeated})
    return load_or_raise(schema, request.args.to_dict(flat=True), what="query argument")


def envelope(page: ApiPage, rows: list[dict[str, Any]]) -> dict[str, Any]:
    """``{"results": [...], "next": <absolute URL of the next page> | null}``."""
    next_url = None
    if page.next_cursor:
        params = {**request.args.to_dict(flat=True), "cursor": page.next_cursor}
        next_url = f"{public_base_url()}{request.path}?{urlencode(params)}"
    return {"results": rows, "next": next_url}
