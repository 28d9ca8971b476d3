"""The app's Redis connection (job transport, rate-limit counters, locks, live progress)."""

from __future__ import annotations

import redis
from redis.backoff import ExponentialBackoff
from redis.retry import Retry
from flask import Flask, current_app

_EXTENSION = "vilvik.redis"


def init_app(app: Flask) -> None:
    # Two quick retries ride out a blip; a Redis that is down is reported within a second.
    app.extensions[_EXTENSION] = redis.Redis.from_url(
        app.config["REDIS_URL"],
        socket_timeout=10,
        socket_connect_timeout=2,
        retry=Retry(ExponentialBackoff(cap=0.2, base=0.05), 2),
    )


def get_redis() -> redis.Redis:
    return current_app.extensions[_EXTENSION]
