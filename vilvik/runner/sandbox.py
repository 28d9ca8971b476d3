"""The parent side of the sandbox: give the child its job, watch it, judge its answer."""

from __future__ import annotations

import json
import os
import select
import shutil
import signal
import subprocess
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from .launch import SCRATCH_ROOT, Child, kill_process_group, start_child
from .policy import Policy

POLL_SECONDS = 0.2
SIGNAL_MEANINGS = {
    signal.SIGXCPU: "exceeded its CPU time limit",
    signal.SIGXFSZ: "wrote a file larger than its file size limit",
    signal.SIGSEGV: "crashed (segmentation fault, often a recursion too deep for the C stack)",
    signal.SIGSYS: "made a forbidden system call",
    signal.SIGABRT: "aborted",
}


@dataclass
class Outcome:
    """What became of a job; ``error`` is written for the user."""

    status: str  # succeeded | failed | cancelled
    result: dict[str, Any] | None = None
    error: str | None = None
    user_traceback: str = ""
    output: str = ""
    layers: list[str] = field(default_factory=list)
    cpu_seconds: float = 0.0
    peak_memory_kb: int = 0
    # When the child was started, when it got its job, each step of its start (its own clock
    # readings, sent before any user code ran) and when it answered: time.monotonic() values.
    timeline: list[tuple[str, float]] = field(default_factory=list)


class _Violation(Exception):
    """The child broke a limit or the protocol; it is killed and the run fails with this message."""


def clean_stale_scratch() -> int:
    """Remove scratch folders whose job process is gone (a crash or a SIGKILL); returns how many."""
    removed = 0
    if not SCRATCH_ROOT.is_dir():
        return 0
    for folder in SCRATCH_ROOT.iterdir():
        owner = folder.name.split("-")[1] if folder.name.count("-") >= 2 else ""
        if owner.isdigit() and not Path(f"/proc/{owner}").exists():
            shutil.rmtree(folder, ignore_errors=True)
            removed += 1
    return removed


def _usage(folder: Path) -> tuple[int, int]:
    """Bytes and entries below ``folder``."""
    size = count = 0
    for root, directories, files in os.walk(folder):
        count += len(directories) + len(files)
        for name in files:
            try:
                size += os.lstat(os.path.join(root, name)).st_size
            except OSError:
                pass
    return size, count


class _Channel:
    """Newline-delimited JSON from the child, every line carrying the job's token."""

    def __init__(self, fd: int, token: str, limit: int) -> None:
        self.fd, self.token, self.limit = fd, token, limit
        self.buffer = b""
        self.received = 0
        self.closed = False

    def read(self) -> list[dict[str, Any]]:
        chunk = os.read(self.fd, 1 << 20)
        if not chunk:
            self.closed = True
            return []
        self.received += len(chunk)
        if self.received > self.limit:
            raise _Violation(f"sent more than {self.limit // (1024 * 1024)} MiB on its result channel")
        self.buffer += chunk
        *lines, self.buffer = self.buffer.split(b"\n")
        messages = []
        for line in lines:
            try:
                message = json.loads(line)
            except (ValueError, RecursionError):
                raise _Violation("wrote something that is not a message on its result channel") from None
            if not isinstance(message, dict) or message.get("token") != self.token:
                raise _Violation("wrote a forged message on its result channel")
            messages.append(message)
        return messages


def run_job(job: dict[str, Any], policy: Policy, *, on_progress: Callable[[dict[str, Any]], None] = lambda m: None,
            should_cancel: Callable[[], bool] = lambda: False, child: Child | None = None) -> Outcome:
    """Run one job in a fresh sandboxed interpreter and return what became of it.

    ``child`` is one started ahead for this job (see launch.py); it serves this job only and
    is killed afterwards like any other. Without one, or when it does not fit ``policy``, the
    child is started now.
    """
    if child is not None and not child.fits(policy):
        discard(child)
        child = None
    if child is None:
        child = start_child(policy)
    limits = policy.limits
    outcome = Outcome(status="failed", timeline=[("started", child.started), ("job sent", time.monotonic())])
    try:
        _feed(child.process, {**job, "limits": asdict(limits), "required_layers": list(policy.required_layers)})
        _watch(child, policy, outcome, on_progress, should_cancel)
    except _Violation as violation:
        kill_process_group(child.process)
        outcome.status, outcome.error = "failed", f"The run {violation}."
    finally:
        outcome.timeline.append(("answered", time.monotonic()))
        outcome.timeline.sort(key=lambda step: step[1])
        # The child has said all it will (or broken the rules): nothing it does now counts,
        # and an atexit hook or a leftover must not keep the job waiting.
        kill_process_group(child.process)
        _reap(child.process, outcome)
        os.close(child.channel_fd)
        child.log.seek(0)
        outcome.output = child.log.read(limits.output_bytes + 1024).decode("utf-8", "replace")
        child.log.close()
        shutil.rmtree(child.scratch, ignore_errors=True)
    return outcome


def discard(child: Child) -> None:
    """Stop a child that will serve no job, and remove what it had."""
    kill_process_group(child.process)
    child.process.wait()
    os.close(child.channel_fd)
    child.log.close()
    shutil.rmtree(child.scratch, ignore_errors=True)


def _feed(process: subprocess.Popen, payload: dict[str, Any]) -> None:
    try:
        process.stdin.write(json.dumps(payload, separators=(",", ":")).encode())
        process.stdin.close()
    except BrokenPipeError:
        pass  # the child died at once; _watch reports it


def _watch(child: Child, policy: Policy, outcome: Outcome, on_progress, should_cancel) -> None:
    limits = policy.limits
    process, scratch = child.process, child.scratch
    channel = _Channel(child.channel_fd, child.token, limits.result_bytes)
    deadline = time.monotonic() + limits.wall_seconds
    protocol = _Protocol(outcome, on_progress)
    next_check = 0.0
    while not channel.closed and not protocol.finished:
        ready, _, _ = select.select([channel.fd], [], [], POLL_SECONDS)
        if ready:
            for message in channel.read():
                protocol.handle(message)
        now = time.monotonic()
        if now > deadline:
            raise _Violation(f"exceeded its {limits.wall_seconds:g} s time limit")
        # A tmpfs quota stops the writes itself; without one, scratch is measured every poll.
        if "scratch-quota" not in outcome.layers or now >= next_check:
            size, count = _usage(scratch)
            if size > limits.scratch_bytes or count > limits.scratch_files:
                raise _Violation(f"used more than its scratch space ({limits.scratch_bytes // (1024 * 1024)} MiB,"
                                 f" {limits.scratch_files} files)")
        if now >= next_check:
            next_check = now + 1.0
            if should_cancel():
                kill_process_group(process)
                outcome.status, outcome.error = "cancelled", "The run was cancelled."
                return


class _Protocol:
    """The order messages must come in: one ``ready`` first (sent by trusted code, before any
    user code is loaded), then progress, then one ``result`` or ``error``, and nothing after.

    User code runs in the same interpreter as the code that writes these messages, so it could
    find the job's token; what it could forge that way is bounded by this order (it cannot
    re-announce the sandbox layers) and by the checks every result passes, and is no more than
    its own fitness function could compute.
    """

    def __init__(self, outcome: Outcome, on_progress) -> None:
        self.outcome, self.on_progress = outcome, on_progress
        self.ready = self.finished = False

    def handle(self, message: dict[str, Any]) -> None:
        kind = message.get("type")
        if self.finished or (kind != "ready") == (not self.ready):
            raise _Violation("sent an unexpected message on its result channel")
        if kind == "ready":
            self.ready = True
            self.outcome.layers = [layer for layer in message.get("layers", []) if isinstance(layer, str)]
            self.outcome.timeline += _steps(message.get("steps"))
        elif kind == "refused":
            raise _Violation(f"was refused: this machine cannot apply the required sandbox layers "
                             f"{', '.join(map(str, message.get('missing', [])))}")
        elif kind == "progress":
            try:
                self.on_progress(message)
            except Exception:
                raise _Violation("sent progress that is not a fitness history") from None
        elif kind == "error":
            self.finished = True
            self.outcome.status = "failed"
            self.outcome.error = str(message.get("message", "The run failed."))[:2000]
            self.outcome.user_traceback = str(message.get("traceback", ""))[:20_000]
        elif kind == "result":
            self.finished = True
            self.outcome.status, self.outcome.result = "succeeded", message.get("result")
        else:
            raise _Violation("sent an unexpected message on its result channel")


def _steps(value: Any) -> list[tuple[str, float]]:
    """The child's account of its start, as (step, time.monotonic()) pairs; anything else is dropped."""
    if not isinstance(value, list):
        return []
    return [(item[0], float(item[1])) for item in value[:32]
            if isinstance(item, list) and len(item) == 2 and isinstance(item[0], str)
            and isinstance(item[1], (int, float)) and not isinstance(item[1], bool)]


def _reap(process: subprocess.Popen, outcome: Outcome) -> None:
    """Wait for the child and read its own resource use (wait4 reports that child alone)."""
    try:
        _, status, usage = os.wait4(process.pid, 0)
    except ChildProcessError:
        return
    process.returncode = os.waitstatus_to_exitcode(status)
    outcome.cpu_seconds = usage.ru_utime + usage.ru_stime
    outcome.peak_memory_kb = usage.ru_maxrss
    if os.WIFSIGNALED(status) and outcome.status == "failed" and outcome.error is None:
        number = os.WTERMSIG(status)
        meaning = SIGNAL_MEANINGS.get(number, f"was killed by signal {signal.Signals(number).name}")
        outcome.error = f"The run {meaning}."
    elif outcome.status == "failed" and outcome.error is None:
        outcome.error = "The run ended without a result (the sandbox could not start it; see its output)."
