"""`smarttouch challenge ...` and `smarttouch worker` from the command line."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import zipfile

import pytest
from click.testing import CliRunner

from smarttouch.challenges.cli import challenge
from smarttouch.challenges.jobqueue import default_queue
from tests.challenges.helpers import COUNTER, make_solution


@pytest.fixture()
def runner():
    return CliRunner()


def test_validate_prints_per_recording_rows_and_scores(runner, tmp_path, bundle_dir):
    sol = make_solution(tmp_path / "sol", COUNTER)
    result = runner.invoke(challenge, ["validate", str(sol), "--challenge", str(bundle_dir)])
    assert result.exit_code == 0, result.output
    assert "ok  public-0" in result.output
    assert "public: exact_rate=1  mae=0" in result.output
    assert "status: scored" in result.output


def test_evaluate_json_for_ci(runner, tmp_path, bundle_dir):
    sol = make_solution(tmp_path / "sol", COUNTER)
    result = runner.invoke(challenge, ["evaluate", str(sol), "--challenge", str(bundle_dir), "--json"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["status"] == "scored" and doc["failure_reason"] is None
    assert doc["scores"]["hidden"]["exact_rate"] == 1.0


def test_evaluate_failure_exits_nonzero_with_reason(runner, tmp_path, bundle_dir):
    sol = make_solution(
        tmp_path / "sol", "class Solution:\n    def analyze(self, r):\n        raise ValueError('nope')\n"
    )
    result = runner.invoke(challenge, ["evaluate", str(sol), "--challenge", str(bundle_dir)])
    assert result.exit_code == 1
    assert "failure_reason: crashed" in result.output
    assert "ValueError: nope" in result.output


def test_user_errors_are_one_line(runner, tmp_path):
    sol = make_solution(tmp_path / "sol", COUNTER)
    result = runner.invoke(challenge, ["evaluate", str(sol), "--challenge", "no-such-challenge"])
    assert result.exit_code == 1
    assert result.output.startswith("Error: no challenge 'no-such-challenge'")
    assert "Traceback" not in result.output
    result = runner.invoke(challenge, ["validate", str(tmp_path)])
    assert result.output.startswith("Error:") and "solution.toml" in result.output


def test_list_starter_kit_and_build(runner, tmp_path):
    result = runner.invoke(challenge, ["list", "--json"])
    assert result.exit_code == 0, result.output
    assert "rep-counting" in [row["slug"] for row in json.loads(result.stdout)]
    result = runner.invoke(challenge, ["starter-kit", "rep-counting", "--out", str(tmp_path / "kit.zip")])
    assert result.exit_code == 0, result.output
    assert "rep-counting/solution/counter.py" in zipfile.ZipFile(tmp_path / "kit.zip").namelist()
    result = runner.invoke(
        challenge, ["build-builtin", str(tmp_path / "out"), "--slug", "rep-counting", "--hidden-seed", "5"]
    )
    assert result.exit_code == 0, result.output
    assert (tmp_path / "out" / "rep-counting" / "hidden" / "labels.json").is_file()
    again = runner.invoke(challenge, ["build-builtin", str(tmp_path / "out"), "--slug", "rep-counting"])
    assert again.exit_code == 1 and "already exists" in again.output


def wait_for(predicate, timeout_s: float) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return False


def test_worker_process_runs_jobs_and_recovers_a_dead_workers_job(tmp_path, bundle_dir, sandbox):
    instance = tmp_path / "instance"
    sol = make_solution(tmp_path / "sol", COUNTER)
    queue = default_queue(instance=instance, redis_url="", lease_s=0.05)
    orphan = queue.submit(sol, str(bundle_dir))
    queue.huey.dequeue()  # a worker took it and was killed mid-job: message gone, lease left
    assert queue.store.claim(orphan, "killed-worker", 0.05)
    fresh = queue.submit(sol, str(bundle_dir))
    env = {**os.environ, "SMARTTOUCH_INSTANCE_PATH": str(instance)}
    env.pop("SMARTTOUCH_REDIS_URL", None)
    time.sleep(0.1)
    proc = subprocess.Popen(
        [sys.executable, "-m", "smarttouch", "worker", "--workers", "2"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        done = wait_for(lambda: all(queue.store.get(j)["state"] == "scored" for j in (orphan, fresh)), 60)
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            output = proc.communicate(timeout=20)[0]
        except subprocess.TimeoutExpired:
            proc.kill()
            output = proc.communicate()[0]
    assert done, output
    assert "requeued 1 job(s)" in output
    assert queue.store.get(orphan)["attempts"] == 2


def test_worker_refuses_without_sandbox(tmp_path, monkeypatch):
    import smarttouch.challenges.sandbox as sandbox_module
    from smarttouch.challenges.cli import worker

    monkeypatch.setattr(sandbox_module, "bwrap_path", lambda: None)
    result = CliRunner().invoke(worker, ["--instance", str(tmp_path), "--redis-url", ""])
    assert result.exit_code == 1
    assert "refusing to start" in result.output and "bubblewrap" in result.output
