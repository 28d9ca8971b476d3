"""The RQ side: the queue, the job function, and the worker loop."""

from __future__ import annotations

import ctypes
import signal
import time

from flask import Flask, current_app
from rq import Queue, Worker
from rq.command import send_stop_job_command
from rq.exceptions import InvalidJobOperation, NoSuchJobError
from rq.job import Job

from .extensions import db
from .redis_connection import get_redis
from .runner.sandbox import Outcome, clean_stale_scratch, run_job
from .services import execution

QUEUE_NAME = "vilvik-runs"
PR_SET_PDEATHSIG = 1
PROGRESS_SECONDS = 0.5
HEARTBEAT_SECONDS = 5.0
# Time the job process needs besides the sandbox's own deadline (start, storing the result).
JOB_OVERHEAD_SECONDS = 120


def queue() -> Queue:
    return Queue(QUEUE_NAME, connection=get_redis())


def enqueue_run(run) -> str:
    """Queue a committed run by id; the job loads its own state. Returns the RQ job id."""
    limits = current_app.config["TIERS"][run.submission.user.tier]["runs"]
    job = queue().enqueue(
        execute_run, run.id,
        job_id=f"vilvik-run-{run.public_id}",
        job_timeout=int(limits["wall_seconds"]) + JOB_OVERHEAD_SECONDS,
        result_ttl=3600,
        failure_ttl=7 * 24 * 3600,
        description=f"run {run.public_id} ({run.mode})",
    )
    return job.id


def stop_run(run, was_running: bool) -> None:
    """Take a cancelled run off the queue, or stop the worker's job process running it."""
    if not run.rq_job_id:
        return
    connection = get_redis()
    try:
        if was_running:
            send_stop_job_command(connection, run.rq_job_id)
        else:
            Job.fetch(run.rq_job_id, connection=connection).cancel()
    except (NoSuchJobError, InvalidJobOperation):
        pass  # already gone; the database says cancelled, and the job checks it


def _die_with_worker() -> None:
    """RQ runs a job in its own session: tie it to the worker, so that a killed worker takes its
    job (and, by the sandbox's own death signal, the user's code) with it, and the run is then
    found silent and failed instead of finishing unseen."""
    try:
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError):
        pass


def execute_run(run_id: int) -> str:
    """The job: run the submission in the sandbox and store the outcome (all state by id)."""
    _die_with_worker()
    db.engine.dispose(close=False)  # connections inherited from the worker are not ours to use
    run = execution.begin_run(run_id)
    if run is None:
        return "not queued (cancelled or taken)"
    try:
        job = execution.build_job(run)
    except execution.RunCannotStart as error:
        return execution.complete_run(run_id, Outcome(status="failed", error=str(error))).status
    policy = execution.policy_for(run)
    history: list = []
    last = {"progress": 0.0, "heartbeat": time.monotonic()}

    def on_progress(message: dict) -> None:
        tail = message.get("history_tail")
        history.extend(tail if isinstance(tail, list) else [])
        now = time.monotonic()
        if now - last["progress"] >= PROGRESS_SECONDS:
            last["progress"] = last["heartbeat"] = now
            generation = message.get("generation")
            execution.record_progress(run_id, generation if isinstance(generation, int) else 0, history)

    def should_cancel() -> bool:
        now = time.monotonic()
        if now - last["heartbeat"] < HEARTBEAT_SECONDS:
            return False
        last["heartbeat"] = now
        return execution.heartbeat(run_id)

    try:
        outcome = run_job(job, policy, on_progress=on_progress, should_cancel=should_cancel)
    except Exception:
        current_app.logger.exception("run %s could not be completed", run_id)
        outcome = Outcome(status="failed", error="The run could not be completed because of an error on the "
                                                  "server; it has been logged.")
    return execution.complete_run(run_id, outcome).status


def recover_runs() -> None:
    """Fail runs whose worker died; queue again runs the database has queued but Redis lost."""
    execution.fail_stale_runs()
    connection = get_redis()
    for run in execution.queued_runs():
        if run.rq_job_id and Job.exists(run.rq_job_id, connection=connection):
            continue
        run.rq_job_id = enqueue_run(run)
        db.session.commit()
    clean_stale_scratch()


class RunWorker(Worker):
    """An RQ worker that also recovers runs between jobs."""

    def run_maintenance_tasks(self) -> None:
        super().run_maintenance_tasks()
        recover_runs()


def run_worker(app: Flask, burst: bool = False) -> bool:
    """Work the run queue inside an app context, so jobs see the same settings as the web."""
    with app.app_context():
        recover_runs()
        connection = get_redis()
        # A short TTL makes the idle loop wake (and recover runs) every minute or so.
        worker = RunWorker([Queue(QUEUE_NAME, connection=connection)], connection=connection,
                           maintenance_interval=30, worker_ttl=60)
        return worker.work(burst=burst, with_scheduler=False)
