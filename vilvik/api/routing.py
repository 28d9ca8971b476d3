"""Route helpers shared by the API's blueprints."""

from __future__ import annotations

from collections.abc import Callable

from flask import Blueprint, current_app, request


def route(bp: Blueprint, rule: str, **options) -> Callable:
    """Serve ``rule`` with and without a trailing slash, neither one redirecting.

    The SDK sends paths without the slash; the documentation shows them with it.
    """
    def decorator(view: Callable) -> Callable:
        bp.add_url_rule(rule.rstrip("/"), view_func=view, **options)
        bp.add_url_rule(rule.rstrip("/") + "/", view_func=view, endpoint=view.__name__ + "_slash", **options)
        return view

    return decorator


def public_base_url() -> str:
    """Where users reach this server: VILVIK_PUBLIC_URL, else the host the request came to."""
    return (current_app.config["PUBLIC_URL"] or request.host_url).rstrip("/")
