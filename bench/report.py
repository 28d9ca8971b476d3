"""Numbers and where they go: medians with their spread, and docs/PERFORMANCE.md by section."""

from __future__ import annotations

import os
import platform
import re
import statistics
import subprocess
import sys
from collections.abc import Sequence
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PERFORMANCE = ROOT / "docs" / "PERFORMANCE.md"
HEADER = """# Performance

Each section is written by the benchmark it names (`bench/`), from one run of that command. A
benchmark measures the service and its baseline side by side, in the same run, and reports the
ratio: the machine is shared, so absolute times vary between runs far more than ratios do.
"Spread" is the lowest and the highest of the repetitions. The benchmarks are not tests and
assert nothing; `make bench` runs them all.
"""


def percentile(values: Sequence[float], fraction: float) -> float:
    """The nearest-rank percentile (``fraction`` in 0..1) of ``values``."""
    ordered = sorted(values)
    rank = max(1, min(len(ordered), round(fraction * len(ordered) + 0.5)))
    return ordered[rank - 1]


def summary(values: Sequence[float], unit: str = "s", scale: float = 1.0, digits: int = 3) -> str:
    """"median X (spread A to B)" in ``unit``."""
    scaled = [value * scale for value in values]
    unit = f" {unit}" if unit else ""
    return (f"median {statistics.median(scaled):.{digits}f}{unit} "
            f"(spread {min(scaled):.{digits}f} to {max(scaled):.{digits}f}, n={len(scaled)})")


def verdict(ratio: float, limit: float, *, at_least: bool = False) -> str:
    met = ratio >= limit if at_least else ratio <= limit
    bound = "at least" if at_least else "at most"
    return f"{ratio:.2f}x (target {bound} {limit:g}x: {'met' if met else 'MISSED'})"


def machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = ""
    try:
        kib = int(Path("/proc/meminfo").read_text().split()[1])
        memory = f", {kib / 1024 / 1024:.0f} GiB"
    except (OSError, ValueError, IndexError):
        pass
    try:
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True,
                                text=True).stdout.strip()
    except OSError:
        commit = ""
    return (f"{cpu}, {os.cpu_count()} cores{memory}; {platform.system()} {platform.release()}; "
            f"Python {platform.python_version()}; commit {commit or 'unknown'}")


def write_section(name: str, title: str, command: str, lines: Sequence[str], write: bool = True) -> None:
    """Print the section and (unless ``write`` is false) put it in docs/PERFORMANCE.md, replacing
    its previous run."""
    stamp = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    body = "\n".join([
        f"<!-- bench:{name} -->",
        f"## {title}",
        "",
        f"- Command: `{command}`",
        f"- Machine: {machine()}",
        f"- Measured: {stamp}",
        "",
        *lines,
        f"<!-- /bench:{name} -->",
    ])
    print(body)
    if not write:
        return
    PERFORMANCE.parent.mkdir(exist_ok=True)
    text = PERFORMANCE.read_text() if PERFORMANCE.exists() else HEADER
    pattern = re.compile(rf"<!-- bench:{re.escape(name)} -->.*?<!-- /bench:{re.escape(name)} -->", re.S)
    if pattern.search(text):
        text = pattern.sub(lambda _: body, text)
    else:
        text = text.rstrip("\n") + "\n\n" + body + "\n"
    PERFORMANCE.write_text(text)


def command_line() -> str:
    return " ".join([".venv/bin/python -m", sys.argv[0].replace(str(ROOT) + "/", "").removesuffix(".py")
                     .replace("/", "."), *sys.argv[1:]])
