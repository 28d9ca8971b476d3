"""The official SDK (vilvik 0.5.7, from the package index) in a virtual environment of its own:
its import name is also ``vilvik``. Scripts run there against a live server and a real worker."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap


import pytest


SDK_REQUIREMENTS = ["vilvik==0.5.7", "pygad==3.9.2"]


@pytest.fixture(scope="session")
def sdk_python(tmp_path_factory) -> str:
    """VILVIK_SDK_PYTHON when given (an interpreter with the SDK), else a fresh venv."""
    given = os.environ.get("VILVIK_SDK_PYTHON")
    if given:
        return given
    venv = tmp_path_factory.mktemp("sdk-venv")
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    python = str(venv / "bin" / "python")
    installed = subprocess.run([python, "-m", "pip", "install", "--quiet", *SDK_REQUIREMENTS],
                               capture_output=True, text=True, timeout=600)
    if installed.returncode != 0:
        if os.environ.get("VILVIK_REQUIRE_SDK"):
            pytest.fail(f"could not install the SDK: {installed.stderr[-2000:]}")
        pytest.skip("the SDK could not be installed here (no package index?)")
    return python


@pytest.fixture()
def sdk(sdk_python, live_server, tmp_path, background_worker):
    """Run a script with the real SDK; it prints one JSON line last, which is returned."""
    background_worker()

    counter = iter(range(1000))

    def run(script: str, api_key: str = "", expect_ok: bool = True, **env: str) -> dict:
        preamble = f"import json, vilvik\nBASE = {live_server + '/api/v1'!r}\n"
        # A file, as researchers' scripts are: the SDK reads the functions' source from it.
        path = tmp_path / f"research_{next(counter)}.py"
        path.write_text(preamble + textwrap.dedent(script))
        environment = {key: value for key, value in os.environ.items() if not key.startswith("VILVIK_")}
        environment.update(VILVIK_API_KEY=api_key, XDG_CONFIG_HOME=str(tmp_path / "config"), HOME=str(tmp_path),
                           PYTHONUNBUFFERED="1", **env)
        completed = subprocess.run([sdk_python, str(path)], env=environment,
                                   capture_output=True, text=True, timeout=300, cwd=tmp_path)
        if expect_ok:
            assert completed.returncode == 0, completed.stdout[-2000:] + completed.stderr[-3000:]
        lines = [line for line in completed.stdout.splitlines() if line.startswith("{")]
        return json.loads(lines[-1]) if lines else {"returncode": completed.returncode, "stderr": completed.stderr}

    return run


