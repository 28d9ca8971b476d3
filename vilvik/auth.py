"""Who is calling: bearer API keys with scopes for the API, session sign-in for the pages."""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import timedelta
from typing import TypeVar

from flask import g, request
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from .errors import ScopeRequired, Unauthorized
from .extensions import db, login_manager
from .ids import API_KEY_PREFIX, hash_secret
from .models import ApiKey, User, as_utc, utcnow
from .services.accounts import record

# Recording every use would turn each read into a write; a minute's precision is enough.
LAST_USED_PRECISION = timedelta(minutes=1)

F = TypeVar("F", bound=Callable)


def bearer_secret() -> str | None:
    """The key in ``Authorization: Bearer <key>``, if the header has that form."""
    scheme, _, secret = request.headers.get("Authorization", "").partition(" ")
    secret = secret.strip()
    if scheme.lower() != "bearer" or not secret.startswith(API_KEY_PREFIX) or len(secret) > 200:
        return None
    return secret


def presented_key() -> ApiKey | None:
    """The stored key (with its owner) that the request's bearer secret names, usable or not.

    Looked up once per request: the flood guard and the authentication both need it."""
    if "presented_key" not in g:
        secret = bearer_secret()
        g.presented_key = None if secret is None else db.session.scalar(
            select(ApiKey).options(joinedload(ApiKey.user)).where(ApiKey.secret_hash == hash_secret(secret))
        )
    return g.presented_key


def authenticate() -> ApiKey:
    """The request's usable API key; every failure looks the same to the caller."""
    key = presented_key()
    now = utcnow()
    if key is None or not key.is_usable(now):
        raise Unauthorized()
    last_used = as_utc(key.last_used_at)
    if last_used is None or now - last_used > LAST_USED_PRECISION or key.last_used_ip != request.remote_addr:
        key.last_used_at = now
        key.last_used_ip = request.remote_addr
        record(key.user, "key.used", key, ip=request.remote_addr, detail=f"{request.method} {request.path}"[:200])
        db.session.commit()
    return key


def require_scope(scope: str) -> Callable[[F], F]:
    """Authenticate the API key and demand ``scope``; sets ``g.api_key`` and ``g.account``."""

    def decorator(view: F) -> F:
        @functools.wraps(view)
        def wrapper(*args, **kwargs):
            key = authenticate()
            if scope not in key.scopes:
                raise ScopeRequired(scope)
            g.api_key = key
            g.account = key.user
            return view(*args, **kwargs)

        return wrapper  # type: ignore[return-value]

    return decorator


def current_account() -> User:
    return g.account


@login_manager.user_loader
def load_session_user(session_id: str) -> User | None:
    """The signed-in user, unless the password changed since (see ``User.get_id``)."""
    user_id, _, password_tag = session_id.partition(":")
    if not user_id.isdigit():
        return None
    user = db.session.get(User, int(user_id))
    if user is None or not user.is_active or user.get_id() != session_id:
        return None
    return user
