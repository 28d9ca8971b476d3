"""RFC 8628 device authorization: ``vilvik login`` on a machine, approval in a signed-in browser."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select

from ..extensions import db
from ..ids import hash_secret
from ..models import DeviceAuthorization, User, as_utc, utcnow
from .accounts import create_api_key

EXPIRES_SECONDS = 1800
INTERVAL_SECONDS = 5
# What a key made by device login may do: everything the SDK does, nothing about keys or webhooks.
DEVICE_SCOPES = ("imports:write", "submissions:read", "submissions:write", "results:read", "results:write")
# Letters a person reads and types without confusing them (RFC 8628 section 6.1).
USER_CODE_ALPHABET = "BCDFGHJKLMNPQRSTVWXZ"


class DeviceError(Exception):
    """An RFC 8628 error code for the polling device."""

    def __init__(self, code: str, description: str) -> None:
        super().__init__(description)
        self.code, self.description = code, description


@dataclass(frozen=True)
class DeviceStart:
    device_code: str
    user_code: str


def normalise_user_code(text: str) -> str:
    letters = "".join(character for character in text.upper() if character.isalpha())
    return f"{letters[:4]}-{letters[4:8]}" if len(letters) == 8 else letters


def start(client_name: str = "") -> DeviceStart:
    device_code = secrets.token_urlsafe(32)
    while True:
        letters = "".join(secrets.choice(USER_CODE_ALPHABET) for _ in range(8))
        user_code = f"{letters[:4]}-{letters[4:]}"
        if db.session.scalar(select(DeviceAuthorization.id).where(DeviceAuthorization.user_code == user_code)) is None:
            break
    db.session.add(DeviceAuthorization(device_code_hash=hash_secret(device_code), user_code=user_code,
                                       client_name=client_name[:200],
                                       expires_at=utcnow() + timedelta(seconds=EXPIRES_SECONDS)))
    db.session.commit()
    return DeviceStart(device_code, user_code)


def pending(user_code: str) -> DeviceAuthorization | None:
    """The pending, unexpired request with this user code."""
    found = db.session.scalar(select(DeviceAuthorization).where(
        DeviceAuthorization.user_code == normalise_user_code(user_code)))
    if found is None or found.status != "pending" or as_utc(found.expires_at) <= utcnow():
        return None
    return found


def decide(authorization: DeviceAuthorization, user: User, approve: bool) -> None:
    authorization.status = "approved" if approve else "denied"
    authorization.user = user
    db.session.commit()


def exchange(device_code: str) -> str:
    """The device's poll: a new API key once approved (made now, so no secret is ever stored)."""
    found = db.session.scalar(select(DeviceAuthorization).where(
        DeviceAuthorization.device_code_hash == hash_secret(device_code)).with_for_update())
    if found is None:
        raise DeviceError("invalid_grant", "Unknown device code.")
    now = utcnow()
    if as_utc(found.expires_at) <= now:
        raise DeviceError("expired_token", "The device code has expired; run the login again.")
    if found.status == "denied":
        raise DeviceError("access_denied", "The request was denied.")
    if found.status == "used":
        raise DeviceError("invalid_grant", "This device code was already used.")
    if found.status == "pending":
        too_soon = found.last_polled_at is not None and now - as_utc(found.last_polled_at) < timedelta(
            seconds=INTERVAL_SECONDS)
        found.last_polled_at = now
        db.session.commit()
        if too_soon:
            raise DeviceError("slow_down", f"Poll at most every {INTERVAL_SECONDS} seconds.")
        raise DeviceError("authorization_pending", "Waiting for the user to approve the request.")
    name = f"device login {now:%Y-%m-%d}" + (f" ({found.client_name})" if found.client_name else "")
    new = create_api_key(found.user, list(DEVICE_SCOPES), name=name[:100])
    found.status, found.api_key_id = "used", new.key.id
    db.session.commit()
    return new.secret
