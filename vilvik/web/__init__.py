"""The server-rendered pages."""

from .site import bp

__all__ = ["bp"]
