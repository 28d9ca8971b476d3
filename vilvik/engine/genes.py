"""Gene types and gene spaces as JSON: parsed and checked without evaluating anything."""

from __future__ import annotations

import ast
from typing import Any

from .values import describe, is_int, is_number, quoted

INT_TYPE_NAMES = ("int", "numpy.int8", "numpy.int16", "numpy.int32", "numpy.int64", "numpy.uint",
                  "numpy.uint8", "numpy.uint16", "numpy.uint32", "numpy.uint64")
FLOAT_TYPE_NAMES = ("float", "numpy.float16", "numpy.float32", "numpy.float64")
GENE_TYPE_NAMES = INT_TYPE_NAMES + FLOAT_TYPE_NAMES + ("object",)


def normalise_type_name(value: Any) -> Any:
    if isinstance(value, str) and value.startswith("np."):
        return "numpy." + value[3:]
    return value


def parse_custom_gene_type(text: str) -> Any:
    """Parse an expression such as ``[float, 3]`` or ``[int, [float, 2]]`` without evaluating it.

    Returns type names (str), precisions (int) and lists; raises ValueError on anything else.
    """
    def convert(node: ast.AST) -> Any:
        if isinstance(node, (ast.List, ast.Tuple)):
            return [convert(item) for item in node.elts]
        if isinstance(node, ast.Name):
            name = node.id
        elif isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
            name = f"{node.value.id}.{node.attr}"
        elif isinstance(node, ast.Constant) and is_int(node.value):
            return node.value
        else:
            raise ValueError("only type names, precisions and lists are allowed")
        name = normalise_type_name(name)
        if name not in GENE_TYPE_NAMES:
            raise ValueError(f"unknown type {quoted(name)}")
        return name

    try:
        return convert(ast.parse(text.strip(), mode="eval").body)
    except (SyntaxError, RecursionError, MemoryError):
        raise ValueError("is not a valid expression of types") from None


def _is_precision_pair(spec: Any) -> bool:
    return (isinstance(spec, list) and len(spec) == 2 and spec[0] in FLOAT_TYPE_NAMES
            and is_int(spec[1]) and spec[1] >= 0)


def custom_gene_type_problem(text: Any, num_genes: int | None) -> str | None:
    """Why a custom_gene_type cannot be used, or None."""
    if not isinstance(text, str) or len(text) > 10_000:
        return "must be a string such as '[float, 3]' or '[int, float]'"
    try:
        spec = parse_custom_gene_type(text)
    except ValueError as error:
        return str(error)
    if isinstance(spec, str) or _is_precision_pair(spec):
        return None
    if not isinstance(spec, list) or not spec:
        return "must be a type, [float_type, precision], or a list with one of those per gene"
    for item in spec:
        if not (isinstance(item, str) or _is_precision_pair(item)):
            return "each gene's type must be a type name or [float_type, precision]"
    if num_genes is not None and len(spec) != num_genes:
        return f"lists {len(spec)} gene types but num_genes is {num_genes}"
    return None


def _range_dict_problem(value: dict) -> str | None:
    if set(value) - {"low", "high", "step"} or not {"low", "high"} <= set(value):
        return "a range must be an object with 'low', 'high' and optionally 'step'"
    if not is_number(value["low"]) or not is_number(value["high"]):
        return "a range's low and high must be finite numbers"
    step = value.get("step")
    if step is None:
        return None
    if not is_number(step) or step == 0:
        return "a range's step must be a non-zero number"
    if (value["high"] - value["low"]) / step <= 0:
        return "a range with this step holds no value (numpy.arange(low, high, step) is empty)"
    return None


def is_finite_space(value: Any) -> bool:
    """A space a categorical gene can draw from: listed values, or a range with a step."""
    return (isinstance(value, list) and bool(value)) or (isinstance(value, dict) and value.get("step") is not None)


def _gene_values_problem(value: Any) -> str | None:
    """One gene's space: null (free), a number, a list of numbers, or a range object."""
    if value is None or is_number(value):
        return None
    if isinstance(value, dict):
        return _range_dict_problem(value)
    if isinstance(value, list):
        if not value:
            return "a gene's list of values must not be empty"
        if all(item is None or is_number(item) for item in value):
            return None
        return "a gene's list of values must hold only finite numbers (or null for a random value)"
    return f"a gene's space must be null, a number, a list of numbers or a range, not {describe(value)}"


def is_per_gene_space(value: Any) -> bool:
    """A list that is not a plain list of numbers gives one space per gene."""
    return isinstance(value, list) and not all(is_number(item) for item in value)


def gene_space_problem(value: Any, num_genes: int | None) -> str | None:
    if value is None:
        return None
    if isinstance(value, dict):
        return _range_dict_problem(value)
    if not isinstance(value, list) or not value:
        return "must be null, a list of values, a range object, or a list with one space per gene"
    if not is_per_gene_space(value):
        return None
    for index, item in enumerate(value):
        problem = _gene_values_problem(item)
        if problem:
            return f"gene {index}: {problem}"
    if num_genes is not None and len(value) != num_genes:
        return f"gives {len(value)} gene spaces but num_genes is {num_genes}"
    return None
