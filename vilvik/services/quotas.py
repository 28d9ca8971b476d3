"""Per-account import quotas by tier, counted in Redis through Flask-Limiter's rate limiter."""

from __future__ import annotations

import math
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from flask import current_app
from limits import RateLimitItem, parse_many

from ..errors import RateLimited, ServiceUnavailable
from ..extensions import limiter
from ..models import User
from ..redis_connection import get_redis


@dataclass(frozen=True)
class QuotaState:
    """The tightest of an account's windows, as the X-RateLimit-* headers report it."""

    limit: int
    remaining: int
    reset_at: float  # epoch seconds

    def headers(self) -> dict[str, str]:
        return {
            "X-RateLimit-Limit": str(self.limit),
            "X-RateLimit-Remaining": str(self.remaining),
            "X-RateLimit-Reset": str(math.ceil(self.reset_at)),
        }

    def retry_after(self) -> int:
        return max(1, math.ceil(self.reset_at - time.time()))


def import_limits(tier: str) -> list[RateLimitItem]:
    """The tier's import windows from configuration (e.g. "10 per hour", "50 per day")."""
    return [item for text in current_app.config["TIERS"][tier]["imports"] for item in parse_many(text)]


def _identity(user: User) -> str:
    # Prefixed like Flask-Limiter's own keys, so deployments sharing a Redis keep apart.
    return f"{current_app.config['RATELIMIT_KEY_PREFIX']}/imports/account/{user.id}"


def _tightest(states: list[QuotaState]) -> tuple[QuotaState, bool]:
    """The tightest window and whether every window still has room."""
    exhausted = [state for state in states if state.remaining == 0]
    if exhausted:
        return max(exhausted, key=lambda state: state.reset_at), False
    return min(states, key=lambda state: (state.remaining, state.reset_at)), True


def _windows(user: User) -> list[tuple[RateLimitItem, QuotaState]]:
    windows = []
    for item in import_limits(user.tier):
        stats = limiter.limiter.get_window_stats(item, _identity(user))
        windows.append((item, QuotaState(item.amount, max(0, stats.remaining), stats.reset_time)))
    return windows


def peek_import_quota(user: User) -> QuotaState:
    return _tightest([state for _, state in _windows(user)])[0]


@dataclass(frozen=True)
class PendingImport:
    """An import the quota has room for, to be counted once it is stored.

    It holds everything counting needs, so counting after the commit reads nothing from the
    database."""

    identity: str
    windows: tuple[tuple[RateLimitItem, QuotaState], ...]

    def count(self) -> QuotaState:
        """Count the stored import against every window.

        Callers hold ``account_lock`` from ``require_import_quota`` to here, so no other import
        of the account runs in between: the check and the count act as one step, only stored
        imports are counted, and each window's state afterwards is its state before, less one.
        """
        now = time.time()
        after = []
        for item, state in self.windows:
            limiter.limiter.hit(item, self.identity)
            reset_at = state.reset_at if state.reset_at > now else now + item.get_expiry()  # a new window
            after.append(QuotaState(state.limit, max(0, state.remaining - 1), reset_at))
        return _tightest(after)[0]


def require_import_quota(user: User) -> PendingImport:
    """Raise 429 unless every window has room for one more import."""
    windows = _windows(user)
    state, has_room = _tightest([state for _, state in windows])
    if not has_room:
        raise RateLimited(
            f"Import limit reached for the {user.tier} tier ({state.limit}); retry in {state.retry_after()} s.",
            details={"limit": state.limit, "tier": user.tier},
            headers={"Retry-After": str(state.retry_after()), **state.headers()},
        )
    return PendingImport(_identity(user), tuple(windows))


LOCK_RETRY_SECONDS = 0.005


@contextmanager
def account_lock(user: User) -> Iterator[None]:
    """Serialize one account's creates across processes and machines."""
    lock = get_redis().lock(
        f"vilvik:lock:account:{user.id}",
        timeout=60,
        blocking_timeout=current_app.config["IMPORT_LOCK_WAIT_SECONDS"],
        # An import holds the lock for milliseconds: retrying every 100 ms (the default) would
        # idle a waiting web worker many times longer than the wait.
        sleep=LOCK_RETRY_SECONDS,
    )
    if not lock.acquire():
        raise ServiceUnavailable("Too many concurrent requests for this account; try again shortly.",
                                 headers={"Retry-After": "2"})
    try:
        yield
    finally:
        lock.release()
