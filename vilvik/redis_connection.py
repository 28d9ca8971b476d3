"""The app's Redis connection (job transport, rate-limit counters, locks, live progress)."""

from __future__ import annotations

import redis
from flask import Flask, current_app

_EXTENSION = "vilvik.redis"


def init_app(app: Flask) -> None:
    app.extensions[_EXTENSION] = redis.Redis.from_url(app.config["REDIS_URL"], socket_timeout=10,
                                                      socket_connect_timeout=5)


def get_redis() -> redis.Redis:
    return current_app.extensions[_EXTENSION]
