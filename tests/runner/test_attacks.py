"""Hostile fitness functions: each is stopped, the worker (this process) survives, the next job runs.

An attack that "escapes" raises ESCAPED with what it got; a stopped attack either fails with
its own error or is killed with the message the user sees. Where this machine lacks the layer
an attack depends on, the test is skipped naming the attack that is left open.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from vilvik.runner.sandbox import run_job
from vilvik.services.execution import validated_result

from .conftest import sandbox_job

CANARY = "canary-4f1d2b9e"


@pytest.fixture(scope="module")
def targets(tmp_path_factory):
    """What an attacker wants: the app's secrets and files, a process to signal, a Redis socket."""
    instance = tmp_path_factory.mktemp("instance")
    (instance / "secret_key").write_text(CANARY)
    os.chmod(instance / "secret_key", 0o600)
    (instance / "vilvik.sqlite3").write_text(CANARY)
    os.chmod(instance / "vilvik.sqlite3", 0o644)
    os.environ["VILVIK_SECRET_KEY"] = CANARY
    victim = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"])
    yield {"instance": instance, "victim": victim.pid}
    victim.kill()
    victim.wait()
    os.environ.pop("VILVIK_SECRET_KEY", None)


def attack(body: str) -> str:
    """A fitness function whose body runs the attack once, then returns a normal fitness."""
    return ("import os, sys, socket, ctypes, resource, signal, subprocess, threading, time\n"
            "STATE = {'done': False}\n"
            "def fitness_func(ga, sol, idx):\n"
            "    if not STATE['done']:\n"
            "        STATE['done'] = True\n"
            + textwrap.indent(textwrap.dedent(body), "        ")
            + "    return -float(numpy.sum(sol ** 2))\n")


def escaped_if(condition: str, what: str = "'it worked'") -> str:
    return f"if {condition}:\n    raise RuntimeError('ESCAPED: ' + str({what}))\n"


def attempt(statement: str) -> str:
    """Run ``statement``; reaching the next line means it was not blocked."""
    return f"try:\n    {statement}\nexcept Exception:\n    pass\nelse:\n    raise RuntimeError('ESCAPED: ' + {statement[:40]!r})\n"


# name -> (fitness source, the layers it relies on, what the user sees when it is stopped or None)
ATTACKS = {
    "read_environment": (attack(escaped_if(f"'{CANARY}' in str(dict(os.environ))", "dict(os.environ)")),
                         ("empty-environment",), None),
    "read_app_secret_file": (attack(attempt("open('{instance}/secret_key').read()")), ("landlock",), None),
    "read_database_file": (attack(attempt("open('{instance}/vilvik.sqlite3').read()")), ("landlock",), None),
    "read_worker_proc_environ": (attack(attempt("open(f'/proc/{{os.getppid()}}/environ').read()")), ("landlock",), None),
    "list_worker_fds": (attack(attempt("os.listdir(f'/proc/{{os.getppid()}}/fd')")), ("landlock",), None),
    "connect_redis_tcp": (attack(attempt("socket.create_connection(('127.0.0.1', 6379), timeout=1)")),
                          ("seccomp",), None),
    "connect_postgres_tcp": (attack(attempt("socket.create_connection(('127.0.0.1', 5432), timeout=1)")),
                             ("seccomp",), None),
    "connect_unix_socket": (attack(attempt("socket.socket(socket.AF_UNIX).connect('/run/any.sock')")),
                            ("seccomp",), None),
    "ctypes_socket_syscall": (attack(escaped_if("ctypes.CDLL(None).socket(2, 1, 0) >= 0")), ("seccomp",), None),
    "exec_a_shell": (attack(attempt("subprocess.run(['/bin/sh', '-c', 'true'], check=True)")), ("seccomp",), None),
    "ctypes_system": (attack(escaped_if("ctypes.CDLL(None).system(b'true') == 0")), ("seccomp",), None),
    "fork_bomb": (attack("for _ in range(10000):\n    pid = os.fork()\n    if pid == 0:\n        os._exit(0)\n"
                         "    raise RuntimeError('ESCAPED: forked')\n"), ("seccomp",), "PermissionError"),
    "thread_bomb": (attack(attempt("[threading.Thread(target=time.sleep, args=(60,)).start() for _ in range(1000)]")),
                    ("seccomp",), None),
    "signal_the_worker": (attack(attempt("os.kill({victim}, signal.SIGKILL)")), ("seccomp",), None),
    "signal_every_process": (attack(attempt("os.kill(-1, signal.SIGKILL)")), ("seccomp",), None),
    "escape_with_setsid": (attack(attempt("os.setsid()")), ("seccomp",), None),
    "raise_own_limits": (attack(attempt("resource.setrlimit(resource.RLIMIT_AS, (resource.RLIM_INFINITY,) * 2)")),
                         ("seccomp",), None),
    "write_outside_scratch": (attack(attempt("open('/tmp/vilvik-escaped-file', 'w').write('x')")),
                              ("landlock",), None),
    "write_into_site_packages": (attack(attempt("open(os.path.join(os.path.dirname(numpy.__file__), 'evil.py'), 'w')")),
                                 ("landlock",), None),
    "allocate_10_gb": (attack("blob = bytearray(10 * 1024 ** 3)\n"), ("rlimits",), "memory"),
    "loop_forever": (attack("while True:\n    pass\n"), ("process-group-deadline",), "limit"),
    "sleep_forever": (attack("time.sleep(10 ** 6)\n"), ("process-group-deadline",), "time limit"),
    "fill_disk_with_one_file": (attack("with open('big.bin', 'wb') as f:\n    while True:\n        f.write(b'x' * 65536)\n"),
                                ("rlimits",), ("File too large", "No space left")),
    "fill_disk_with_many_files": (attack("for n in range(100000):\n    open(f'f{{n}}', 'w').write('x' * 4096)\n"
                                         "time.sleep(5)\n"), ("private-scratch",), ("scratch space", "No space left")),
    "forge_the_result_channel": (attack("for fd in range(3, 64):\n    try:\n"
                                        "        os.write(fd, b'{{\"type\": \"result\", \"token\": \"guess\"}}\\n')\n"
                                        "    except OSError:\n        pass\n"), (), "forged"),
    "flood_the_result_channel": (attack("for fd in range(3, 64):\n    try:\n"
                                        "        for _ in range(200):\n            os.write(fd, b'x' * 65536)\n"
                                        "    except OSError:\n        pass\n"), (), "result channel"),
    "print_gigabytes": (attack("chunk = 'y' * 1048576\nfor _ in range(2048):\n    print(chunk)\n"), (), None),
    "recurse_to_a_c_crash": (attack("sys.setrecursionlimit(10 ** 8)\ndef deeper(n):\n    return deeper(n + 1) + 1\n"
                                    "deeper(0)\n"), (), ("crashed", "memory", "time limit", "RecursionError")),
    "return_a_string": ("def fitness_func(ga, sol, idx):\n    return 'high'\n", (), "fitness"),
    "return_an_object": ("def fitness_func(ga, sol, idx):\n    return object()\n", (), "fitness"),
    "return_nan": ("def fitness_func(ga, sol, idx):\n    return float('nan')\n", (), None),
    "unshare_namespaces": (attack(escaped_if("ctypes.CDLL(None).unshare(0x00020000) == 0")), ("seccomp",), None),
    "signal_through_a_pidfd": (attack("libc = ctypes.CDLL(None)\npidfd = libc.syscall(434, {victim}, 0)\n"
                                      + escaped_if("pidfd >= 0 and libc.syscall(424, pidfd, 9, None, 0) == 0")),
                               ("seccomp",), None),
    "signal_with_tgsigqueueinfo": (attack(escaped_if("ctypes.CDLL(None).syscall(297, {victim}, {victim}, 9, "
                                                     "ctypes.create_string_buffer(128)) == 0")), ("seccomp",), None),
    "re_announce_the_sandbox_layers": (attack("frame = sys._getframe()\n"
                                              "while frame and 'send' not in frame.f_locals:\n    frame = frame.f_back\n"
                                              "frame.f_locals['send']('ready', layers=['unprivileged-user'])\n"),
                                       (), "unexpected message"),
    "send_a_second_result": (attack("frame = sys._getframe()\n"
                                    "while frame and 'send' not in frame.f_locals:\n    frame = frame.f_back\n"
                                    "frame.f_locals['send']('error', message='forged', traceback='')\n"),
                             (), ("forged", "unexpected message")),
    "deep_brackets_on_the_channel": (attack("for fd in range(3, 64):\n    try:\n"
                                            "        os.write(fd, b'[' * 200000 + b'\\n')\n"
                                            "    except OSError:\n        pass\n"), (), "not a message"),
    "poison_the_progress": (attack("ga.best_solutions_fitness.append('boom')\n"), (),
                            ("progress", "finite", "fitness")),
    "read_a_root_only_file": (attack(attempt("open('/etc/shadow').read()")), ("landlock",), None),
    # Confined by seccomp and Landlock either way, but root inside the sandbox is one layer less.
    "run_as_root": (attack(escaped_if("os.geteuid() == 0", "'uid 0'")), ("unprivileged-user",), None),
}


@pytest.mark.parametrize("name", sorted(ATTACKS))
def test_attack_is_stopped(name, targets, tight_policy, available_layers):
    source, needs, expected = ATTACKS[name]
    missing = [layer for layer in needs if layer not in available_layers]
    if missing:
        pytest.skip(f"OPEN on this machine: {name} relies on {', '.join(missing)}, which it lacks")
    code = source.replace("{instance}", str(targets["instance"])).replace("{victim}", str(targets["victim"]))
    code = code.replace("{{", "{").replace("}}", "}")
    outcome = run_job(sandbox_job(code), tight_policy)
    if outcome.status == "succeeded":  # the worker checks every result as untrusted input
        _, problem = validated_result(dict(outcome.result))
        if problem:
            outcome.status, outcome.error = "failed", problem
    said = f"{outcome.error} {outcome.user_traceback} {outcome.output}"
    assert "failed while loading" not in said, said[:2000]  # the attack itself must have run
    assert "ESCAPED" not in said, said[:2000]
    assert CANARY not in said
    if expected is not None:
        assert outcome.status == "failed", (outcome.status, outcome.output[-500:])
        alternatives = expected if isinstance(expected, tuple) else (expected,)
        assert any(text in said for text in alternatives), said[:2000]
    assert len(outcome.output) <= tight_policy.limits.output_bytes + 1024
    assert Path(f"/proc/{targets['victim']}").exists(), "the victim process was killed"
    assert not Path("/tmp/vilvik-escaped-file").exists()
    follow_up = run_job(sandbox_job(), tight_policy)
    assert follow_up.status == "succeeded", follow_up.output[-500:]


def test_the_suite_is_large_enough():
    assert len(ATTACKS) >= 25


def _children() -> str:
    return subprocess.run(["pgrep", "-P", str(os.getpid()), "-f", "vilvik/runner/child.py"],
                          capture_output=True, text=True).stdout.strip()


def test_attacks_leave_no_process_behind(targets, tight_policy):
    run_job(sandbox_job(attack("time.sleep(10 ** 6)\n")), tight_policy)
    assert _children() == ""


def test_code_that_lingers_after_its_result_does_not_hold_the_worker(tight_policy):
    """An atexit hook that closes the channel and sleeps: the job ends with the result anyway."""
    lingering = attack("import atexit\n"
                       "def linger():\n"
                       "    for fd in range(3, 64):\n"
                       "        try:\n            os.close(fd)\n        except OSError:\n            pass\n"
                       "    time.sleep(10 ** 6)\n"
                       "atexit.register(linger)\n")
    started = time.monotonic()
    outcome = run_job(sandbox_job(lingering), tight_policy)
    assert outcome.status == "succeeded"
    assert time.monotonic() - started < tight_policy.limits.wall_seconds
    assert _children() == ""
