"""Per-account import quotas by tier: fixed windows counted in Redis.

An import reserves its place in every window of its tier in one atomic step (a Lua script):
all windows have room and each counts one more, or none counts. The import is then stored,
and a failure to store gives the place back to the windows it was counted in, so only stored
imports count. The `limits` library that Flask-Limiter uses parses the windows; its counters
take a round trip per window and operation and cannot test and count several windows as one
step.
"""

from __future__ import annotations

import hashlib
import math
import secrets
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from flask import current_app
from limits import RateLimitItem, parse_many

from ..errors import RateLimited, ServiceUnavailable
from ..models import User
from ..redis_connection import get_redis

# Each window is a hash: its count, and the id it was started with. A refund names the window
# it was counted in, so that it never takes from the next one.
# KEYS: a window per limit; ARGV: a fresh window id, then each window's limit and length in
# seconds, in turn. Returns 1 if there was room (and every window counted the import), else 0;
# then each window's count, milliseconds to its end (-2: not started) and id.
RESERVE = """
local room = 1
for i, key in ipairs(KEYS) do
  if tonumber(redis.call('HGET', key, 'count') or '0') >= tonumber(ARGV[2 * i]) then room = 0 end
end
local answer = {room}
for i, key in ipairs(KEYS) do
  if room == 1 then
    if redis.call('EXISTS', key) == 0 then
      redis.call('HSET', key, 'id', ARGV[1])
      redis.call('EXPIRE', key, ARGV[2 * i + 1])
    end
    redis.call('HINCRBY', key, 'count', 1)
  end
  table.insert(answer, tonumber(redis.call('HGET', key, 'count') or '0'))
  table.insert(answer, redis.call('PTTL', key))
  table.insert(answer, redis.call('HGET', key, 'id') or '')
end
return answer
"""
# Each window's count and milliseconds to its end, in turn.
PEEK = """
local answer = {}
for _, key in ipairs(KEYS) do
  table.insert(answer, tonumber(redis.call('HGET', key, 'count') or '0'))
  table.insert(answer, redis.call('PTTL', key))
end
return answer
"""
# Give a reserved place back, in the windows it was counted in that still run.
# KEYS: the windows; ARGV: the id of each, in the same order.
REFUND = """
for i, key in ipairs(KEYS) do
  if redis.call('HGET', key, 'id') == ARGV[i] then redis.call('HINCRBY', key, 'count', -1) end
end
return 0
"""


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


def window_key(user_id: int, item: RateLimitItem) -> str:
    # Prefixed like Flask-Limiter's own keys, so deployments sharing a Redis keep apart.
    prefix = current_app.config["RATELIMIT_KEY_PREFIX"]
    return f"{prefix}/imports/account/{user_id}/{item.amount}/{item.get_expiry()}/window"


def _tightest(items: list[RateLimitItem], windows: list[tuple[int, int]]) -> tuple[QuotaState, bool]:
    """The tightest window and whether every window still has room; ``windows`` holds each
    window's count and milliseconds to its end (negative: not started)."""
    now = time.time()
    states = []
    for item, (used, remaining_ms) in zip(items, windows):
        reset_at = now + (remaining_ms / 1000 if remaining_ms >= 0 else item.get_expiry())
        states.append(QuotaState(item.amount, max(0, item.amount - int(used)), reset_at))
    exhausted = [state for state in states if state.remaining == 0]
    if exhausted:
        return max(exhausted, key=lambda state: state.reset_at), False
    return min(states, key=lambda state: (state.remaining, state.reset_at)), True


def peek_import_quota(user: User) -> QuotaState:
    items = import_limits(user.tier)
    answer = get_redis().register_script(PEEK)(keys=[window_key(user.id, item) for item in items])
    return _tightest(items, list(zip(answer[::2], answer[1::2])))[0]


@dataclass(frozen=True)
class Reservation:
    """An import's place in every window of its tier, taken before it is stored."""

    keys: tuple[str, ...]
    window_ids: tuple[str, ...]
    state: QuotaState  # with this import counted

    def refund(self) -> None:
        """The import was not stored: it does not count."""
        get_redis().register_script(REFUND)(keys=list(self.keys), args=list(self.window_ids))


def reserve_import(user: User) -> Reservation:
    """Count one import in every window of the account's tier, or raise 429 if one is full."""
    items = import_limits(user.tier)
    keys = [window_key(user.id, item) for item in items]
    arguments = [secrets.token_hex(8), *(value for item in items for value in (item.amount, item.get_expiry()))]
    room, *answer = get_redis().register_script(RESERVE)(keys=keys, args=arguments)
    state, _ = _tightest(items, list(zip(answer[::3], answer[1::3])))
    window_ids = tuple(value.decode() if isinstance(value, bytes) else str(value) for value in answer[2::3])
    if not room:
        raise RateLimited(
            f"Import limit reached for the {user.tier} tier ({state.limit}); retry in {state.retry_after()} s.",
            details={"limit": state.limit, "tier": user.tier},
            headers={"Retry-After": str(state.retry_after()), **state.headers()},
        )
    return Reservation(tuple(keys), window_ids, state)


LOCK_RETRY_SECONDS = 0.005


@contextmanager
def account_lock(user: User, scope: str = "") -> Iterator[None]:
    """Serialize one account's creates (of one ``scope``, when given) across processes and machines."""
    name = f"vilvik:lock:account:{user.id}" + (f":{hashlib.sha256(scope.encode()).hexdigest()}" if scope else "")
    lock = get_redis().lock(
        name,
        timeout=60,
        blocking_timeout=current_app.config["IMPORT_LOCK_WAIT_SECONDS"],
        # A create holds the lock for milliseconds: retrying every 100 ms (the default) would
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
