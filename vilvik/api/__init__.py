"""The JSON API, mounted at /api/v1."""

from .v1 import bp

__all__ = ["bp"]
