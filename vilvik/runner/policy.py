"""What a sandboxed job may use, and the hardening layers it gets."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

MIB = 1024 * 1024

# Every layer, by the name recorded on a run and accepted in VILVIK_SANDBOX_REQUIRE.
LAYERS = (
    "fresh-interpreter",      # exec'd, never a fork of the worker; -I: no site or env influence
    "empty-environment",      # no variables but the thread-count settings
    "closed-descriptors",     # only stdin, the log and the result pipe
    "private-scratch",        # its own directory, removed afterwards
    "scratch-quota",          # scratch is a size- and inode-limited tmpfs (needs root)
    "rlimits",                # address space, CPU, file size, open files, processes, no core
    "process-group-deadline",  # its own session, killed whole on the wall-clock deadline
    "parent-death-signal",    # killed when the job process dies
    "unprivileged-user",      # root drops to an unprivileged uid before user code
    "network-namespace",      # no network interface at all (needs root)
    "landlock",               # filesystem: read-only interpreter and libraries, writes in scratch
    "seccomp",                # no exec, fork, threads, sockets, signals to others, limit changes
)


@dataclass(frozen=True)
class Limits:
    wall_seconds: float = 60
    cpu_seconds: int = 60
    memory_bytes: int = 1024 * MIB
    output_bytes: int = 256 * 1024
    file_bytes: int = 16 * MIB
    scratch_bytes: int = 64 * MIB
    scratch_files: int = 256
    result_bytes: int = 64 * MIB
    open_files: int = 64


@dataclass(frozen=True)
class Policy:
    limits: Limits = field(default_factory=Limits)
    required_layers: tuple[str, ...] = ()
    unprivileged_user: str = "nobody"

    def for_child(self) -> dict[str, Any]:
        return {"limits": asdict(self.limits), "unprivileged_user": self.unprivileged_user}


def parse_required(value: Any) -> tuple[str, ...]:
    """VILVIK_SANDBOX_REQUIRE: a comma-separated string or a list of layer names ("all" for every one)."""
    if not value:
        return ()
    names = [item.strip() for item in (value.split(",") if isinstance(value, str) else value) if item.strip()]
    if names == ["all"]:
        return LAYERS
    unknown = sorted(set(names) - set(LAYERS))
    if unknown:
        raise ValueError(f"unknown sandbox layer(s) {', '.join(unknown)}; known: {', '.join(LAYERS)}")
    return tuple(names)
