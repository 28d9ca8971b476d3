"""The RQ side: the queue and the worker loop."""

from __future__ import annotations

from flask import Flask
from rq import Queue, Worker

from .redis_connection import get_redis

QUEUE_NAME = "vilvik-runs"


def run_worker(app: Flask, burst: bool = False) -> bool:
    """Work the run queue inside an app context, so jobs see the same settings as the web."""
    with app.app_context():
        connection = get_redis()
        worker = Worker([Queue(QUEUE_NAME, connection=connection)], connection=connection)
        return worker.work(burst=burst, with_scheduler=False)
