"""Reading JSON request bodies strictly: standard JSON only, within the size limit."""

from __future__ import annotations

import json
from typing import Any

from flask import current_app, request

from ..errors import InvalidJson, PayloadTooLarge, UnsupportedMediaType


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


def _object_without_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise ValueError(f"duplicate key {key!r}")
        result[key] = value
    return result


def parse_json(raw: bytes) -> Any:
    """Parse standard JSON: no NaN/Infinity, no duplicate keys, UTF-8 (a BOM is tolerated)."""
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise InvalidJson(f"The request body is not UTF-8 (byte {error.start}).") from None
    try:
        return json.loads(text, parse_constant=_reject_constant, object_pairs_hook=_object_without_duplicates)
    except json.JSONDecodeError as error:
        raise InvalidJson(f"The request body is not valid JSON: {error.msg} at line {error.lineno}, "
                          f"column {error.colno}.") from None
    except ValueError as error:
        raise InvalidJson(f"The request body is not valid JSON: {error}.") from None
    except RecursionError:
        raise InvalidJson("The request body is nested too deeply.") from None


def json_body() -> Any:
    """The request's JSON body; the size limit is enforced while reading, chunked or not."""
    if request.mimetype != "application/json":
        raise UnsupportedMediaType()
    limit = current_app.config["MAX_IMPORT_BYTES"]
    # Werkzeug refuses a declared Content-Length over this at once, and stops a chunked body
    # here: reading one byte past the limit is how an over-long chunked body shows itself.
    request.max_content_length = limit + 1
    raw = request.get_data(cache=False)
    if len(raw) > limit:
        raise PayloadTooLarge(f"The request body is larger than the limit of {limit} bytes.",
                              details={"limit_bytes": limit})
    return parse_json(raw)
