"""End to end against a live hub: import rep-counting, a developer makes a token, downloads
the starter kit and submits its solution with the CLI, a real `smarttouch worker` process
evaluates it in the sandbox, the leaderboard shows it beside the reference rows, a reviewer
approves it; a hostile submission fails with the right reason while the hub keeps answering."""

from __future__ import annotations

import io
import os
import re
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest
import requests
from sqlmodel import Session, select

from smarttouch.platform.jobs.bundles import bundle_cache_root
from smarttouch.platform.models import Review, Submission
from smarttouch.platform.services.challenges import importer
from smarttouch.platform.storage.blobstore import get_blobstore
from smarttouch.platform.storage.db import get_engine
from smarttouch.platform.testing import csrf_token, login
from tests.platform.challenge_support import make_solution, sandbox_ok  # noqa: F401

NETWORK = """
import socket

class Solution:
    def analyze(self, recording):
        socket.create_connection(("1.1.1.1", 443), timeout=2)
        return {"reps": 0}
"""


def _start_worker(runner) -> subprocess.Popen:
    env = {**os.environ, **runner.env}
    return subprocess.Popen(
        [sys.executable, "-m", "smarttouch", "worker", "--workers", "2", "--lease-seconds", "10"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def _stop(proc: subprocess.Popen) -> str:
    proc.send_signal(signal.SIGINT)
    try:
        return proc.communicate(timeout=20)[0]
    except subprocess.TimeoutExpired:
        proc.kill()
        return proc.communicate()[0]


@pytest.mark.slow
def test_submit_evaluate_rank_review_end_to_end(
    app, client, make_user, runner, live_server, tmp_path, sandbox_ok
):
    with Session(get_engine(app), expire_on_commit=False) as session:
        report = importer.import_builtin(
            session, slug="rep-counting", blobs=get_blobstore(app), hidden_seed=11
        )
        importer.record_references(
            session,
            challenge=report.challenge,
            blobs=get_blobstore(app),
            cache_root=bundle_cache_root(app.instance_path),
            sandbox=importer.default_sandbox(),
        )

    developer = make_user("developer", full_name="Dana Dev")
    assert login(client, developer.email).status_code == 302
    html = client.post(
        "/profile/api-tokens", data={"csrf_token": csrf_token(client, "/profile/api-tokens"), "label": "cli"}
    ).get_data(as_text=True)
    token = re.search(r'<code class="token">(stp_[^<]+)</code>', html).group(1)
    kit = client.get("/challenges/rep-counting/starter-kit")
    assert kit.status_code == 200
    zipfile.ZipFile(io.BytesIO(kit.data)).extractall(tmp_path / "kit")
    starter = tmp_path / "kit" / "rep-counting" / "solution"
    assert (starter / "solution.toml").is_file()

    worker = _start_worker(runner)
    try:
        result = runner.invoke(
            "challenge",
            "submit",
            str(starter),
            "--hub",
            live_server,
            "--token",
            token,
            "--wait",
            "--timeout",
            "120",
        )
        assert result.exit_code == 0, result.output
        assert "status: scored" in result.output and "hidden:" in result.output

        board = requests.get(
            f"{live_server}/api/v1/challenges/rep-counting/leaderboard",
            headers={"Authorization": f"Bearer {token}"},
            timeout=10,
        ).json()
        ranked = [r for r in board["rows"] if not r["reference"]]
        assert [(r["rank"], r["solution"], r["developer"]) for r in ranked] == [
            (1, "my rep counter", "Dana Dev")
        ]
        assert len([r for r in board["rows"] if r["reference"]]) == 2

        hostile = make_solution(tmp_path / "hostile", NETWORK, challenge="rep-counting", name="phone home")
        result = runner.invoke("challenge", "submit", str(hostile), "--hub", live_server, "--token", token)
        assert result.exit_code == 0, result.output
        hostile_id = int(re.search(r"submission #(\d+)", result.output).group(1))
        answered = 0
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            assert requests.get(f"{live_server}/healthz", timeout=10).status_code == 200
            answered += 1
            status = requests.get(
                f"{live_server}/api/v1/submissions/{hostile_id}",
                headers={"Authorization": f"Bearer {token}"},
                timeout=10,
            ).json()
            if status["status"] not in ("queued", "running"):
                break
            time.sleep(0.2)
        assert (status["status"], status["failure_reason"]) == ("failed", "forbidden"), status
        assert "network" in status["message"] and answered >= 1
    finally:
        output = _stop(worker)
    assert "hub worker" in output, output

    reviewer = make_user("therapist", is_reviewer=True)
    fresh = app.test_client()
    assert login(fresh, reviewer.email).status_code == 302
    with Session(get_engine(app)) as session:
        scored = session.exec(
            select(Submission).where(
                Submission.status == "scored", Submission.submitted_by_id == developer.id
            )
        ).one()
    url = f"/review/submissions/{scored.id}"
    assert (
        fresh.post(
            url, data={"csrf_token": csrf_token(fresh, url), "decision": "approved", "note": ""}
        ).status_code
        == 302
    )
    with Session(get_engine(app)) as session:
        review = session.exec(select(Review)).one()
        assert (review.decision, review.code_sha256) == ("approved", scored.code_sha256)
    assert Path(app.instance_path, "challenge-bundles").is_dir()
