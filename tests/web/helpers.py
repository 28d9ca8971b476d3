"""Signing in through the real forms, CSRF token included."""

from __future__ import annotations

import re

PASSWORD = "password-123"  # what the make_user fixture sets


def csrf_token(client, url: str) -> str:
    page = client.get(url)
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page.get_data(as_text=True))
    assert match, f"no CSRF token on {url}"
    return match.group(1)


def post_form(client, url: str, data: dict, *, token_from: str | None = None, **options):
    """POST a form the way a browser does: with the token of the page that shows it."""
    return client.post(url, data={**data, "csrf_token": csrf_token(client, token_from or url)}, **options)


def sign_in(client, email: str, password: str = PASSWORD):
    response = post_form(client, "/login", {"email": email, "password": password})
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    return response
