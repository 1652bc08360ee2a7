"""Run untrusted solution code under bubblewrap: no network, non-root, read-only, limited.

What the sandboxed process sees: a read-only view of the Python runtime (interpreter, the
venv's site-packages and the ``sensors``/``scoring``/``games`` parts of SmartTouch), the staged
solution at ``/sandbox/solution`` (read-only), the label-free input recordings at
``/sandbox/input`` (read-only), the trusted runner at ``/sandbox/runner.py`` with its
configuration ``/sandbox/config.json`` (and, for kinds whose solutions run in the runner's
process, the kind's harness at ``/sandbox/harness.py``), a private size-capped tmpfs ``/tmp`` (its only writable
place; also its working folder), fresh ``/proc`` and ``/dev``, an empty environment. It never
sees labels, the hub's instance folder, database, secret key or other submissions: they are
simply not mounted. bubblewrap gets its options, the configuration and the seccomp program
through in-memory files and a two-variable environment, and leaves no process of its own in the
sandbox (``--as-pid-1``: the runner is pid 1), so nothing inside runs without the seccomp filter
or can read the worker's variables, and ``/proc/1/cmdline`` names no host path.

Namespaces: network (only a private loopback), pid (the runner is its pid 1: when it exits,
every process left inside is killed), ipc, uts, mount; ``--die-with-parent`` and
``--new-session``. Identity: when the worker runs as an ordinary user, bubblewrap maps it to
uid/gid 65534 in a new user namespace (``--unshare-user --uid 65534``) and forbids nested user
namespaces (``--disable-userns --assert-userns-disabled``). When the worker runs as root, a user
namespace would map the solution back to host root, for which the kernel does not enforce the
process limit (measured: a fork bomb was not stopped), and bubblewrap accepts
``--disable-userns`` only with one; so bubblewrap then keeps only CAP_SETUID/CAP_SETGID and the
runner drops for good to a fresh unprivileged host uid of its own before loading any solution code.

System calls (:mod:`.syscall_filter`, libseccomp): in both identities a seccomp filter refuses
every way to a new namespace (``unshare``, ``setns``, ``clone`` with a namespace flag,
``clone3``), mounts, ``ptrace`` and other processes' memory, keyrings, ``bpf``,
``perf_event_open``, ``userfaultfd``, io_uring, module loading, ``kexec``, reboot and the other
administration calls; bubblewrap sets no_new_privs.

Limits (set by the runner, :mod:`.runner`): CPU seconds, address space, processes, file size,
open files, no core dumps; here: a wall-clock deadline after which the whole sandbox is killed
(SIGKILL to bubblewrap's process group; the pid namespace takes every descendant with it) and
caps on the result document and on the log (stdout+stderr) read through pipes.
"""

from __future__ import annotations

import json
import os
import secrets
import selectors
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from smarttouch.challenges.bundle import Limits
from smarttouch.challenges.syscall_filter import SeccompUnavailable, bpf_program

RUNNER = Path(__file__).with_name("runner.py")
GAME_FILTER = "/sandbox/game-seccomp.bpf"  # the single-process filter a game's process loads
HARNESS = "/sandbox/harness.py"  # the challenge kind's harness (in-process protocol)
PACKAGE_DIR = Path(__file__).resolve().parents[1]  # the smarttouch package
SANDBOX_PACKAGES = ("sensors", "scoring", "games")
SANDBOX_MODULES = ("paths.py", "files.py")  # neutral modules the visible rooms import
NOBODY = 65534
LOG_KEEP_BYTES = 64 * 1024
LOG_CAP_BYTES = 2 * 1024 * 1024
TMP_MB = 64
_ENV = {
    "PATH": "/usr/bin:/bin",
    "LANG": "C.UTF-8",
    "HOME": "/tmp",
    "OPENBLAS_NUM_THREADS": "1",
    "OMP_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
    "SDL_VIDEODRIVER": "dummy",
    "SDL_AUDIODRIVER": "dummy",
    "PYGAME_HIDE_SUPPORT_PROMPT": "1",
    "MPLBACKEND": "Agg",
}
_BWRAP_ENV = {"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"}
"""bubblewrap's own environment: the worker's variables (secret key, database URL) never
reach the sandbox, not even through a process of bubblewrap's that the solution could read."""
_USERNS_ARGS = ("--unshare-user", "--uid", str(NOBODY), "--gid", str(NOBODY), "--disable-userns")


class SandboxUnavailable(RuntimeError):
    """bubblewrap is missing or unusable here; untrusted code is refused."""


@dataclass(frozen=True)
class SandboxRun:
    """What came out of one sandboxed run (all of it untrusted except the measurements).

    Attributes:
        exit_code: the sandbox's exit status (128+N when killed by signal N), None if killed
            by the wall-clock deadline or a cap.
        result: the raw result document the runner wrote, or None.
        log: the last 64 KiB of the solution's stdout and stderr, decoded leniently.
        wall_s: wall-clock seconds from start to exit.
        timed_out: the wall-clock deadline was reached.
        overflow: "log" or "result" when that stream went past its cap, else None.
    """

    exit_code: int | None
    result: bytes | None
    log: str
    wall_s: float
    timed_out: bool = False
    overflow: str | None = None


def bwrap_path() -> str | None:
    """The bubblewrap executable, or None."""
    return shutil.which("bwrap") or ("/usr/bin/bwrap" if os.path.exists("/usr/bin/bwrap") else None)


@lru_cache(maxsize=4)
def _probe(bwrap: str, as_root: bool) -> str | None:
    """None when a minimal sandbox with the seccomp filter starts here, else the error."""
    args = [bwrap, "--unshare-net", "--unshare-pid", "--die-with-parent", "--ro-bind", "/", "/"]
    if not as_root:
        args[1:1] = [*_USERNS_ARGS]
    seccomp = _memfd("seccomp", bpf_program())
    try:
        proc = subprocess.run(
            args + ["--seccomp", str(seccomp), "true"],
            capture_output=True,
            text=True,
            timeout=20,
            pass_fds=(seccomp,),
            env=_BWRAP_ENV,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        return str(exc)
    finally:
        os.close(seccomp)
    return None if proc.returncode == 0 else (proc.stderr.strip() or f"exit status {proc.returncode}")


def _memfd(name: str, data: bytes) -> int:
    """An anonymous in-memory file holding ``data``, positioned at its start (for bwrap to read)."""
    fd = os.memfd_create(name, 0)
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]
    os.lseek(fd, 0, os.SEEK_SET)
    return fd


def _runtime_binds() -> list[tuple[str, str]]:
    """(host path, sandbox path) read-only binds of the Python runtime and our libraries."""
    binds: list[str] = []

    def covered(path: str) -> bool:
        return any(path == b or path.startswith(b.rstrip("/") + "/") for b in binds + ["/usr"])

    for path in (sys.base_prefix, sys.prefix, *_site_dirs()):
        real = os.path.realpath(path)
        for p in (path, real):
            if os.path.isdir(p) and not covered(p):
                binds.append(p)
    pkg = PACKAGE_DIR
    out = [(b, b) for b in binds]
    if not covered(str(pkg)):
        out.append((str(pkg / "__init__.py"), str(pkg / "__init__.py")))
        out += [(str(pkg / name), str(pkg / name)) for name in SANDBOX_PACKAGES if (pkg / name).is_dir()]
        out += [(str(pkg / name), str(pkg / name)) for name in SANDBOX_MODULES if (pkg / name).is_file()]
    return out


def _site_dirs() -> list[str]:
    import site

    return [p for p in site.getsitepackages() if os.path.isdir(p)]


def _system_args() -> list[str]:
    args = ["--ro-bind", "/usr", "/usr"]
    for name in ("bin", "sbin", "lib", "lib64", "lib32", "libx32"):
        host = f"/{name}"
        if os.path.islink(host):
            args += ["--symlink", os.readlink(host), host]
        elif os.path.isdir(host):
            args += ["--ro-bind", host, host]
    for etc in ("/etc/ld.so.cache", "/etc/ld.so.conf", "/etc/ld.so.conf.d", "/etc/localtime"):
        args += ["--ro-bind-try", etc, etc]
    return args


def _parents_to_create(mounts: list[str]) -> list[str]:
    """Ancestors of the mount points, outermost first, to create world-traversable (0755);
    bubblewrap would otherwise copy restrictive modes (e.g. /root is 0700 on the host)."""
    made = {"/", "/usr", "/tmp", "/proc", "/dev"}
    out = []
    for mount in mounts:
        for parent in reversed(Path(mount).parents):
            p = str(parent)
            if p not in made and not any(p.startswith(m.rstrip("/") + "/") or p == m for m in mounts):
                made.add(p)
                out.append(p)
    return out


def _user_process_count(uid: int) -> int:
    count = 0
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                if os.stat(f"/proc/{entry}").st_uid == uid:
                    count += 1
            except OSError:
                continue
    return count


class Sandbox:
    """Runs the trusted runner (and through it a solution) in a bubblewrap sandbox.

    ``unsafe=True`` runs without bubblewrap (rlimits and a cleared environment only): for local
    development of a solution, never for code you did not write.
    """

    def __init__(self, *, unsafe: bool = False, bwrap: str | None = None, identity: str = "auto") -> None:
        """``identity``: "auto" (by the worker's own uid), "userns" (map to uid 65534 in a new
        user namespace) or "setuid" (root only: drop to a fresh host uid inside)."""
        if identity not in ("auto", "userns", "setuid"):
            raise ValueError(f"identity must be auto, userns or setuid, got {identity!r}")
        if identity == "setuid" and os.geteuid() != 0:
            raise ValueError("identity 'setuid' needs the worker to run as root")
        self.unsafe = unsafe
        self.as_root = os.geteuid() == 0 if identity == "auto" else identity == "setuid"
        self.bwrap = None if unsafe else (bwrap or bwrap_path())
        if not unsafe:
            if self.bwrap is None:
                raise SandboxUnavailable(
                    "bubblewrap (bwrap) is not installed, so untrusted solution code cannot be "
                    "isolated; install it (Debian/Ubuntu: apt-get install bubblewrap). For local "
                    "development of your own code only, use --unsafe-no-sandbox."
                )
            try:
                bpf_program()
                bpf_program("single-process")
            except SeccompUnavailable as exc:
                raise SandboxUnavailable(f"the sandbox's system-call filter is unavailable: {exc}") from exc
            problem = _probe(self.bwrap, self.as_root)
            if problem:
                raise SandboxUnavailable(
                    f"bubblewrap cannot create a sandbox here ({problem}); are user namespaces "
                    "disabled? Untrusted code is refused (--unsafe-no-sandbox for local development)."
                )

    def run(
        self,
        *,
        protocol: str,
        harness: Path | None,
        solution_dir: Path,
        entrypoint: str,
        inputs_dir: Path,
        limits: Limits,
        options: dict | None = None,
    ) -> SandboxRun:
        """Run ``entrypoint`` of the staged solution over the recordings in ``inputs_dir`` by
        the challenge kind's ``protocol`` (``in_process`` through its ``harness`` file, bound
        read-only at ``/sandbox/harness.py``; or ``game_process``, see :mod:`.runner`)."""
        read_fd, write_fd = os.pipe()
        extra_fds: list[int] = []
        try:
            config = {
                "protocol": protocol,
                "entrypoint": entrypoint,
                "result_fd": write_fd,
                "limits": {
                    "cpu_s": limits.cpu_s,
                    "memory_mb": limits.memory_mb,
                    "file_size_mb": limits.file_size_mb,
                    "nproc": limits.max_procs,
                },
                "options": options or {},
            }
            with tempfile.TemporaryDirectory(prefix="st-sandbox-") as scratch:
                argv, extra_fds = self._command(
                    config, Path(solution_dir), Path(inputs_dir), Path(scratch), harness=harness
                )
                proc = subprocess.Popen(
                    argv,
                    stdin=subprocess.DEVNULL,
                    stdout=subprocess.PIPE,
                    stderr=subprocess.STDOUT,
                    pass_fds=(write_fd, *extra_fds),
                    start_new_session=True,
                    cwd=scratch,
                    env=None if self.unsafe else _BWRAP_ENV,
                )
                for fd in (write_fd, *extra_fds):
                    os.close(fd)
                write_fd, extra_fds = -1, []
                return _collect(proc, read_fd, limits)
        finally:
            for fd in (write_fd, *extra_fds):
                if fd >= 0:
                    os.close(fd)
            os.close(read_fd)

    def _command(
        self,
        config: dict[str, Any],
        solution: Path,
        inputs: Path,
        scratch: Path,
        *,
        harness: Path | None = None,
    ) -> tuple[list[str], list[int]]:
        """(argv, descriptors to hand over) of one run.

        Sandboxed, bubblewrap's options, the runner's configuration and the seccomp program
        are passed through in-memory files, and the runner is pid 1 of the sandbox
        (``--as-pid-1``), started from its interpreter's folder as ``./python``: no process
        inside is left without the seccomp filter, and ``/proc/1/cmdline`` names no host path.
        """
        python = [sys.executable, "-I", "-B"]
        if self.unsafe:
            config.update(
                harness=str(harness) if harness else None,
                solution=str(solution),
                inputs=str(inputs),
                workdir=str(scratch),
                allowed_roots=["/"],
                drop_to=None,
            )
            if not self.as_root:
                config["limits"]["nproc"] += _user_process_count(os.getuid())
            config_path = scratch / "config.json"
            config_path.write_text(json.dumps(config))
            return python + [str(RUNNER), str(config_path)], []
        fds: list[int] = []
        try:
            fds.append(_memfd("seccomp", bpf_program()))
            config["harness"] = HARNESS if harness is not None else None
            fds.append(_memfd("config", json.dumps(self._sandbox_config(config)).encode()))
            fds.append(_memfd("game-seccomp", bpf_program("single-process")))
            options = self._options(solution, inputs)
            options += ["--seccomp", str(fds[0])]
            options += ["--perms", "0444", "--ro-bind-data", str(fds[1]), "/sandbox/config.json"]
            options += ["--perms", "0444", "--ro-bind-data", str(fds[2]), GAME_FILTER]
            if harness is not None:
                options += ["--ro-bind", str(harness), HARNESS]
            fds.append(_memfd("args", b"".join(a.encode() + b"\0" for a in options)))
        except BaseException:
            for fd in fds:
                os.close(fd)
            raise
        interpreter = "./" + os.path.basename(sys.executable)
        runner = [interpreter, "-I", "-B", "/sandbox/runner.py", "/sandbox/config.json"]
        return [str(self.bwrap), "--args", str(fds[-1]), "--", *runner], fds

    def _sandbox_config(self, config: dict[str, Any]) -> dict[str, Any]:
        """``config`` completed with the paths as the runner sees them and its identity."""
        runtime = _runtime_binds()
        config.update(
            solution="/sandbox/solution",
            inputs="/sandbox/input",
            workdir="/tmp",
            game_filter=GAME_FILTER,
            allowed_roots=["/sandbox", "/tmp", "/usr", "/proc", "/dev", "/sys", "/etc"]
            + [inside if os.path.isdir(host) else os.path.dirname(inside) for host, inside in runtime],
        )
        if self.as_root:
            uid = 1_000_000 + secrets.randbelow(1_000_000)
            config["drop_to"] = [uid, uid]
        else:
            config["drop_to"] = None
        return config

    def _options(self, solution: Path, inputs: Path) -> list[str]:
        """bubblewrap's options (namespaces, identity, environment, mounts) for one run."""
        runtime = _runtime_binds()
        args = [
            "--unshare-net",
            "--unshare-pid",
            "--unshare-ipc",
            "--unshare-uts",
            "--as-pid-1",
            "--die-with-parent",
            "--new-session",
            "--clearenv",
            "--hostname",
            "sandbox",
        ]
        if self.as_root:
            # --disable-userns needs --unshare-user, which for a root caller maps the sandbox
            # to host uid 0; the seccomp filter refuses every way to a new namespace instead.
            args += ["--cap-drop", "ALL", "--cap-add", "CAP_SETUID", "--cap-add", "CAP_SETGID"]
        else:
            args += [*_USERNS_ARGS, "--assert-userns-disabled"]
        for key, value in _ENV.items():
            args += ["--setenv", key, value]
        args += _system_args()
        # The private /tmp comes first so that a runtime living under /tmp on the host (a
        # checkout or virtualenv in /tmp, as on some CI machines) is bound on top of it
        # instead of being hidden by it.
        args += [
            "--proc",
            "/proc",
            "--dev",
            "/dev",
            "--size",
            str(TMP_MB * 1024 * 1024),
            "--perms",
            "1777",
            "--tmpfs",
            "/tmp",
        ]
        mounts = [inside for _, inside in runtime] + ["/sandbox/solution", "/sandbox/input"]
        for parent in _parents_to_create(mounts):
            args += ["--perms", "0755", "--dir", parent]
        for host, inside in runtime:
            args += ["--ro-bind", host, inside]
        args += [
            "--ro-bind",
            str(solution),
            "/sandbox/solution",
            "--ro-bind",
            str(inputs),
            "/sandbox/input",
            "--ro-bind",
            str(RUNNER),
            "/sandbox/runner.py",
            "--chdir",  # the runner starts as ./python here, then works in /tmp
            os.path.dirname(sys.executable),
        ]
        return args


def _children(pid: int) -> list[int]:
    """The live processes whose parent is ``pid``, from ``/proc/*/stat``."""
    found = []
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", "rb") as fh:
                stat = fh.read()
        except OSError:
            continue
        if int(stat[stat.rindex(b")") + 2 :].split()[1]) == pid:  # after the name: state, ppid
            found.append(int(entry.name))
    return found


def _kill(proc: subprocess.Popen) -> None:
    # First the runner: bubblewrap's child and pid 1 of the sandbox's namespace (killing it
    # kills every process in it). It is in a session of its own (--new-session), and once it has
    # dropped to a uid of its own, bubblewrap's --die-with-parent no longer takes it down: killing
    # bubblewrap's group alone left a sleeping solution running past its wall-clock deadline.
    for child in _children(proc.pid):
        try:
            os.kill(child, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    try:
        proc.kill()
    except ProcessLookupError:
        pass


def _collect(proc: subprocess.Popen, result_fd: int, limits: Limits) -> SandboxRun:
    """Read log and result until both close or a deadline/cap is hit; then reap the process."""
    start = time.monotonic()
    deadline = start + limits.wall_s
    result_cap = limits.output_kb * 1024
    log_tail = bytearray()
    log_total = 0
    result = bytearray()
    timed_out = False
    overflow = None
    assert proc.stdout is not None
    sel = selectors.DefaultSelector()
    sel.register(proc.stdout.fileno(), selectors.EVENT_READ, "log")
    sel.register(result_fd, selectors.EVENT_READ, "result")
    open_streams = 2
    try:
        while open_streams and overflow is None:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                timed_out = True
                break
            for key, _ in sel.select(timeout=min(remaining, 0.5)):
                chunk = os.read(key.fd, 65536)
                if not chunk:
                    sel.unregister(key.fd)
                    open_streams -= 1
                elif key.data == "log":
                    log_total += len(chunk)
                    log_tail += chunk
                    del log_tail[:-LOG_KEEP_BYTES]
                    if log_total > LOG_CAP_BYTES:
                        overflow = "log"
                else:
                    result += chunk
                    if len(result) > result_cap:
                        overflow = "result"
        if timed_out or overflow:
            _kill(proc)
        else:
            try:
                proc.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                timed_out = True
                _kill(proc)
        proc.wait()
    finally:
        sel.close()
        if proc.poll() is None:
            _kill(proc)
            proc.wait()
        proc.stdout.close()
    killed = timed_out or overflow is not None
    return SandboxRun(
        exit_code=None if killed else (128 - proc.returncode if proc.returncode < 0 else proc.returncode),
        result=bytes(result) if result else None,
        log=log_tail.decode("utf-8", errors="replace"),
        wall_s=time.monotonic() - start,
        timed_out=timed_out,
        overflow=overflow,
    )
