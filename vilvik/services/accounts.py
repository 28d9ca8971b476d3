"""Users and their API keys."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from werkzeug.security import check_password_hash, generate_password_hash

from ..errors import NotFound
from ..extensions import db
from ..ids import API_KEY_DISPLAY_LENGTH, hash_secret, new_api_key_secret
from ..models import SCOPES, TIERS, ApiKey, AuditEvent, User, utcnow


_DUMMY_HASH = generate_password_hash("timing equaliser")


class AccountError(ValueError):
    """A request about accounts that cannot be carried out, in words for the operator."""


@dataclass(frozen=True)
class NewKey:
    key: ApiKey
    secret: str  # shown once, never stored


def normalise_email(email: str) -> str:
    return email.strip().lower()


def find_user(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == normalise_email(email)))


def create_user(email: str, password: str, tier: str = "free") -> User:
    """A new account; the password is kept only as a salted hash."""
    email = normalise_email(email)
    if "@" not in email:
        raise AccountError(f"{email!r} is not an email address")
    if len(password) < 8:
        raise AccountError("the password must have at least 8 characters")
    if tier not in TIERS:
        raise AccountError(f"unknown tier {tier!r}; expected one of {', '.join(TIERS)}")
    if find_user(email) is not None:
        raise AccountError(f"a user {email} already exists")
    user = User(email=email, password_hash=generate_password_hash(password), tier=tier)
    db.session.add(user)
    db.session.commit()
    return user


def set_tier(email: str, tier: str) -> User:
    if tier not in TIERS:
        raise AccountError(f"unknown tier {tier!r}; expected one of {', '.join(TIERS)}")
    user = find_user(email)
    if user is None:
        raise AccountError(f"no user {email}")
    user.tier = tier
    db.session.commit()
    return user


def create_api_key(user: User, scopes: list[str], name: str = "", expires_at: datetime | None = None) -> NewKey:
    """A new key; its secret is returned once and only its SHA-256 is stored."""
    unknown = sorted(set(scopes) - set(SCOPES))
    if unknown:
        raise AccountError(f"unknown scope(s) {', '.join(unknown)}; expected some of {', '.join(SCOPES)}")
    if not scopes:
        raise AccountError("a key needs at least one scope")
    secret = new_api_key_secret()
    key = ApiKey(
        user=user,
        name=name,
        prefix=secret[:API_KEY_DISPLAY_LENGTH],
        secret_hash=hash_secret(secret),
        scopes=sorted(set(scopes)),
        expires_at=expires_at,
    )
    db.session.add(key)
    record(user, "key.created", key, detail=f"{name} [{' '.join(key.scopes)}]"[:200])
    db.session.commit()
    return NewKey(key=key, secret=secret)


def any_user_exists() -> bool:
    return db.session.scalar(select(User.id).limit(1)) is not None


def random_password() -> str:
    return secrets.token_urlsafe(12)


def revoke_api_key(prefix: str, email: str | None = None) -> int:
    """Revoke the live key with this display prefix (of this account, when given).

    Display prefixes are short, so two keys can share one: then nothing is revoked and the
    caller must narrow the choice.
    """
    query = select(ApiKey).where(ApiKey.prefix == prefix, ApiKey.revoked_at.is_(None))
    if email is not None:
        query = query.join(ApiKey.user).where(User.email == normalise_email(email))
    keys = db.session.scalars(query).all()
    if not keys:
        raise AccountError(f"no live key with prefix {prefix}")
    if len(keys) > 1:
        raise AccountError(f"{len(keys)} live keys share the prefix {prefix}; name the account with --email")
    for key in keys:
        key.revoked_at = utcnow()
        record(key.user, "key.revoked", key, detail="from the command line")
    db.session.commit()
    return len(keys)


def record(user: User, action: str, key: ApiKey | None = None, ip: str | None = None, detail: str = "") -> None:
    """Add an audit event to the caller's transaction (never a secret: keys by prefix only)."""
    db.session.add(AuditEvent(user_id=user.id, action=action, key_prefix=key.prefix if key else None, ip=ip,
                              detail=detail))


def recent_events(user: User, limit: int = 20) -> list[AuditEvent]:
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.user_id == user.id)
                                   .order_by(AuditEvent.created_at.desc(), AuditEvent.id.desc()).limit(limit)))


def authenticate_password(email: str, password: str) -> User | None:
    """The active user with this email and password, else None (same answer for both failures)."""
    user = find_user(email)
    if user is None:
        check_password_hash(_DUMMY_HASH, password)  # spend the same time as a real check
        return None
    if not check_password_hash(user.password_hash, password) or not user.is_active:
        return None
    return user


def change_password(user: User, current: str, new: str) -> None:
    if not check_password_hash(user.password_hash, current):
        raise AccountError("the current password is wrong")
    if len(new) < 8:
        raise AccountError("the password must have at least 8 characters")
    user.password_hash = generate_password_hash(new)
    db.session.commit()


def list_keys(user: User) -> list[ApiKey]:
    return list(db.session.scalars(select(ApiKey).where(ApiKey.user_id == user.id).order_by(ApiKey.id.desc())))


def revoke_own_key(user: User, key_id: int) -> ApiKey:
    """Revoke one of the user's keys; another user's key is as unknown as a missing one."""
    key = db.session.scalar(select(ApiKey).where(ApiKey.id == key_id, ApiKey.user_id == user.id))
    if key is None:
        raise NotFound("No such key.")
    if key.revoked_at is None:
        key.revoked_at = utcnow()
        record(user, "key.revoked", key, detail="from the keys page")
        db.session.commit()
    return key
