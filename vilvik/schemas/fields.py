"""Strict JSON fields: marshmallow's own coerce strings and booleans into numbers."""

from __future__ import annotations

import json
from typing import Any

from marshmallow import ValidationError, fields

from ..engine.values import describe, is_int, is_number


class StrictInteger(fields.Field):
    """An integer, never a float, a boolean or a numeric string."""

    def _deserialize(self, value: Any, attr, data, **kwargs) -> int:
        if not is_int(value):
            raise ValidationError(f"Must be an integer, not {describe(value)}.")
        return value


class StrictBoolean(fields.Field):
    def _deserialize(self, value: Any, attr, data, **kwargs) -> bool:
        if not isinstance(value, bool):
            raise ValidationError(f"Must be true or false, not {describe(value)}.")
        return value


def _number_list_problem(value: Any, what: str = "number") -> str | None:
    if not isinstance(value, list):
        return f"Must be a list of numbers, not {describe(value)}."
    for index, item in enumerate(value):
        if not is_number(item):
            return f"Item {index} must be a finite {what}, not {describe(item)}."
    return None


class NumberList(fields.Field):
    """A vector of finite numbers (a solution, a population row)."""

    def __init__(self, *, min_length: int = 0, **kwargs) -> None:
        super().__init__(**kwargs)
        self.min_length = min_length

    def _deserialize(self, value: Any, attr, data, **kwargs) -> list[float]:
        problem = _number_list_problem(value)
        if problem:
            raise ValidationError(problem)
        if len(value) < self.min_length:
            raise ValidationError(f"Must hold at least {self.min_length} number(s).")
        return value


class Matrix(fields.Field):
    """A list of equally long rows of finite numbers (a population)."""

    def _deserialize(self, value: Any, attr, data, **kwargs) -> list[list[float]]:
        if not isinstance(value, list) or not value:
            raise ValidationError("Must be a non-empty list of rows.")
        width = None
        for index, row in enumerate(value):
            problem = _number_list_problem(row)
            if problem:
                raise ValidationError(f"Row {index}: {problem}")
            if width is None:
                width = len(row)
            elif len(row) != width:
                raise ValidationError(f"Row {index} has {len(row)} genes but row 0 has {width}.")
        if not width:
            raise ValidationError("Rows must not be empty.")
        return value


def fitness_problem(value: Any) -> str | None:
    """A fitness is a finite number, or a non-empty list of them for a multi-objective run."""
    if is_number(value):
        return None
    if isinstance(value, list) and value:
        return _number_list_problem(value, "objective value")
    return f"Must be a finite number, or a list of numbers for a multi-objective run; not {describe(value)}."


def first_objective(value: Any) -> float:
    """The fitness as one number: the first objective of a multi-objective run."""
    return float(value[0] if isinstance(value, list) else value)


def objective_count(value: Any) -> int:
    """1 for a single-objective fitness, else the number of objectives."""
    return len(value) if isinstance(value, list) else 1


class Fitness(fields.Field):
    def _deserialize(self, value: Any, attr, data, **kwargs) -> Any:
        problem = fitness_problem(value)
        if problem:
            raise ValidationError(problem)
        return value


class FitnessList(fields.Field):
    """One fitness per generation or per individual, all with the same number of objectives."""

    def _deserialize(self, value: Any, attr, data, **kwargs) -> list[Any]:
        if not isinstance(value, list) or not value:
            raise ValidationError("Must be a non-empty list of fitness values.")
        objectives = None
        for index, item in enumerate(value):
            problem = fitness_problem(item)
            if problem:
                raise ValidationError(f"Item {index}: {problem}")
            if objectives is None:
                objectives = objective_count(item)
            elif objective_count(item) != objectives:
                raise ValidationError(f"Item {index} has a different number of objectives than item 0.")
        return value


class JsonObject(fields.Field):
    """A free-form JSON object, bounded in size once serialized."""

    def __init__(self, *, max_bytes: int, **kwargs) -> None:
        super().__init__(**kwargs)
        self.max_bytes = max_bytes

    def _deserialize(self, value: Any, attr, data, **kwargs) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise ValidationError(f"Must be an object, not {describe(value)}.")
        try:
            size = len(json.dumps(value, allow_nan=False))
        except ValueError:
            raise ValidationError("Must hold only finite numbers.") from None
        if size > self.max_bytes:
            raise ValidationError(f"Must be at most {self.max_bytes} bytes as JSON.")
        return value
