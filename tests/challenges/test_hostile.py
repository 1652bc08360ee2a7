"""Hostile solutions: each one is contained by the sandbox and reported with the right reason."""

from __future__ import annotations

import json
import socket
import threading
import time
from pathlib import Path

import pytest

from smarttouch.challenges.bundle import load_bundle
from smarttouch.challenges.evaluation import evaluate_solution
from tests.challenges.helpers import COUNTER, make_bundle, make_solution

SECRET = "s3cr3t-d0-not-leak-7f1c"


@pytest.fixture(scope="module")
def tight(tmp_path_factory):
    """A bundle with short limits, so runaway solutions end fast."""
    root = make_bundle(
        tmp_path_factory.mktemp("tight") / "test-reps",
        n_public=1,
        n_hidden=1,
        wall_s=4,
        cpu_s=2,
        memory_mb=512,
        output_kb=16,
    )
    return load_bundle(root)


def run(tmp_path: Path, challenge, sandbox, code: str, splits=("hidden",)):
    sol = make_solution(tmp_path / "sol", code)
    return evaluate_solution(sol, challenge, sandbox=sandbox, splits=splits)


def assert_no_leak(result, *secrets: str) -> None:
    text = json.dumps(result.to_dict())
    for secret in secrets:
        assert secret not in text


def test_honest_solution_scores(tmp_path, tight, sandbox):
    result = run(tmp_path, tight, sandbox, COUNTER, splits=("public", "hidden"))
    assert result.status == "scored", result.message
    assert result.scores["hidden"]["exact_rate"] == 1.0
    assert result.scores["hidden"]["mae"] == 0.0


def test_network_connection_is_forbidden(tmp_path, tight, sandbox):
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(1)
    server.settimeout(0.2)
    port = server.getsockname()[1]
    accepted = []

    def accept() -> None:
        deadline = time.monotonic() + 6
        while time.monotonic() < deadline:
            try:
                accepted.append(server.accept())
            except OSError:
                continue

    watcher = threading.Thread(target=accept)
    watcher.start()
    code = f"""
    import socket
    class Solution:
        def analyze(self, recording):
            socket.create_connection(("127.0.0.1", {port}), timeout=2).sendall(b"labels please")
            return {{"reps": 1}}
    """
    try:
        result = run(tmp_path, tight, sandbox, code)
    finally:
        watcher.join()
        server.close()
    assert result.failure_reason == "forbidden", result.message
    assert "network" in result.message
    assert accepted == []


def test_internet_and_dns_are_forbidden(tmp_path, tight, sandbox):
    code = """
    import socket
    class Solution:
        def analyze(self, recording):
            try:
                socket.create_connection(("1.1.1.1", 53), timeout=2)
            except OSError as exc:
                first = exc
            socket.getaddrinfo("example.com", 443)
            return {"reps": 1}
    """
    result = run(tmp_path, tight, sandbox, code)
    assert result.failure_reason == "forbidden", result.message


def test_labels_db_secret_and_other_submissions_are_invisible(tmp_path, tight, sandbox):
    instance = tmp_path / "instance"
    instance.mkdir()
    (instance / "secret_key").write_text(SECRET)
    (instance / "smarttouch.db").write_text(SECRET + "-db")
    other = make_solution(tmp_path / "other-submission", f"# {SECRET}-code\nclass Solution: pass\n")
    targets = [
        str(tight.root / "hidden" / "labels.json"),
        str(instance / "secret_key"),
        str(instance / "smarttouch.db"),
        str(other / "solution.py"),
        "/work/main/instance/secret_key",
    ]
    code = f"""
    import os
    TARGETS = {targets!r}
    class Solution:
        def analyze(self, recording):
            found = {{}}
            for path in TARGETS:
                try:
                    found[path] = open(path).read()
                except OSError as exc:
                    found[path] = repr(exc)
            assert not any(os.path.exists(p) for p in TARGETS), "a protected file is visible"
            assert recording.labels == {{}}, recording.labels
            raise PermissionError(13, "could not read", TARGETS[0])
    """
    result = run(tmp_path, tight, sandbox, code)
    assert result.failure_reason == "forbidden", result.message
    assert "outside the sandbox" in result.message
    assert_no_leak(result, SECRET)


def test_sandbox_is_unprivileged_readonly_and_clean(tmp_path, tight, sandbox):
    code = """
    import os
    class Solution:
        def analyze(self, recording):
            problems = []
            if os.getuid() == 0 or os.geteuid() == 0:
                problems.append("runs as root")
            if any(k.startswith("SMARTTOUCH") or "KEY" in k or "SECRET" in k for k in os.environ):
                problems.append(f"environment not cleared: {sorted(os.environ)}")
            for path in ("/sandbox/solution/x", "/sandbox/input/x", "/usr/x"):
                try:
                    open(path, "w").write("x")
                    problems.append(f"could write {path}")
                except OSError:
                    pass
            open("/tmp/scratch", "w").write("private tmp works")
            if problems:
                raise RuntimeError("; ".join(problems))
            return {"reps": 3}
    """
    result = run(tmp_path, tight, sandbox, code)
    assert result.status == "scored", result.message + result.splits[-1].log


@pytest.mark.parametrize("bomb", ["os.fork()", "threading.Thread(target=time.sleep, args=(60,)).start()"])
def test_fork_and_thread_bombs_are_contained(tmp_path, tight, sandbox, bomb):
    code = f"""
    import os, threading, time
    class Solution:
        def analyze(self, recording):
            while True:
                {bomb}
    """
    start = time.monotonic()
    result = run(tmp_path, tight, sandbox, code)
    assert result.failure_reason == "forbidden", result.message
    assert "process limit" in result.message
    assert time.monotonic() - start < 15


def test_infinite_loop_times_out(tmp_path, tight, sandbox):
    code = """
    class Solution:
        def analyze(self, recording):
            while True:
                pass
    """
    result = run(tmp_path, tight, sandbox, code)
    assert result.status == "timed_out"
    assert result.failure_reason == "timed_out"


def _sandboxes_holding(name: str) -> list[int]:
    """Processes whose sandbox's private /tmp holds a file ``name``."""
    found = []
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit() and (entry / "root/tmp" / name).exists():
                found.append(int(entry.name))
        except OSError:
            continue
    return found


def test_sleeping_forever_hits_the_wall_clock(tmp_path, tight, sandbox):
    marker = f"sleeper-{time.time_ns()}"
    code = f"""
    import time
    class Solution:
        def analyze(self, recording):
            open("/tmp/{marker}", "w").close()
            time.sleep(3600)
    """
    result = run(tmp_path, tight, sandbox, code)
    assert result.failure_reason == "timed_out"
    assert "wall-clock" in result.message
    assert result.splits[-1].wall_s < tight.limits.wall_s + 3
    # and nothing of it is left running (the runner, under a uid of its own, outlived it)
    deadline = time.monotonic() + 10
    while (left := _sandboxes_holding(marker)) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert left == []


def test_memory_hog_is_stopped(tmp_path, tight, sandbox):
    code = """
    class Solution:
        def analyze(self, recording):
            hog = []
            while True:
                hog.append(bytearray(50 * 1024 * 1024))
    """
    result = run(tmp_path, tight, sandbox, code)
    assert result.failure_reason == "memory_exceeded", result.message


def test_output_flood_is_cut(tmp_path, tight, sandbox):
    code = """
    class Solution:
        def analyze(self, recording):
            while True:
                print("spam" * 1000)
    """
    result = run(tmp_path, tight, sandbox, code)
    assert result.failure_reason == "output_too_large", result.message


def test_huge_result_is_cut(tmp_path, tight, sandbox):
    code = """
    class Solution:
        def analyze(self, recording):
            return {"reps": 1, "junk": "x" * (1024 * 1024)}
    """
    result = run(tmp_path, tight, sandbox, code)
    assert result.failure_reason == "output_too_large", result.message


def test_disk_filling_stays_in_private_tmp(tmp_path, tight, sandbox):
    code = """
    class Solution:
        def analyze(self, recording):
            with open("/tmp/fill", "wb") as fh:
                while True:
                    fh.write(b"x" * (1024 * 1024))
    """
    result = run(tmp_path, tight, sandbox, code)
    assert result.failure_reason == "output_too_large", result.message
    assert "file size" in result.message


@pytest.mark.parametrize(
    ("code", "reason", "words"),
    [
        (
            "class Solution:\n    def analyze(self, recording):\n        return {'reps': 'three'}\n",
            "invalid_output",
            "must be an integer",
        ),
        (
            "class Solution:\n    def analyze(self, recording):\n        return {'count': 3}\n",
            "invalid_output",
            "unknown key",
        ),
        (
            "class Solution:\n    def analyze(self, recording):\n        return {'reps': float('nan')}\n",
            "invalid_output",
            "not plain JSON",
        ),
        (
            "class Solution:\n    def analyze(self, recording):\n        return [3]\n",
            "invalid_output",
            "must return a dict",
        ),
        (
            "class Solution:\n    def analyze(self, recording):\n        raise ValueError('boom')\n",
            "crashed",
            "ValueError: boom",
        ),
        (
            "import sys\nclass Solution:\n    def analyze(self, recording):\n        sys.exit(0)\n",
            "crashed",
            "sys.exit",
        ),
        ("import torch_does_not_exist\nclass Solution:\n    pass\n", "forbidden", "import failed"),
        ("class Other:\n    pass\n", "crashed", "has no attribute 'Solution'"),
    ],
)
def test_bad_solutions_get_precise_reasons(tmp_path, tight, sandbox, code, reason, words):
    result = run(tmp_path, tight, sandbox, code)
    assert result.failure_reason == reason, result.message
    assert words in result.message


def test_zip_with_parent_path_is_rejected(tmp_path, tight, sandbox):
    import zipfile

    archive = tmp_path / "evil.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr(
            "solution.toml",
            '[solution]\nname="x"\nchallenge="test-reps"\nkind="analyzer"\nentrypoint="solution:Solution"\n',
        )
        zf.writestr("solution.py", "class Solution: pass\n")
        zf.writestr("../../escaped.py", "owned = True\n")
    result = evaluate_solution(archive, tight, sandbox=sandbox, splits=("hidden",))
    assert (result.status, result.failure_reason) == ("rejected", "rejected")
    assert "'..'" in result.message
    assert not (tmp_path.parent / "escaped.py").exists()


def test_user_namespace_identity(tmp_path, tight, sandbox):
    """The mode for a worker running as an ordinary user: uid/gid 65534 in a user namespace."""
    from smarttouch.challenges.sandbox import Sandbox

    code = """
    import os
    class Solution:
        def analyze(self, recording):
            if (os.getuid(), os.getgid()) != (65534, 65534):
                raise RuntimeError(f"uid {os.getuid()} gid {os.getgid()}")
            return {"reps": 1}
    """
    result = run(tmp_path, tight, Sandbox(identity="userns"), code)
    assert result.status == "scored", result.message + result.splits[-1].log
