"""The JSON API, mounted at /api/v1."""

from .v1 import RESOURCES, bp

__all__ = ["RESOURCES", "bp"]
