"""The sandboxed interpreter's script: ``python -I child.py``; on stdin, one line of setup
(how to confine itself), then its one job as JSON.

Trusted code until ``run_ga`` loads the user's: it confines this process first (see
confine.py), most of it before the job arrives, so that it can be started ahead of the job;
then it runs the GA and writes newline-delimited JSON messages, each carrying the job's
token, to the result pipe. It imports only the standard library, numpy, pygad and the
engine (loaded from its files, so that the web application is never imported here).
"""

import importlib.util
import io
import json
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
PACKAGE = os.path.dirname(HERE)
MAX_JOB_BYTES = 512 * 1024 * 1024
MAX_SETUP_BYTES = 64 * 1024


def _load(name, path, package_dir=None):
    spec = importlib.util.spec_from_file_location(
        name, path, submodule_search_locations=[package_dir] if package_dir else None)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


class CappedOutput(io.TextIOBase):
    """print() output, kept up to a limit and then dropped (the run goes on)."""

    def __init__(self, fd, limit):
        self.fd, self.limit, self.written = fd, limit, 0

    def writable(self):
        return True

    def write(self, text):
        data = text.encode("utf-8", "replace")
        room = self.limit - self.written
        if room > 0:
            os.write(self.fd, data[:room])
            if len(data) > room:
                os.write(self.fd, b"\n[output truncated]\n")
        self.written += len(data)
        return len(text)


def main():
    steps = [["interpreter", time.monotonic()]]

    def step(name):
        steps.append([name, time.monotonic()])

    setup = json.loads(sys.stdin.buffer.readline(MAX_SETUP_BYTES))
    channel = setup["channel_fd"]
    token = setup["token"]
    scratch = setup["scratch"]
    confinement = setup["confinement"]

    def send(kind, **payload):
        line = json.dumps({"token": token, "type": kind, **payload}, allow_nan=False, separators=(",", ":"))
        data = (line + "\n").encode()
        while data:
            data = data[os.write(channel, data):]

    # Before the job: the layers that take time, and the imports.
    confine = _load("vilvik_confine", os.path.join(HERE, "confine.py"))
    confine.load_libraries()
    step("layer libraries")
    layers = ["fresh-interpreter", "empty-environment", "closed-descriptors", "private-scratch",
              "process-group-deadline"]
    layers.append(confine.network_namespace())
    step("network-namespace")
    layers.append(confine.scratch_quota(scratch, confinement, confinement["unprivileged_user"],
                                        confinement["drop_privileges"]))
    os.chdir(scratch)  # onto the fresh tmpfs, when there is one
    step("scratch-quota")
    layers.append(confine.unprivileged_user(confinement["unprivileged_user"], confinement["drop_privileges"]))
    layers.append(confine.parent_death_signal(setup["parent_pid"]))
    step("unprivileged-user and parent-death-signal")

    import numpy  # noqa: F401  imported before the filesystem closes
    import numpy.ma  # noqa: F401  loaded by PyGAD's first GA: imported here, off the job's time
    import numpy.random  # noqa: F401
    import pygad  # noqa: F401
    step("numpy and pygad")

    _load("vilvik_engine", os.path.join(PACKAGE, "engine", "__init__.py"),
          os.path.join(PACKAGE, "engine"))
    ga_module = importlib.import_module("vilvik_engine.ga")
    step("engine")
    layers.append(confine.landlock(scratch))
    step("landlock")
    syscall_filter = confine.seccomp_filter()
    step("seccomp filter built")

    # The job, then the layers that depend on it or would forbid setting them: still before any
    # user code is loaded.
    job = json.loads(sys.stdin.buffer.read(MAX_JOB_BYTES))
    sys.stdin.close()
    step("job read")
    limits = job["limits"]
    layers.append(confine.rlimits(limits))
    layers.append(confine.seccomp(syscall_filter))
    applied = [layer for layer in layers if layer]
    missing = [layer for layer in job.get("required_layers", []) if layer not in applied]
    step("rlimits and seccomp")
    send("ready", layers=applied, steps=steps)
    if missing:
        send("refused", missing=missing)
        return 3

    limit = limits["output_bytes"]
    sys.stdout = sys.stderr = CappedOutput(1, limit)

    sent = {"generations": 0}

    def progress(report):
        history = report.pop("best_solutions_fitness")
        send("progress", history_tail=history[sent["generations"]:], **report)
        sent["generations"] = len(history)

    started = time.monotonic()
    try:
        result = ga_module.run_ga(job, progress)
    except ga_module.UserCodeError as error:
        send("error", message=str(error), traceback=error.user_traceback)
        return 0
    except MemoryError:
        send("error", message="MemoryError: the run needed more memory than its limit", traceback="")
        return 0
    except RecursionError as error:
        send("error", message=f"RecursionError: {error}", traceback="")
        return 0
    try:
        send("result", result=result, seconds=time.monotonic() - started)
    except ValueError:
        send("error", message="The run produced a value that is not a finite number (NaN or infinity).",
             traceback="")
    return 0


if __name__ == "__main__":
    sys.exit(main())
