"""Starting the sandbox's interpreter: a child that confines itself before it knows its job.

The child is started with what its confinement needs (scratch, uid, parent) and no job: it
applies the layers that take time (namespaces, uid, imports, Landlock) and waits for exactly
one job. Starting it ahead of the job takes the interpreter's start off the job's time; it is
still a fresh exec'd interpreter that has run no other code than its own.
"""

from __future__ import annotations

import functools
import json
import os
import pwd
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from .policy import Policy

CHILD_SCRIPT = str(Path(__file__).resolve().parent / "child.py")
SCRATCH_ROOT = Path(tempfile.gettempdir()) / "vilvik-scratch"
CHILD_ENVIRONMENT = {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
                     "LC_ALL": "C.UTF-8"}


@functools.cache
def unprivileged_user_can_run(user: str) -> bool:
    """Whether ``user`` can start the interpreter and import numpy and pygad.

    Root drops to ``user`` in the child; where the interpreter lives somewhere that user
    cannot read (a Python under /root, say), the child stays root and the run records that
    the unprivileged-user layer is missing. Asked once per process: keep the process.
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


def confinement_of(policy: Policy) -> dict[str, Any]:
    """The part of a policy a child applies before its job arrives; the rest comes with the job."""
    return {"scratch_bytes": policy.limits.scratch_bytes, "scratch_files": policy.limits.scratch_files,
            "unprivileged_user": policy.unprivileged_user}


def kill_process_group(process: subprocess.Popen) -> None:
    """Kill the child's whole process group, and the child should it have left it.

    os.kill, not Popen.kill: that would reap the child, and the job reads its resource use then."""
    for action in (lambda: os.killpg(process.pid, signal.SIGKILL), lambda: os.kill(process.pid, signal.SIGKILL)):
        try:
            action()
        except (ProcessLookupError, PermissionError):
            pass


@dataclass
class Child:
    """A started interpreter, confining itself or waiting for its one job."""

    process: subprocess.Popen
    channel_fd: int  # our end of its result pipe
    log: IO[bytes]  # its stdout and stderr
    scratch: Path
    token: str
    confinement: dict[str, Any]
    started: float  # time.monotonic() just before the start

    def kill(self) -> None:
        """Kill it now, from any thread; whoever runs its job still reaps it."""
        kill_process_group(self.process)

    def fits(self, policy: Policy) -> bool:
        """Whether it was confined as ``policy`` asks, and still waits."""
        return self.confinement == confinement_of(policy) and self.process.poll() is None


def start_child(policy: Policy) -> Child:
    """Start a child that confines itself per ``policy`` and then waits for its job on stdin."""
    confinement = confinement_of(policy)
    scratch = _make_scratch(policy.unprivileged_user)
    log = None
    read_fd = write_fd = -1
    token = secrets.token_hex(16)
    try:
        log = tempfile.TemporaryFile(dir=SCRATCH_ROOT)
        read_fd, write_fd = os.pipe()
        drop_privileges = unprivileged_user_can_run(policy.unprivileged_user)
        started = time.monotonic()
        process = subprocess.Popen(
            [sys.executable, "-I", CHILD_SCRIPT],
            stdin=subprocess.PIPE, stdout=log, stderr=log, cwd=scratch, env=CHILD_ENVIRONMENT,
            close_fds=True, pass_fds=(write_fd,), start_new_session=True,
        )
    except BaseException:
        for descriptor in (read_fd, write_fd):
            if descriptor >= 0:
                os.close(descriptor)
        if log is not None:
            log.close()
        shutil.rmtree(scratch, ignore_errors=True)
        raise
    os.close(write_fd)  # pass_fds kept its number in the child
    setup = {"token": token, "channel_fd": write_fd, "scratch": str(scratch), "parent_pid": os.getpid(),
             "confinement": {**confinement, "drop_privileges": drop_privileges}}
    try:
        process.stdin.write(json.dumps(setup, separators=(",", ":")).encode() + b"\n")
        process.stdin.flush()
    except BrokenPipeError:
        pass  # it died at once; the job that takes it reports that
    return Child(process, read_fd, log, scratch, token, confinement, started)
