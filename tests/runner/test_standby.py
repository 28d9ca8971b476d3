"""A child started ahead of its job: confined before any user code, one job only, then replaced."""

import os
import subprocess
import time
from dataclasses import replace
from pathlib import Path

import pytest

from vilvik.runner.launch import start_child
from vilvik.runner.policy import Policy
from vilvik.runner.sandbox import run_job
from vilvik.runner.standby import Standby

from .conftest import TIGHT, sandbox_job

REPORT_PROCESS = ("import os\n"
                  "def fitness_func(ga, sol, idx):\n"
                  "    if idx == 0:\n"
                  "        print('pid', os.getpid(), 'parent', os.getppid())\n"
                  "        print(open('/proc/self/status').read())\n"
                  "    return -float(numpy.sum(sol ** 2))\n")


def _blocked_on_stdin(child) -> bool:
    """The child has done all it does before its job, and waits reading stdin: read(0, ...)."""
    try:
        syscall = Path(f"/proc/{child.process.pid}/syscall").read_text().split()
    except FileNotFoundError:
        pytest.skip("this kernel does not show a process's current system call")
    except OSError:
        return False
    return len(syscall) > 1 and syscall[0] == "0" and syscall[1] == "0x0"


def _children() -> str:
    return subprocess.run(["pgrep", "-P", str(os.getpid()), "-f", "vilvik/runner/child.py"],
                          capture_output=True, text=True).stdout.strip()


def _wait_until(predicate, seconds=60.0):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.05)
    raise AssertionError("condition not reached in time")


def test_a_child_started_ahead_serves_exactly_one_job_and_is_gone_after_it(tight_policy):
    child = start_child(tight_policy)
    outcome = run_job(sandbox_job(REPORT_PROCESS), tight_policy, child=child)
    assert outcome.status == "succeeded", outcome.output
    assert f"pid {child.process.pid} parent {os.getpid()}" in outcome.output
    assert child.process.returncode is not None and not Path(f"/proc/{child.process.pid}").exists()
    assert not child.scratch.exists()
    again = run_job(sandbox_job(REPORT_PROCESS), tight_policy)
    assert f"pid {child.process.pid} " not in again.output


def test_a_waiting_child_is_confined_before_it_has_a_job(tight_policy, available_layers):
    child = start_child(tight_policy)
    _wait_until(lambda: _blocked_on_stdin(child))
    pid = child.process.pid
    if "network-namespace" in available_layers:
        assert os.readlink(f"/proc/{pid}/ns/net") != os.readlink("/proc/self/ns/net")
    if "scratch-quota" in available_layers:
        assert os.readlink(f"/proc/{pid}/ns/mnt") != os.readlink("/proc/self/ns/mnt")
    if "unprivileged-user" in available_layers:
        assert "Uid:\t0\t" not in Path(f"/proc/{pid}/status").read_text()
    outcome = run_job(sandbox_job(REPORT_PROCESS), tight_policy, child=child)
    assert outcome.status == "succeeded", outcome.output
    steps = [step for step, _ in outcome.timeline]
    # Everything but the limits and the syscall filter was done before the job was sent;
    # those two come with the job, and still before the user's code was loaded.
    assert steps.index("landlock") < steps.index("job sent") < steps.index("rlimits and seccomp")
    if "seccomp" in available_layers:
        assert "Seccomp:\t2" in outcome.output
    assert "rlimits" in outcome.layers


def test_the_job_gets_its_own_limits_not_those_the_child_was_started_with(tight_policy):
    child = start_child(Policy(limits=replace(TIGHT, memory_bytes=2 * TIGHT.memory_bytes)))
    source = ("def fitness_func(ga, sol, idx):\n"
              "    if idx == 0:\n"
              "        print(open('/proc/self/limits').read())\n"
              "    return 1.0\n")
    outcome = run_job(sandbox_job(source), tight_policy, child=child)
    assert outcome.status == "succeeded", outcome.output
    address_space = next(line for line in outcome.output.splitlines() if line.startswith("Max address space"))
    assert address_space.split()[3:5] == [str(TIGHT.memory_bytes)] * 2


def test_a_child_confined_otherwise_is_not_used(tight_policy):
    other = start_child(Policy(limits=replace(TIGHT, scratch_bytes=2 * TIGHT.scratch_bytes)))
    outcome = run_job(sandbox_job(REPORT_PROCESS), tight_policy, child=other)
    assert outcome.status == "succeeded", outcome.output
    assert f"pid {other.process.pid} " not in outcome.output
    assert other.process.returncode is not None and not other.scratch.exists()


def test_the_standby_hands_each_child_out_once_and_replaces_it(tight_policy):
    standby = Standby()
    standby.prepare(tight_policy)
    first = standby.take(tight_policy)
    standby.prepare(tight_policy)
    second = standby.take(tight_policy)
    assert second is not first and second.process.pid != first.process.pid
    for child in (first, second):
        outcome = run_job(sandbox_job(), tight_policy, child=child)
        standby.release(child)
        assert outcome.status == "succeeded", outcome.output
    standby.prepare(tight_policy)
    standby.prepare(tight_policy)  # one that fits already waits: kept
    waiting = standby.take(tight_policy)
    assert waiting.process.pid not in (first.process.pid, second.process.pid)
    run_job(sandbox_job(), tight_policy, child=waiting)
    standby.release(waiting)


def test_a_dead_waiting_child_is_replaced(tight_policy):
    standby = Standby()
    standby.prepare(tight_policy)
    dead = standby.take(tight_policy)
    standby.release(dead)
    dead.kill()
    dead.process.wait()
    outcome = run_job(sandbox_job(), tight_policy, child=dead)
    assert outcome.status == "succeeded", outcome.output


def test_stopping_the_serving_child_ends_its_job(tight_policy):
    standby = Standby()
    child = standby.take(tight_policy, job_id="job-2")
    slow = "import time\ndef fitness_func(ga, sol, idx):\n    time.sleep(0.01)\n    return 1.0\n"
    stopped = []

    def stop(message):
        if not stopped:
            # A stop for the job before this one (it arrived as this one started) spares it.
            stopped.append(standby.stop_serving("job-1"))
            stopped.append(standby.stop_serving("job-2"))

    outcome = run_job(sandbox_job(slow, num_generations=10_000), tight_policy, on_progress=stop, child=child)
    standby.release(child)
    assert stopped == [False, True]
    assert outcome.status == "failed" and "SIGKILL" in outcome.error
    assert standby.stop_serving() is False


def test_discarding_the_standby_stops_its_waiting_child(tight_policy):
    assert _children() == ""
    standby = Standby()
    standby.prepare(tight_policy)
    assert _children() != ""
    standby.discard()
    assert _children() == ""
    replacement = standby.take(tight_policy)  # nothing waits now: a child is started for the job
    assert run_job(sandbox_job(), tight_policy, child=replacement).status == "succeeded"
    standby.release(replacement)
    assert _children() == ""
