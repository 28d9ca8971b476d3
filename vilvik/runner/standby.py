"""The next job's child, kept ready by a long-lived process (the worker).

The worker starts a child ahead of its next job, so that the job does not wait for an
interpreter, its imports and its confinement. Each child still serves exactly one job: it is
handed out once, killed after its answer like any other, and replaced by a new one.
"""

from __future__ import annotations

import threading

from .launch import Child, start_child
from .policy import Policy
from .sandbox import discard


class Standby:
    """At most one waiting child, and the child serving the current job (so it can be stopped)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._waiting: Child | None = None
        self._serving: Child | None = None
        self._serving_job: str | None = None

    def prepare(self, policy: Policy) -> None:
        """Start the next job's child now, unless one confined for ``policy`` already waits.

        Call it from a thread that lives as long as the child may wait: the child's parent-death
        signal follows the thread that started it."""
        with self._lock:
            waiting, self._waiting = self._waiting, None
        if waiting is not None and waiting.fits(policy):
            child = waiting
        else:
            if waiting is not None:
                discard(waiting)
            child = start_child(policy)
        with self._lock:
            self._waiting = child

    def take(self, policy: Policy, job_id: str | None = None) -> Child:
        """The child for one job (``job_id``, which stop_serving names): the waiting one when it
        fits ``policy``, else one started now. It is never handed out again."""
        with self._lock:
            child, self._waiting = self._waiting, None
        if child is not None and not child.fits(policy):
            discard(child)
            child = None
        if child is None:
            child = start_child(policy)
        with self._lock:
            self._serving, self._serving_job = child, job_id
        return child

    def release(self, child: Child) -> None:
        """The job of ``child`` is over (run_job has killed and reaped it)."""
        with self._lock:
            if self._serving is child:
                self._serving = self._serving_job = None

    def stop_serving(self, job_id: str | None = None) -> bool:
        """Kill the child serving the current job, if any, and only if that job is ``job_id``
        when one is named (a stop request may arrive as the next job starts); from any thread.
        The job then ends as a child killed. Returns whether there was one."""
        with self._lock:
            child = self._serving
            if child is None or child.process.returncode is not None:
                return False
            if job_id is not None and job_id != self._serving_job:
                return False
            child.kill()
            return True

    def discard(self) -> None:
        """Stop the waiting child, if any (the process is about to end)."""
        with self._lock:
            waiting, self._waiting = self._waiting, None
        if waiting is not None:
            discard(waiting)
