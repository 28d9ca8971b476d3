"""Marshmallow schemas: what the API loads and what it dumps."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, ValidationError

from ..errors import ValidationFailed


def flatten_messages(messages: Any, prefix: str = "") -> dict[str, list[str]]:
    """Marshmallow's nested messages keyed by dotted field path ("result.best_solution")."""
    if isinstance(messages, dict):
        flat: dict[str, list[str]] = {}
        for key, value in messages.items():
            path = str(key) if not prefix else f"{prefix}.{key}"
            if key == "_schema":
                path = prefix or "$"
            for sub_path, sub_messages in flatten_messages(value, path).items():
                flat.setdefault(sub_path, []).extend(sub_messages)
        return flat
    if isinstance(messages, list):
        return {prefix or "$": [str(item) for item in messages]}
    return {prefix or "$": [str(messages)]}


def load_or_raise(schema: Schema, data: Any) -> dict[str, Any]:
    """Load ``data``; field errors become one 422 with details keyed by field path."""
    if not isinstance(data, dict):
        raise ValidationFailed("The request body must be a JSON object.", details={"$": ["Must be an object."]})
    try:
        return schema.load(data)
    except ValidationError as error:
        details = flatten_messages(error.messages)
        first = next(iter(details.items()))
        raise ValidationFailed(f"Invalid field {first[0]}: {first[1][0]}", details=details) from None
