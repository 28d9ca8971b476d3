"""A column type for the large numeric arrays of a result (populations, fitness histories).

A rectangular array of only floats or only integers is stored in NumPy's ``.npy`` format:
8 bytes a number instead of about 20 as JSON text, written and read by NumPy in C, and read
back as exactly the same Python values. Anything else (mixed integers and floats, integers
beyond 64 bits, ragged rows) is stored as JSON text, which is also the form older rows have.
"""

from __future__ import annotations

import io
import json
from typing import Any

import numpy
from sqlalchemy import LargeBinary
from sqlalchemy.types import TypeDecorator

NPY_MAGIC = b"\x93NUMPY"
PACKABLE_KINDS = {"f": float, "i": int}  # dtype kind -> the one Python type it must hold


def _leaves(value: list, depth: int):
    """Every number of a nested list ``depth`` levels deep (a rectangular one, as numpy found)."""
    if depth == 1:
        return value
    if depth == 2:
        return (item for row in value for item in row)
    return (item for part in value for item in _leaves(part, depth - 1))


def pack(value: Any) -> bytes:
    """The stored form of a JSON value: .npy when it is a plain numeric array, else JSON."""
    if isinstance(value, list) and value:
        try:
            array = numpy.array(value)
        except (ValueError, OverflowError):  # ragged rows, integers numpy cannot hold
            array = None
        python_type = PACKABLE_KINDS.get(array.dtype.kind) if array is not None else None
        # numpy turns 1 into 1.0 beside a float: such an array would not read back the same.
        if python_type is not None and all(type(item) is python_type for item in _leaves(value, array.ndim)):
            buffer = io.BytesIO()
            numpy.save(buffer, array, allow_pickle=False)
            return buffer.getvalue()
    return json.dumps(value, separators=(",", ":"), allow_nan=False).encode()


def unpack(stored: bytes | str) -> Any:
    if isinstance(stored, str):  # JSON text kept by SQLite as it was before this type
        return json.loads(stored)
    stored = bytes(stored)
    if stored.startswith(NPY_MAGIC):
        return numpy.load(io.BytesIO(stored), allow_pickle=False).tolist()
    return json.loads(stored)


class NumericArray(TypeDecorator):
    """A JSON value, stored compactly when it is a numeric array (see the module's docstring).

    Python None is SQL NULL."""

    impl = LargeBinary
    cache_ok = True

    def process_bind_param(self, value: Any, dialect) -> bytes | None:
        return None if value is None else pack(value)

    def process_result_value(self, value: bytes | str | None, dialect) -> Any:
        return None if value is None else unpack(value)
