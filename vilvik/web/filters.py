"""Template filters for the pages."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from markupsafe import Markup
from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexers import PythonLexer

from .. import charts
from ..models import as_utc

_FORMATTER = HtmlFormatter(cssclass="highlight", wrapcode=True)


def python_source(source: str) -> Markup:
    """Highlighted, escaped Python (Pygments escapes the text it wraps)."""
    return Markup(highlight(source, PythonLexer(), _FORMATTER))


def number(value: Any) -> str:
    """Fitness values: a number, or a list of them for multi-objective runs."""
    if isinstance(value, list):
        return "(" + ", ".join(number(item) for item in value) + ")"
    if isinstance(value, float):
        return f"{value:.6g}"
    return str(value)


def sparkline(values: list[float]) -> Markup:
    return Markup(charts.sparkline(values))


def moment(value: datetime | None) -> str:
    if value is None:
        return ""
    return as_utc(value).strftime("%Y-%m-%d %H:%M UTC")


def pretty_json(value: Any) -> str:
    return json.dumps(value, indent=2, sort_keys=True)


FILTERS = {"python_source": python_source, "number": number, "sparkline": sparkline, "moment": moment,
           "pretty_json": pretty_json}
