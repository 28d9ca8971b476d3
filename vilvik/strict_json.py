"""Standard JSON only: no NaN or Infinity, no duplicate keys, UTF-8 (a BOM is tolerated)."""

from __future__ import annotations

import json
from typing import Any


class NotStrictJson(ValueError):
    """The text is not standard JSON; the message says where and why."""


def _reject_constant(name: str) -> Any:
    raise NotStrictJson(f"{name} is not valid JSON")


def _object_without_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise NotStrictJson(f"duplicate key {key!r}")
        result[key] = value
    return result


def parse_strict_json(raw: bytes) -> Any:
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise NotStrictJson(f"not UTF-8 (byte {error.start})") from None
    try:
        return json.loads(text, parse_constant=_reject_constant, object_pairs_hook=_object_without_duplicates)
    except json.JSONDecodeError as error:
        raise NotStrictJson(f"{error.msg} at line {error.lineno}, column {error.colno}") from None
    except RecursionError:
        raise NotStrictJson("nested too deeply") from None
