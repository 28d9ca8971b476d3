"""Layers the child applies to itself, in order, before any user code is loaded.

Each function returns the layer's name when it was applied and None when this machine cannot
apply it (the run records which layers it got).
"""

from __future__ import annotations

import ctypes
import errno
import os
import pwd
import resource
import signal
import sys
from typing import Any

PR_SET_PDEATHSIG = 1
CLONE_NEWNET = 0x40000000

_libc = ctypes.CDLL(None, use_errno=True)


def network_namespace() -> str | None:
    """A new, empty network namespace: only root may make one here."""
    if os.geteuid() != 0:
        return None
    if _libc.unshare(CLONE_NEWNET) != 0:
        return None
    return "network-namespace"


CLONE_NEWNS = 0x00020000
MS_REC, MS_PRIVATE, MS_NOSUID, MS_NODEV = 0x4000, 0x40000, 0x2, 0x4


def scratch_quota(scratch: str, limits: dict[str, Any], owner: str, allowed: bool) -> str | None:
    """Scratch as a size- and inode-limited tmpfs in a mount namespace of the child's own:
    the disk cannot be filled, whatever the code writes (needs root)."""
    if os.geteuid() != 0:
        return None
    if _libc.unshare(CLONE_NEWNS) != 0:
        return None
    if _libc.mount(b"none", b"/", None, MS_REC | MS_PRIVATE, None) != 0:
        return None
    uid = gid = 0
    if allowed:
        try:
            account = pwd.getpwnam(owner)
            uid, gid = account.pw_uid, account.pw_gid
        except KeyError:
            pass
    options = (f"size={limits['scratch_bytes']},nr_inodes={limits['scratch_files'] + 16},"
               f"mode=0700,uid={uid},gid={gid}").encode()
    if _libc.mount(b"tmpfs", scratch.encode(), b"tmpfs", MS_NOSUID | MS_NODEV, options) != 0:
        return None
    return "scratch-quota"


def unprivileged_user(name: str, allowed: bool) -> str | None:
    """Root gives up its rights for good to a user of its own (when ``name`` can run the
    interpreter at all). A worker that is not root cannot change users: the child keeps the
    worker's own uid, and the layer is missing."""
    if os.geteuid() != 0 or not allowed:
        return None
    try:
        account = pwd.getpwnam(name)
    except KeyError:
        return None
    os.setgroups([])
    os.setgid(account.pw_gid)
    os.setuid(account.pw_uid)
    return "unprivileged-user"


def parent_death_signal(expected_parent: int) -> str | None:
    """Die with the job process. Set after the uid change, which would clear it."""
    if _libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) != 0:
        return None
    if os.getppid() != expected_parent:  # the parent died before the signal was armed
        os._exit(1)
    return "parent-death-signal"


def rlimits(limits: dict[str, Any]) -> str:
    """Soft and hard limits alike: an unprivileged process cannot raise them again."""
    for kind, value in (
        (resource.RLIMIT_AS, limits["memory_bytes"]),
        (resource.RLIMIT_CPU, limits["cpu_seconds"]),
        (resource.RLIMIT_FSIZE, limits["file_bytes"]),
        (resource.RLIMIT_NOFILE, limits["open_files"]),
        (resource.RLIMIT_NPROC, 64),
        (resource.RLIMIT_CORE, 0),
    ):
        resource.setrlimit(kind, (value, value))
    return "rlimits"


def _readable_roots() -> list[str]:
    """Where the interpreter, its libraries and this package live: readable, never writable."""
    roots = {sys.prefix, sys.base_prefix, sys.exec_prefix, os.path.dirname(os.path.dirname(__file__)),
             "/usr", "/lib", "/lib64", "/etc/ld.so.cache", "/dev/null", "/dev/urandom", "/proc/self"}
    return sorted(path for path in roots if os.path.exists(path))


def landlock(scratch: str) -> str | None:
    """Filesystem: read (and execute) the interpreter and libraries, write only in scratch."""
    if "landlock" not in sys.modules:
        return None
    from landlock import FSAccess, Ruleset

    try:
        ruleset = Ruleset()
        read_only = FSAccess.READ_FILE | FSAccess.READ_DIR | FSAccess.EXECUTE
        for path in _readable_roots():
            rules = read_only if os.path.isdir(path) else FSAccess.READ_FILE | FSAccess.EXECUTE
            ruleset.allow(path, rules=rules)
        ruleset.allow(scratch, rules=FSAccess.all())
        ruleset.apply()
    except Exception:  # an old kernel, or Landlock disabled
        return None
    return "landlock"


# Syscalls user code never needs; each fails with EPERM (and a Python exception) instead.
DENIED_SYSCALLS = (
    "execve", "execveat", "fork", "vfork", "clone", "clone3",
    "socket", "socketpair", "connect", "bind", "listen", "accept", "accept4",
    "ptrace", "process_vm_readv", "process_vm_writev", "setsid", "setpgid",
    "setrlimit", "prlimit64", "setpriority", "unshare", "setns", "mount", "umount2", "chroot",
    "pivot_root", "bpf", "perf_event_open", "keyctl", "add_key", "request_key", "userfaultfd",
    "io_uring_setup", "personality", "mknod", "mknodat", "setuid", "setgid", "setreuid", "setregid",
    "setresuid", "setresgid", "setgroups", "prctl", "seccomp",
    "pidfd_open", "pidfd_send_signal", "pidfd_getfd", "kcmp", "process_madvise", "move_pages", "migrate_pages",
    "open_by_handle_at", "name_to_handle_at", "fanotify_init", "quotactl", "reboot", "kexec_load", "init_module",
    "finit_module", "delete_module", "swapon", "swapoff", "acct", "settimeofday", "clock_settime", "adjtimex",
    "sethostname", "setdomainname", "iopl", "ioperm", "vhangup", "lookup_dcookie",
)


def load_libraries() -> None:
    """Import the layer libraries while the filesystem is open: finding libseccomp runs ldconfig."""
    for name in ("pyseccomp", "landlock"):
        try:
            __import__(name)
        except (ImportError, OSError, RuntimeError):  # not installed, or no libseccomp here
            pass


def seccomp_filter() -> Any:
    """The filter ``seccomp`` loads, built ahead (None without libseccomp): deny process creation,
    exec, sockets, signals to others and limit changes."""
    pyseccomp = sys.modules.get("pyseccomp")
    if pyseccomp is None:
        return None
    try:
        rules = pyseccomp.SyscallFilter(defaction=pyseccomp.ALLOW)
        denied = pyseccomp.ERRNO(errno.EPERM)
        for name in DENIED_SYSCALLS:
            try:
                rules.add_rule(denied, name)
            except (OSError, ValueError, RuntimeError):  # a syscall this architecture lacks
                continue
        me = os.getpid()
        for name, target in (("kill", 0), ("tgkill", 0), ("tkill", 0)):
            rules.add_rule(denied, name, pyseccomp.Arg(target, pyseccomp.NE, me))
        rules.add_rule(denied, "rt_sigqueueinfo", pyseccomp.Arg(0, pyseccomp.NE, me))
        rules.add_rule(denied, "rt_tgsigqueueinfo", pyseccomp.Arg(0, pyseccomp.NE, me))
    except Exception:  # no libseccomp on this machine
        return None
    return rules


def seccomp(rules: Any) -> str | None:
    """Load the filter: from here on, the syscalls it denies fail with EPERM. Last of the layers,
    since it forbids setting the others."""
    if rules is None:
        return None
    try:
        rules.load()
    except Exception:  # the kernel refuses filters
        return None
    return "seccomp"
