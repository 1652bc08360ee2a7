"""The seccomp filter of the challenge sandbox: system calls a solution never needs are refused.

The filter is a deny list on top of bubblewrap's namespaces: everything else is allowed, the
calls below fail with ``EPERM`` (``clone3`` with ``ENOSYS``, so that the C library falls back
to ``clone``, whose flags a filter can read). System calls of another architecture (32-bit
``int 0x80`` on x86-64) kill the process: that is libseccomp's default for a foreign ABI.

It is built with libseccomp, through its official Python binding (Debian/Ubuntu package
``python3-seccomp``, for the system's ``/usr/bin/python3``): this file, run as a script by that
interpreter, prints the BPF program that bubblewrap loads with ``--seccomp FD`` just before it
starts the runner. The project's own interpreter only calls :func:`bpf_program`; the script part
imports nothing but the standard library and ``seccomp``.
"""

from __future__ import annotations

import errno
import json
import os
import subprocess
import sys
from functools import lru_cache
from pathlib import Path
from typing import Any

SYSTEM_PYTHON = "/usr/bin/python3"
"""The interpreter that has Debian's libseccomp binding (``apt-get install python3-seccomp``)."""

DENIED: dict[str, tuple[str, ...]] = {
    "namespaces and mounts": (
        "unshare",
        "setns",
        "mount",
        "umount2",
        "pivot_root",
        "chroot",
        "fsopen",
        "fsconfig",
        "fsmount",
        "fspick",
        "move_mount",
        "open_tree",
        "mount_setattr",
        "open_by_handle_at",
        "name_to_handle_at",
    ),
    "other processes' memory": (
        "ptrace",
        "process_vm_readv",
        "process_vm_writev",
        "kcmp",
        "pidfd_getfd",
        "process_madvise",
    ),
    "kernel keyrings": ("keyctl", "add_key", "request_key"),
    "kernel programs and tracing": (
        "bpf",
        "perf_event_open",
        "userfaultfd",
        "io_uring_setup",
        "io_uring_enter",
        "io_uring_register",
        "fanotify_init",
        "lookup_dcookie",
    ),
    "kernel modules and boot": (
        "kexec_load",
        "kexec_file_load",
        "init_module",
        "finit_module",
        "delete_module",
        "reboot",
    ),
    "system administration": (
        "swapon",
        "swapoff",
        "acct",
        "quotactl",
        "quotactl_fd",
        "syslog",
        "sethostname",
        "setdomainname",
        "settimeofday",
        "clock_settime",
        "clock_adjtime",
        "adjtimex",
        "vhangup",
        "iopl",
        "ioperm",
        "modify_ldt",
        "uselib",
        "nfsservctl",
        "personality",
    ),
}
"""System calls refused with EPERM, by what they reach (Linux names, x86-64 and arm64)."""

NAMESPACE_CLONE_FLAGS: dict[str, int] = {
    "CLONE_NEWNS": 0x00020000,
    "CLONE_NEWCGROUP": 0x02000000,
    "CLONE_NEWUTS": 0x04000000,
    "CLONE_NEWIPC": 0x08000000,
    "CLONE_NEWUSER": 0x10000000,
    "CLONE_NEWPID": 0x20000000,
    "CLONE_NEWNET": 0x40000000,
}
"""``clone`` flags (linux/sched.h) that create a namespace; ``clone`` with any of them fails."""

ENOSYS_CALLS = ("clone3",)
"""Refused with ENOSYS: its flags live in memory a filter cannot read, and glibc then uses clone."""


class SeccompUnavailable(RuntimeError):
    """libseccomp's Python binding is missing, so no filter can be built."""


def denied_syscalls() -> list[str]:
    """Every system call refused outright, sorted (``clone`` with namespace flags aside)."""
    return sorted({name for group in DENIED.values() for name in group} | set(ENOSYS_CALLS))


SINGLE_PROCESS: tuple[str, ...] = ("clone", "clone3", "fork", "vfork")
"""Refused, on top of the sandbox's filter, in a game's own process (:mod:`.runner`): it stays
one thread of one process, so the kernel's per-thread counters show all the CPU it uses."""


def _spec(profile: str) -> dict[str, list[Any]]:
    if profile == "sandbox":
        return {
            "denied": sorted({n for g in DENIED.values() for n in g}),
            "enosys": list(ENOSYS_CALLS),
            "clone_flags": sorted(NAMESPACE_CLONE_FLAGS.values()),
        }
    if profile == "single-process":
        return {"denied": sorted(SINGLE_PROCESS), "enosys": [], "clone_flags": []}
    raise ValueError(f"no seccomp profile {profile!r}")


@lru_cache(maxsize=2)
def bpf_program(profile: str = "sandbox") -> bytes:
    """A filter as a BPF program (struct sock_filter array, 8 bytes per instruction).

    ``profile``: "sandbox" (the deny list above, for every process in the sandbox) or
    "single-process" (no new thread or process). Built once per process by
    :data:`SYSTEM_PYTHON` running this file; raises :class:`SeccompUnavailable` when that
    interpreter or its ``seccomp`` module is missing.
    """
    spec = _spec(profile)
    if not os.path.exists(SYSTEM_PYTHON):
        raise SeccompUnavailable(f"{SYSTEM_PYTHON} is missing (apt-get install python3-seccomp)")
    proc = subprocess.run(
        [SYSTEM_PYTHON, "-I", str(Path(__file__).resolve())],
        input=json.dumps(spec).encode(),
        capture_output=True,
        timeout=60,
        env={"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"},
    )
    program = proc.stdout
    if proc.returncode != 0 or not program or len(program) % 8:
        error = proc.stderr.decode("utf-8", "replace").strip().splitlines()
        raise SeccompUnavailable(
            "could not build the sandbox's seccomp filter with libseccomp "
            f"({error[-1] if error else f'exit status {proc.returncode}'}); "
            "install Debian's python3-seccomp (apt-get install python3-seccomp)"
        )
    return program


def _export(spec: dict[str, list[Any]]) -> None:  # pragma: no cover - runs under the system python
    """Build the filter described by ``spec`` with libseccomp and write its BPF to stdout."""
    try:
        import seccomp
    except ImportError:
        sys.exit("the seccomp module (Debian package python3-seccomp) is not installed")
    flt = seccomp.SyscallFilter(defaction=seccomp.ALLOW)
    for name in spec["denied"]:
        flt.add_rule(seccomp.ERRNO(errno.EPERM), name)
    for name in spec["enosys"]:
        flt.add_rule(seccomp.ERRNO(errno.ENOSYS), name)
    for flag in spec["clone_flags"]:
        flt.add_rule(seccomp.ERRNO(errno.EPERM), "clone", seccomp.Arg(0, seccomp.MASKED_EQ, flag, flag))
    flt.export_bpf(sys.stdout)


if __name__ == "__main__":  # pragma: no cover - the system python builds the filter here
    _export(json.loads(sys.stdin.read()))
