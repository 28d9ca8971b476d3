"""The server-rendered pages."""

from .views import bp

__all__ = ["bp"]
