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


def validation_failed(error: ValidationError, what: str = "field") -> ValidationFailed:
    """Marshmallow's errors as one 422: details keyed by path, the first one in the message."""
    details = flatten_messages(error.messages)
    path, messages = next(iter(details.items()))
    return ValidationFailed(f"Invalid {what} {path}: {messages[0]}", details=details)


def load_or_raise(schema: Schema, data: Any, what: str = "field") -> dict[str, Any]:
    """Load ``data``; field errors become one 422 with details keyed by field path."""
    if not isinstance(data, dict):
        raise ValidationFailed("The request body must be a JSON object.", details={"$": ["Must be an object."]})
    try:
        return schema.load(data)
    except ValidationError as error:
        raise validation_failed(error, what) from None
