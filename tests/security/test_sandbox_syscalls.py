"""Issue 13 item 7: the sandbox keeps no user namespaces and filters system calls, in every mode.

Replays the probe (``unshare(CLONE_NEWUSER)`` returned 0 and ``Seccomp: 0`` inside a sandbox
started by root) and checks what pid 1 shows the solution: no host path on its command line,
none of the worker's environment, and no process inside left without the filter (bubblewrap's
own pid 1 was one, writable through ``/proc/1/mem`` from a user-namespace sandbox).
"""

from __future__ import annotations

import json
import os
import platform
import sys
from pathlib import Path

import pytest

from smarttouch.challenges import sandbox as sandbox_mod
from smarttouch.challenges.syscall_filter import DENIED, denied_syscalls
from tests.security.sandbox_support import IDENTITIES, run_analyzer, sandbox_for, small_bundle

# Syscall numbers (asm/unistd.h) of calls that have no glibc wrapper, per machine.
NUMBERS = {
    "x86_64": {"clone": 56, "bpf": 321, "perf_event_open": 298, "userfaultfd": 323, "keyctl": 250},
    "aarch64": {"clone": 220, "bpf": 280, "perf_event_open": 241, "userfaultfd": 282, "keyctl": 219},
}

PROBE = """
import ctypes, errno, os, signal, threading

NUMBERS = {numbers!r}
CLONE_NEWUSER, CLONE_NEWNS, CLONE_NEWNET = 0x10000000, 0x00020000, 0x40000000
libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long


def child_exit(result):
    if result == 0:  # this is the child of a clone that should not have happened
        os._exit(0)
    return result


def refused(label, call):
    ctypes.set_errno(0)
    try:
        result = call()
    except OSError as exc:
        return f"{{label}}: {{exc}}"
    if result > 0:  # a clone that made a child: end it, it is a failure all the same
        try:
            os.kill(result, signal.SIGKILL)
        except OSError:
            pass
    if result >= 0:
        return f"{{label}} succeeded"
    return None if ctypes.get_errno() in (errno.EPERM, errno.ENOSYS) else f"{{label}}: errno {{ctypes.get_errno()}}"


class Solution:
    def analyze(self, recording):
        problems = []
        status = dict(line.split(":", 1) for line in open("/proc/self/status").read().splitlines())
        if status["Seccomp"].strip() != "2":
            problems.append(f"Seccomp: {{status['Seccomp'].strip()}}")
        if status["NoNewPrivs"].strip() != "1":
            problems.append("no_new_privs is not set")
        pid1 = open("/proc/1/cmdline", "rb").read().replace(b"\\0", b" ").decode()
        for host_path in {host_paths!r}:
            if host_path in pid1:
                problems.append(f"/proc/1/cmdline shows {{host_path}}: {{pid1}}")
        try:
            environ = open("/proc/1/environ", "rb").read()
        except OSError:
            environ = b""
        if b"{secret}" in environ:
            problems.append("/proc/1/environ shows the worker's environment")
        for pid in (p for p in os.listdir("/proc") if p.isdigit() and int(p) != os.getpid()):
            try:
                other = open(f"/proc/{{pid}}/status").read()
            except OSError:
                continue
            if "Seccomp:\t2" not in other:
                problems.append(f"process {{pid}} in the sandbox runs without the seccomp filter")
        net_ns = os.open("/proc/self/ns/net", os.O_RDONLY)
        checks = [
            ("mount", lambda: libc.mount(b"none", b"/tmp", b"tmpfs", 0, None)),
            ("umount2", lambda: libc.umount2(b"/proc", 2)),
            ("chroot", lambda: libc.chroot(b"/tmp")),
            ("setns", lambda: libc.setns(net_ns, 0)),
            ("bpf", lambda: libc.syscall(NUMBERS["bpf"], 0, None, 0)),
            ("perf_event_open", lambda: libc.syscall(NUMBERS["perf_event_open"], None, 0, -1, -1, 0)),
            ("userfaultfd", lambda: libc.syscall(NUMBERS["userfaultfd"], 0)),
            ("keyctl", lambda: libc.syscall(NUMBERS["keyctl"], 0, -3, 0)),
            ("clone(CLONE_NEWUSER)", lambda: child_exit(libc.syscall(NUMBERS["clone"], CLONE_NEWUSER | 17, 0, 0, 0, 0))),
            ("clone(CLONE_NEWNET)", lambda: child_exit(libc.syscall(NUMBERS["clone"], CLONE_NEWNET | 17, 0, 0, 0, 0))),
            ("unshare(CLONE_NEWNS)", lambda: libc.unshare(CLONE_NEWNS)),
            ("unshare(CLONE_NEWUSER)", lambda: libc.unshare(CLONE_NEWUSER)),
        ]
        problems += [p for p in (refused(label, call) for label, call in checks) if p]
        pid = os.fork()  # ordinary processes and threads still work
        if pid == 0:
            os._exit(0)
        os.waitpid(pid, 0)
        worker = threading.Thread(target=problems.sort)
        worker.start()
        worker.join()
        problems += [p for p in [refused("ptrace(PTRACE_TRACEME)", lambda: libc.ptrace(0, 0, None, None))] if p]
        if problems:
            raise RuntimeError("; ".join(problems))
        return {{"reps": 2}}
"""


@pytest.mark.skipif(platform.machine() not in NUMBERS, reason="syscall numbers known for x86_64 and arm64")
@pytest.mark.parametrize("identity", IDENTITIES)
def test_no_namespaces_and_seccomp_inside(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, identity: str
) -> None:
    secret = "worker-secret-5d1e"
    monkeypatch.setenv("SMARTTOUCH_PROBE_SECRET", secret)
    challenge = small_bundle(tmp_path / "bundle")
    host_paths = [str(tmp_path), str(sandbox_mod.RUNNER.parent), sys.prefix]
    code = PROBE.format(numbers=NUMBERS[platform.machine()], host_paths=host_paths, secret=secret)
    result = run_analyzer(tmp_path, challenge, sandbox_for(identity), code)
    assert result.status == "scored", result.message + (result.splits[-1].log if result.splits else "")


@pytest.mark.parametrize("identity", IDENTITIES)
def test_bubblewrap_command_line_names_no_host_path(tmp_path: Path, identity: str) -> None:
    box = sandbox_for(identity)
    config = {"limits": {"nproc": 8}}
    argv, fds = box._command(config, tmp_path / "solution", tmp_path / "input", tmp_path)
    try:
        assert argv[argv.index("--") :] == [
            "--",
            "./" + os.path.basename(sys.executable),
            "-I",
            "-B",
            "/sandbox/runner.py",
            "/sandbox/config.json",
        ]
        assert argv[1:3] == ["--args", str(fds[-1])]
        options = os.pread(fds[-1], 1 << 20, 0).split(b"\0")
        assert (
            b"--seccomp" in options
            and b"--as-pid-1" in options
            and str(tmp_path / "solution").encode() in options
        )
        if identity == "userns":
            assert b"--disable-userns" in options and b"--assert-userns-disabled" in options
        sandboxed = json.loads(os.pread(fds[1], 1 << 20, 0))
        assert sandboxed["solution"] == "/sandbox/solution" and str(tmp_path) not in json.dumps(sandboxed)
    finally:
        for fd in fds:
            os.close(fd)


def test_the_filter_names_the_issue_s_syscalls() -> None:
    named = {"ptrace", "mount", "umount2", "unshare", "setns", "keyctl", "add_key", "request_key", "bpf"}
    named |= {"perf_event_open", "userfaultfd", "kexec_load", "init_module", "finit_module", "delete_module"}
    named |= {"pivot_root", "chroot", "swapon", "reboot", "clone3"}
    assert named <= set(denied_syscalls())
    assert all(groups for groups in DENIED.values())
