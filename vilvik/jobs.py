"""The RQ side: the queue, the job function, and the worker loop."""

from __future__ import annotations

import signal
import time

from flask import Flask, current_app
from rq import Queue, SimpleWorker, get_current_job
from rq.command import send_stop_job_command
from rq.exceptions import InvalidJobOperation, NoSuchJobError, StopRequested
from rq.job import Job

from .extensions import db
from .redis_connection import get_redis
from .runner.sandbox import Outcome, clean_stale_scratch, run_job
from .runner.standby import Standby
from .services import execution

QUEUE_NAME = "vilvik-runs"
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


# This process's next sandbox child: RunWorker keeps one ready; elsewhere a job starts its own.
STANDBY = Standby()


def execute_run(run_id: int) -> str:
    """The job: run the submission in the sandbox and store the outcome (all state by id)."""
    try:
        return _execute_run(run_id)
    finally:
        db.session.remove()  # the next job, in the same process, starts from the database


def _execute_run(run_id: int) -> str:
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

    child = None
    try:
        current = get_current_job()
        child = STANDBY.take(policy, job_id=current.id if current is not None else None)
        outcome = run_job(job, policy, on_progress=on_progress, should_cancel=should_cancel, child=child)
    except Exception:
        current_app.logger.exception("run %s could not be completed", run_id)
        outcome = Outcome(status="failed", error="The run could not be completed because of an error on the "
                                                  "server; it has been logged.")
    finally:
        if child is not None:
            STANDBY.release(child)
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


class RunWorker(SimpleWorker):
    """An RQ worker that runs jobs in its own process and keeps the next job's sandbox child ready.

    No work horse is forked: the user's code never runs in this process but in the sandbox's
    fresh interpreter, and a child started ahead (it must be this process's own, to be watched,
    reaped and tied to it by its death signal) takes the interpreter's start off the job's time.
    A killed worker still takes the user's code with it: the child has a parent-death signal.
    """

    def execute_job(self, job, queue) -> None:
        try:
            super().execute_job(job, queue)
        finally:
            self._stopped_job_id = None
            self.prepare_next_child()

    def prepare_next_child(self) -> None:
        """Start the next job's sandbox child; should that fail, the job starts its own."""
        try:
            STANDBY.prepare(execution.standby_policy())
        except StopRequested:  # a warm shutdown while idle
            raise
        except Exception:
            self.log.exception("could not start a sandbox child ahead of the next job")

    def kill_horse(self, sig: signal.Signals = signal.SIGKILL) -> None:
        """RQ's stop-job command: kill the sandbox child running the job (the job then stores
        the run as it stands: cancelled)."""
        STANDBY.stop_serving(self._stopped_job_id)

    def run_maintenance_tasks(self) -> None:
        super().run_maintenance_tasks()
        recover_runs()

    def teardown(self) -> None:
        STANDBY.discard()
        super().teardown()


def run_worker(app: Flask, burst: bool = False) -> bool:
    """Work the run queue inside an app context, so jobs see the same settings as the web."""
    with app.app_context():
        recover_runs()
        connection = get_redis()
        # A short TTL makes the idle loop wake (and recover runs) every minute or so.
        worker = RunWorker([Queue(QUEUE_NAME, connection=connection)], connection=connection,
                           maintenance_interval=30, worker_ttl=60)
        worker.prepare_next_child()
        return worker.work(burst=burst, with_scheduler=False)
