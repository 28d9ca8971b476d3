"""Reading JSON request bodies strictly: standard JSON only, within the size limit."""

from __future__ import annotations

from typing import Any

from flask import current_app, request

from ..errors import InvalidJson, PayloadTooLarge, UnsupportedMediaType
from ..strict_json import NotStrictJson, decode_utf8, parse_strict_text


def json_body() -> Any:
    """The request's JSON body; the size limit is enforced while reading, chunked or not."""
    charset = request.mimetype_params.get("charset", "utf-8").lower()
    if request.mimetype != "application/json" or charset not in ("utf-8", "utf8"):
        raise UnsupportedMediaType()
    limit = current_app.config["MAX_IMPORT_BYTES"]
    # Werkzeug refuses a declared Content-Length over this at once, and stops a chunked body
    # here: reading one byte past the limit is how an over-long chunked body shows itself.
    request.max_content_length = limit + 1
    raw = request.get_data(cache=False)
    if len(raw) > limit:
        raise PayloadTooLarge(f"The request body is larger than the limit of {limit} bytes.",
                              details={"limit_bytes": limit})
    try:
        text = decode_utf8(raw)
        del raw  # a large body is held once at a time: as bytes, then as text, then parsed
        return parse_strict_text(text)
    except NotStrictJson as error:
        raise InvalidJson(f"The request body is not valid JSON: {error}.") from None
