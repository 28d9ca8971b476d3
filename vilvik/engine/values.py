"""Type tests for JSON values: in JSON, booleans are not numbers and integers are not floats."""

from __future__ import annotations

import math
from typing import Any


def is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def is_number(value: Any) -> bool:
    """A finite int or float that fits a double; ``1e400`` parses to infinity and is refused here."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return False
    try:
        return math.isfinite(value)
    except OverflowError:  # an int too large for a double
        return False


def describe(value: Any) -> str:
    """The JSON name of a value's type, for messages in the user's terms."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int):
        return "an integer" if is_number(value) else "an integer too large"
    if isinstance(value, float):
        return "a number" if math.isfinite(value) else "a non-finite number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__


def quoted(text: str, limit: int = 40) -> str:
    """User input as a message shows it: quoted, and cut short so that errors stay small."""
    return repr(text if len(text) <= limit else text[:limit] + "...")
