"""The parent side of the sandbox: start the child, feed it the job, watch it, judge its answer."""

from __future__ import annotations

import functools
import json
import os
import pwd
import secrets
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .policy import Policy

CHILD_SCRIPT = str(Path(__file__).resolve().parent / "child.py")
SCRATCH_ROOT = Path(tempfile.gettempdir()) / "vilvik-scratch"
CHILD_ENVIRONMENT = {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
                     "LC_ALL": "C.UTF-8"}
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


@functools.cache
def unprivileged_user_can_run(user: str) -> bool:
    """Whether ``user`` can start the interpreter and import numpy and pygad.

    Root drops to ``user`` in the child; where the interpreter lives somewhere that user
    cannot read (a Python under /root, say), the child stays root and the run records that
    the unprivileged-user layer is missing.
    """
    if os.geteuid() != 0:
        return True
    try:
        probe = subprocess.run([sys.executable, "-I", "-c", "import numpy, pygad"], user=user, group=_group_of(user),
                               extra_groups=[], env=CHILD_ENVIRONMENT, cwd="/", capture_output=True, timeout=120)
    except (KeyError, OSError, subprocess.SubprocessError):
        return False
    return probe.returncode == 0


def _group_of(user: str) -> int:
    return pwd.getpwnam(user).pw_gid


def _make_scratch(user: str) -> Path:
    SCRATCH_ROOT.mkdir(mode=0o711, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix=f"job-{os.getpid()}-", dir=SCRATCH_ROOT))
    if os.geteuid() == 0:
        try:
            account = pwd.getpwnam(user)
            os.chown(scratch, account.pw_uid, account.pw_gid)
        except KeyError:
            pass
    return scratch


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


def _kill(process: subprocess.Popen) -> None:
    """Kill the child's whole process group, and the child should it have left it.

    os.kill, not Popen.kill: that would reap the child, and _reap reads its resource use."""
    for action in (lambda: os.killpg(process.pid, signal.SIGKILL), lambda: os.kill(process.pid, signal.SIGKILL)):
        try:
            action()
        except (ProcessLookupError, PermissionError):
            pass


def run_job(job: dict[str, Any], policy: Policy, *, on_progress: Callable[[dict[str, Any]], None] = lambda m: None,
            should_cancel: Callable[[], bool] = lambda: False) -> Outcome:
    """Run one job in a fresh sandboxed interpreter and return what became of it."""
    limits = policy.limits
    scratch = _make_scratch(policy.unprivileged_user)
    log = tempfile.TemporaryFile(dir=SCRATCH_ROOT)
    read_fd, write_fd = os.pipe()
    token = secrets.token_hex(16)
    outcome = Outcome(status="failed")
    process = None
    try:
        process = subprocess.Popen(
            [sys.executable, "-I", CHILD_SCRIPT],
            stdin=subprocess.PIPE, stdout=log, stderr=log, cwd=scratch, env=CHILD_ENVIRONMENT,
            close_fds=True, pass_fds=(write_fd,), start_new_session=True,
        )
        channel_fd = write_fd  # pass_fds keeps the descriptor's number in the child
        os.close(write_fd)
        write_fd = -1
        child_policy = {**policy.for_child(),
                        "drop_privileges": unprivileged_user_can_run(policy.unprivileged_user)}
        payload = {**job, "token": token, "channel_fd": channel_fd, "scratch": str(scratch),
                   "policy": child_policy, "required_layers": list(policy.required_layers),
                   "parent_pid": os.getpid()}
        _feed(process, payload)
        _watch(process, _Channel(read_fd, token, limits.result_bytes), scratch, policy, outcome, on_progress,
               should_cancel)
    except _Violation as violation:
        _kill(process)
        outcome.status, outcome.error = "failed", f"The run {violation}."
    finally:
        if process is not None:
            # The child has said all it will (or broken the rules): nothing it does now counts,
            # and an atexit hook or a leftover must not keep the job waiting.
            _kill(process)
            _reap(process, outcome)
        os.close(read_fd)
        if write_fd >= 0:
            os.close(write_fd)
        log.seek(0)
        outcome.output = log.read(limits.output_bytes + 1024).decode("utf-8", "replace")
        log.close()
        shutil.rmtree(scratch, ignore_errors=True)
    return outcome


def _feed(process: subprocess.Popen, payload: dict[str, Any]) -> None:
    try:
        process.stdin.write(json.dumps(payload, separators=(",", ":")).encode())
        process.stdin.close()
    except BrokenPipeError:
        pass  # the child died at once; _watch reports it


def _watch(process, channel: _Channel, scratch: Path, policy: Policy, outcome: Outcome,
           on_progress, should_cancel) -> None:
    limits = policy.limits
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
                _kill(process)
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
