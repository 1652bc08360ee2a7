"""The hub's commands: db, user, seed, demo (serving is faked here; see test_serve)."""

from __future__ import annotations

import io
import os
import re
import signal
import sys
import time

import pytest
from flask import Flask
from sqlmodel import Session, func, select

from smarttouch.platform.cli import serve as serve_cli
from smarttouch.platform.models import Alert, Assignment, ExerciseSession, Patient, Submission, User
from smarttouch.platform.services.accounts.passwords import verify_password
from smarttouch.platform.services.demo.pilot import PILOT_PATIENTS
from smarttouch.platform.services.demo.seed import DEMO_PATIENTS
from smarttouch.platform.storage.db import get_engine, make_engine
from smarttouch.platform.storage.migrate import head_revision
from smarttouch.platform.testing import csrf_token, login
from tests.platform.challenge_support import (  # noqa: F401
    COUNTER,
    archive_of,
    bundle_dir,
    hub_challenge,
    make_solution,
    sandbox_ok,
)


def _count(app: Flask, model) -> int:
    with Session(get_engine(app)) as session:
        return session.exec(select(func.count()).select_from(model)).one()


def test_db_upgrade_on_an_empty_database(tmp_path, runner) -> None:
    runner.env["SMARTTOUCH_DATABASE_URL"] = f"sqlite:///{tmp_path / 'new.db'}"
    result = runner.invoke("db", "upgrade")
    assert result.exit_code == 0, result.output
    result = runner.invoke("db", "current")
    assert f"current: {head_revision()}" in result.output


def test_user_create_prompts_for_the_password(runner, app: Flask) -> None:
    result = runner.invoke(
        "user",
        "create",
        "--role",
        "therapist",
        "--email",
        "Nuova@Example.org",
        "--reviewer",
        input="a-strong-password\na-strong-password\n",
    )
    assert result.exit_code == 0, result.output
    assert "a-strong-password" not in result.output
    with Session(get_engine(app)) as session:
        user = session.exec(select(User).where(User.email == "nuova@example.org")).one()
        assert user.role == "therapist" and user.is_reviewer
        assert verify_password(user.password_hash, "a-strong-password")


def test_user_create_errors_are_one_line(runner) -> None:
    args = (
        "user",
        "create",
        "--role",
        "developer",
        "--email",
        "dev@example.org",
        "--password",
        "long-enough-pw",
    )
    assert runner.invoke(*args).exit_code == 0
    result = runner.invoke(*args)
    assert result.exit_code == 1 and "already exists" in result.output
    assert "Traceback" not in result.output
    result = runner.invoke(
        "user", "create", "--role", "developer", "--email", "x@example.org", "--password", "short"
    )
    assert result.exit_code == 1 and "password" in result.output
    result = runner.invoke(
        "user", "create", "--role", "wizard", "--email", "x@example.org", "--password", "long-enough-pw"
    )
    assert result.exit_code == 2


def test_seed_demo_is_idempotent(runner, app: Flask) -> None:
    first = runner.invoke("seed", "--demo")
    assert first.exit_code == 0, first.output
    assert "therapist@example.org" in first.output and "demo-therapist" in first.output
    counts = (_count(app, User), _count(app, Patient), _count(app, Assignment))
    assert counts[0] >= 5 and counts[1] >= 6 and counts[2] >= 2
    with Session(get_engine(app)) as session:  # it says what it created
        sessions = session.exec(select(func.count()).select_from(ExerciseSession)).one()
        alerts = session.exec(select(func.count()).select_from(Alert)).one()
        queued = session.exec(
            select(func.count()).select_from(Submission).where(Submission.status == "queued")
        ).one()
    assert sessions > 20 and alerts > 0 and queued > 0
    assert f"{sessions} synthetic sessions, {alerts} alerts" in first.output
    assert f"{queued} challenge evaluations are queued: `smarttouch worker` scores them" in first.output
    second = runner.invoke("seed", "--demo")
    assert second.exit_code == 0 and "added 0 patients, 0 assignments" in second.output
    assert "0 synthetic sessions, 0 alerts" in second.output
    assert "demo-therapist" in second.output  # still valid, still printed
    assert (_count(app, User), _count(app, Patient), _count(app, Assignment)) == counts
    with Session(get_engine(app)) as session:
        conditions = set(session.exec(select(Patient.condition)).all())
    assert {
        "post_stroke",
        "parkinson",
        "copd",
        "multiple_sclerosis",
        "knee_osteoarthritis",
        "frailty",
    } <= conditions


def test_seed_needs_a_migrated_database(tmp_path, runner) -> None:
    runner.env["SMARTTOUCH_DATABASE_URL"] = f"sqlite:///{tmp_path / 'bare.db'}"
    result = runner.invoke("seed", "--demo")
    assert result.exit_code == 1 and "smarttouch db upgrade" in result.output


def test_production_without_secret_is_a_clear_error(runner) -> None:
    runner.env["SMARTTOUCH_ENV"] = "production"
    runner.env.pop("SMARTTOUCH_SECRET_KEY")
    result = runner.invoke("db", "current")
    assert result.exit_code == 1 and "SMARTTOUCH_SECRET_KEY must be set" in result.output


@pytest.mark.slow
def test_demo_migrates_seeds_once_and_serves(tmp_path, runner, monkeypatch) -> None:
    served = []

    def fake_run(server) -> None:  # bound for real on a free port, closed instead of run
        served.append(server.effective_port)
        server.close()
        server.task_dispatcher.shutdown()  # as run() does when it ends: no threads left behind

    monkeypatch.setattr(serve_cli, "_run", fake_run)
    url = f"sqlite:///{tmp_path / 'demo.db'}"
    runner.env["SMARTTOUCH_DATABASE_URL"] = url
    result = runner.invoke("demo", "--port", "0", "--no-worker")
    assert result.exit_code == 0, result.output
    port = served[0]
    hub = f"http://127.0.0.1:{port}/"
    assert int(port) > 0 and f"Open {hub} in your browser." in result.output
    assert "patient@example.org" in result.output and "demo-patient" in result.output
    engine = make_engine(url)
    with Session(engine) as session:
        patients = len(DEMO_PATIENTS) + len(PILOT_PATIENTS)  # the demo pilot's synthetic patients too
        assert session.exec(select(func.count()).select_from(Patient)).one() == patients
        sessions = session.exec(select(func.count()).select_from(ExerciseSession)).one()
        alerts = session.exec(select(func.count()).select_from(Alert)).one()
    engine.dispose()
    assert sessions > 20 and alerts > 0
    assert (
        f"added {patients} patients, {4 + len(PILOT_PATIENTS)} assignments, 0 activities, {sessions} "
        f"synthetic sessions, {alerts} alerts"
    ) in result.output
    # the walk-through, in order, with the real URL and a seeded patient that has data
    text = " ".join(result.output.split())
    steps = [
        "How to try it:",
        "1. Log in as the therapist (therapist@example.org / demo-therapist).",
        "2. Open patient DEMO-PARK (Rosa Colombo) in the Patients list",
        '3. On the patient page click "Devices and pairing", then "Create a pairing code".',
        "4. In another terminal, pair this computer",
        f".venv/bin/smarttouch pair --hub {hub} CODE",
        ".venv/bin/smarttouch play ",
        ".venv/bin/smarttouch play --game balloons --sensor sim",
        "5. Log out and log in as the developer (developer@example.org / demo-developer)",
        "open Challenges",
        "no worker (--no-worker)",
    ]
    positions = [text.find(step) for step in steps]
    assert -1 not in positions, [s for s, p in zip(steps, positions) if p == -1]
    assert positions == sorted(positions)
    again = runner.invoke("demo", "--port", "0", "--no-worker")
    assert "demo data not added" in again.output and "demo-therapist" in again.output
    assert "How to try it:" in again.output and "DEMO-PARK" in again.output
    assert "Uploaded sessions are scored as they arrive" in " ".join(again.output.split())  # no worker
    assert len(served) == 2


def test_demo_runs_the_evaluation_worker_in_the_background(
    runner, app: Flask, client, make_user, hub_challenge, tmp_path, monkeypatch, sandbox_ok
) -> None:
    """A developer's upload while the demo serves is scored by the worker the demo started
    (a real `smarttouch worker` child process), which is stopped when the demo ends."""
    developer = make_user("developer")  # an account exists: the demo does not seed
    outcome: dict = {}

    def fake_run(server) -> None:  # what a developer does while the demo is up
        server.close()
        server.task_dispatcher.shutdown()  # as run() does when it ends: no threads left behind
        assert login(client, developer.email).status_code == 302
        page = f"/challenges/{hub_challenge.slug}/submit"
        archive = archive_of(make_solution(tmp_path / "s", COUNTER))
        response = client.post(
            page,
            data={"csrf_token": csrf_token(client, page), "solution": (io.BytesIO(archive), "s.zip")},
            content_type="multipart/form-data",
        )
        assert response.status_code == 302, response.get_data(as_text=True)[:500]
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            with Session(get_engine(app)) as session:
                sub = session.exec(select(Submission)).one()
            if sub.status not in ("queued", "running"):
                break
            time.sleep(0.3)
        outcome.update(status=sub.status, message=sub.message)

    monkeypatch.setattr(serve_cli, "_run", fake_run)
    result = runner.invoke("demo", "--port", "0")
    assert result.exit_code == 0, result.output
    assert outcome["status"] == "scored", outcome
    assert "The evaluation worker runs in the background with this demo" in result.output
    assert "Evaluation worker stopped." in result.output
    pid = int(re.search(r"\(process (\d+), log ", " ".join(result.output.split())).group(1))
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)  # stopped and reaped
    log = (tmp_path / "instance" / "demo-worker.log").read_text()
    assert "hub worker" in log


def test_background_worker_stops_a_stubborn_process(tmp_path) -> None:
    """SIGINT first; a process that ignores it is terminated."""
    from smarttouch.platform.cli.demo_run import BackgroundWorker

    worker = BackgroundWorker(instance_path=str(tmp_path), database_url="sqlite://")
    worker.command = [
        sys.executable,
        "-c",
        "import signal, time; "
        "signal.signal(signal.SIGINT, signal.SIG_IGN); print('up', flush=True); "
        "time.sleep(60)",
    ]
    worker.start()
    deadline = time.monotonic() + 10
    while "up" not in worker.log_path.read_text() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert worker.running
    assert worker.stop(finish_s=0.5) == -signal.SIGTERM
    assert not worker.running
    early = BackgroundWorker(instance_path=str(tmp_path), database_url="sqlite://")
    early.command = [sys.executable, "-c", "raise SystemExit(3)"]
    early.start()
    early.proc.wait(timeout=20)
    assert early.stop() == 3 and early.exited_early
