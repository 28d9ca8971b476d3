"""Standard JSON only: no NaN or Infinity, no duplicate keys, UTF-8 (a BOM is tolerated), text
that databases can store, bounded nesting."""

from __future__ import annotations

import json
from typing import Any

from .engine.values import quoted


MAX_DEPTH = 32


class NotStrictJson(ValueError):
    """The text is not standard JSON; the message says where and why."""


def _reject_constant(name: str) -> Any:
    raise NotStrictJson(f"{name} is not valid JSON")


def _object_without_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise NotStrictJson(f"duplicate key {quoted(key)}")
        result[key] = value
    return result


def decode_utf8(raw: bytes) -> str:
    """UTF-8 text (a BOM is tolerated)."""
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise NotStrictJson(f"not UTF-8 (byte {error.start})") from None


def parse_strict_json(raw: bytes, max_depth: int = MAX_DEPTH) -> Any:
    return parse_strict_text(decode_utf8(raw), max_depth)


def parse_strict_text(text: str, max_depth: int = MAX_DEPTH) -> Any:
    try:
        value = json.loads(text, parse_constant=_reject_constant, object_pairs_hook=_object_without_duplicates)
    except json.JSONDecodeError as error:
        raise NotStrictJson(f"{error.msg} at line {error.lineno}, column {error.colno}") from None
    except RecursionError:
        raise NotStrictJson("nested too deeply") from None
    except ValueError as error:  # e.g. an integer of more digits than Python converts
        raise NotStrictJson(str(error).split(";")[0]) from None
    _check_storable(value, max_depth)
    return value


def _check_storable(value: Any, max_depth: int) -> None:
    """Every string must be storable text (no NUL, no unpaired surrogate) and nesting bounded.

    Iterative, and quick over the long lists of numbers that populations are.
    """
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, str):
            _check_text(item)
        elif isinstance(item, (dict, list)):
            if depth > max_depth:
                raise NotStrictJson(f"nested deeper than {max_depth} levels")
            if isinstance(item, dict):
                for key, child in item.items():
                    _check_text(key)
                    if isinstance(child, (str, dict, list)):
                        stack.append((child, depth + 1))
            else:
                stack.extend((child, depth + 1) for child in item if isinstance(child, (str, dict, list)))


def _check_text(text: str) -> None:
    if "\x00" in text:
        raise NotStrictJson("a string contains a NUL character")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise NotStrictJson("a string contains an unpaired surrogate") from None
