"""The sandbox's command line, pinned: every bubblewrap option of one run, the runner's
configuration and the resource limits the runner sets. A change to any of them is a change to
the sandbox and must show up here (and in docs/security.md), never slip in with a refactor."""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from smarttouch.challenges import sandbox as sandbox_mod

NAMESPACES = [
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
IDENTITY = {
    "userns": [
        "--unshare-user",
        "--uid",
        "65534",
        "--gid",
        "65534",
        "--disable-userns",
        "--assert-userns-disabled",
    ],
    "setuid": ["--cap-drop", "ALL", "--cap-add", "CAP_SETUID", "--cap-add", "CAP_SETGID"],
}
ENVIRONMENT = [
    *("--setenv", "PATH", "/usr/bin:/bin"),
    *("--setenv", "LANG", "C.UTF-8"),
    *("--setenv", "HOME", "/tmp"),
    *("--setenv", "OPENBLAS_NUM_THREADS", "1"),
    *("--setenv", "OMP_NUM_THREADS", "1"),
    *("--setenv", "MKL_NUM_THREADS", "1"),
    *("--setenv", "SDL_VIDEODRIVER", "dummy"),
    *("--setenv", "SDL_AUDIODRIVER", "dummy"),
    *("--setenv", "PYGAME_HIDE_SUPPORT_PROMPT", "1"),
    *("--setenv", "MPLBACKEND", "Agg"),
]
PRIVATE_FS = [
    "--proc",
    "/proc",
    "--dev",
    "/dev",
    "--size",
    str(64 * 1024 * 1024),
    "--perms",
    "1777",
    "--tmpfs",
    "/tmp",
]
#: options that would give the sandbox a writable or device view of the host, or its network
NEVER = {
    "--bind",
    "--bind-try",
    "--dev-bind",
    "--dev-bind-try",
    "--share-net",
    "--remount-ro",
    "--userns",
    "--userns2",
}


def _box(identity: str) -> sandbox_mod.Sandbox:
    try:  # a stand-in executable: only the command line is looked at
        return sandbox_mod.Sandbox(bwrap="/usr/bin/true", identity=identity)
    except (sandbox_mod.SandboxUnavailable, ValueError) as exc:
        pytest.skip(f"sandbox unavailable in identity {identity}: {exc}")


def _system_part(args: list[str]) -> list[str]:
    """The host's /usr and its top-level links or folders, read-only (host-dependent)."""
    assert args[:3] == ["--ro-bind", "/usr", "/usr"]
    i = 3
    while i < len(args):
        assert args[i] in ("--symlink", "--ro-bind", "--ro-bind-try"), args[i]
        i += 3
    return args


@pytest.mark.parametrize("identity", ["userns", "setuid"])
def test_every_option_of_one_run_is_pinned(tmp_path: Path, identity: str) -> None:
    box = _box(identity)
    config = {
        "protocol": "in_process",
        "entrypoint": "solution:Analyzer",
        "result_fd": 9,
        "limits": {"cpu_s": 10, "memory_mb": 1024, "file_size_mb": 16, "nproc": 8},
        "options": {},
    }
    harness = tmp_path / "harness.py"
    argv, fds = box._command(config, tmp_path / "solution", tmp_path / "input", tmp_path, harness=harness)
    try:
        seccomp, sandboxed, game_filter, options_fd = fds
        assert argv == [
            "/usr/bin/true",
            "--args",
            str(options_fd),
            "--",
            "./" + os.path.basename(sys.executable),
            "-I",
            "-B",
            "/sandbox/runner.py",
            "/sandbox/config.json",
        ]
        options = [o.decode() for o in os.pread(options_fd, 1 << 20, 0).split(b"\0")[:-1]]
        runtime = sandbox_mod._runtime_binds()
        system = _system_part(sandbox_mod._system_args())
        mounts = [inside for _, inside in runtime] + ["/sandbox/solution", "/sandbox/input"]
        parents = [a for p in sandbox_mod._parents_to_create(mounts) for a in ("--perms", "0755", "--dir", p)]
        expected = [
            *NAMESPACES,
            *IDENTITY[identity],
            *ENVIRONMENT,
            *system,
            *PRIVATE_FS,
            *parents,
            *[a for host, inside in runtime for a in ("--ro-bind", host, inside)],
            *("--ro-bind", str(tmp_path / "solution"), "/sandbox/solution"),
            *("--ro-bind", str(tmp_path / "input"), "/sandbox/input"),
            *("--ro-bind", str(sandbox_mod.RUNNER), "/sandbox/runner.py"),
            *("--chdir", os.path.dirname(sys.executable)),
            *("--seccomp", str(seccomp)),
            *("--perms", "0444", "--ro-bind-data", str(sandboxed), "/sandbox/config.json"),
            *("--perms", "0444", "--ro-bind-data", str(game_filter), "/sandbox/game-seccomp.bpf"),
            *("--ro-bind", str(harness), "/sandbox/harness.py"),
        ]
        assert options == expected
        assert not NEVER & set(options)
        assert all(host == inside for host, inside in runtime)  # the runtime, where it is on the host
        document = json.loads(os.pread(sandboxed, 1 << 20, 0))
        assert document["limits"] == {"cpu_s": 10, "memory_mb": 1024, "file_size_mb": 16, "nproc": 8}
        assert (document["solution"], document["inputs"], document["workdir"]) == (
            "/sandbox/solution",
            "/sandbox/input",
            "/tmp",
        )
        assert (
            document["harness"] == "/sandbox/harness.py"
            and document["game_filter"] == "/sandbox/game-seccomp.bpf"
        )
        if identity == "setuid":
            uid, gid = document["drop_to"]
            assert uid == gid and 1_000_000 <= uid < 2_000_000
        else:
            assert document["drop_to"] is None
        assert os.pread(seccomp, 1 << 20, 0) == sandbox_mod.bpf_program()
        assert os.pread(game_filter, 1 << 20, 0) == sandbox_mod.bpf_program("single-process")
    finally:
        for fd in fds:
            os.close(fd)


def test_bubblewrap_itself_gets_two_variables() -> None:
    assert sandbox_mod._BWRAP_ENV == {"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"}


RLIMITS = """
import resource, sys
sys.path.insert(0, {folder!r})
from runner import apply_limits
apply_limits({{"cpu_s": 7, "memory_mb": 900, "file_size_mb": 5, "nproc": 6}})
names = ("CORE", "CPU", "AS", "FSIZE", "NOFILE", "NPROC")
print({{n: resource.getrlimit(getattr(resource, "RLIMIT_" + n)) for n in names}})
"""


def test_the_runner_lowers_every_resource_limit() -> None:
    """Run in a child process: the limits would bind this one too."""
    code = RLIMITS.format(folder=str(sandbox_mod.RUNNER.parent))
    out = subprocess.run(
        [sys.executable, "-I", "-c", code], capture_output=True, text=True, check=True
    ).stdout
    mib = 1024 * 1024
    assert ast.literal_eval(out) == {
        "CORE": (0, 0),
        "CPU": (7, 8),
        "AS": (900 * mib, 900 * mib),
        "FSIZE": (5 * mib, 5 * mib),
        "NOFILE": (256, 256),
        "NPROC": (6, 6),
    }
