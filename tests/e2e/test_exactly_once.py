"""Exactly once, whatever fails: the hub stopped, the hub dying after it stored the session but
before answering, and the client killed (SIGKILL) at the worst moments."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlmodel import Session, select

from smarttouch.cli import main
from smarttouch.client import ClientStore, HubClient, Outbox, Uploader
from smarttouch.client.http import dumps_metadata
from smarttouch.platform.models import Assignment, ExerciseSession
from smarttouch.platform.storage.db import get_engine

from ..platform.apihelp import recording_bytes
from .test_patient_loop import assign_and_pair


def hub_sessions(hub_app) -> list[ExerciseSession]:
    with Session(get_engine(hub_app)) as s:
        return list(s.exec(select(ExerciseSession)))


def pair_cli(hub, hub_app, factories):
    code, patient = assign_and_pair(hub_app, factories)
    result = CliRunner().invoke(main, ["pair", "--hub", hub.url, code])
    assert result.exit_code == 0, result.output
    with Session(get_engine(hub_app)) as s:
        assignment = s.exec(select(Assignment).where(Assignment.patient_id == patient.id)).one()
    return ClientStore().load_link(), assignment


def queue_one(link, assignment, outbox: Outbox) -> str:
    """Write one synthetic session (simulated motion) to the outbox, as play does."""
    import uuid
    from datetime import UTC, datetime

    session_id = str(uuid.uuid4())
    meta = {
        "session_id": session_id,
        "assignment_id": assignment.id,
        "game": "balloons",
        "movement": "shoulder_flexion",
        "started_at": datetime.now(UTC).isoformat(),
        "quit_reason": "completed",
        "reps": 4,
        "sample_rate_hz": 100.0,
    }
    outbox.add(
        session_id,
        hub_url=link.hub_url,
        metadata=dumps_metadata(meta),
        recording=recording_bytes(),
        summary="balloons 4 reps",
    )
    return session_id


def test_hub_stopped_then_back_uploads_exactly_once(hub, hub_app, factories):
    link, assignment = pair_cli(hub, hub_app, factories)
    outbox = Outbox(ClientStore().outbox_path)
    session_id = queue_one(link, assignment, outbox)
    uploader = Uploader(outbox, HubClient(link.hub_url, link.token, read_timeout_s=5))

    hub.stop()
    report = uploader.flush()
    assert session_id in report.failed and "unreachable" in report.failed[session_id]
    item = outbox.get(session_id)
    assert item.status == "pending" and item.attempts == 1 and item.next_attempt_at > time.time()
    assert uploader.flush().uploaded == []  # still backing off: nothing is tried

    hub.start()
    assert outbox.retry_now() == 1  # what a restart of the client does
    assert uploader.flush().sent == [session_id]
    assert uploader.flush().uploaded == []
    assert [s.client_uuid for s in hub_sessions(hub_app)] == [session_id]
    assert outbox.get(session_id).status == "sent"


def test_hub_dying_after_storing_but_before_answering(hub, hub_app, factories):
    link, assignment = pair_cli(hub, hub_app, factories)
    outbox = Outbox(ClientStore().outbox_path)
    session_id = queue_one(link, assignment, outbox)
    uploader = Uploader(outbox, HubClient(link.hub_url, link.token, read_timeout_s=2))

    hub.gate.hold = True
    report = uploader.flush()  # the hub stores it, then never answers: the client times out
    assert hub.gate.processed.is_set()
    assert session_id in report.failed and outbox.get(session_id).status == "pending"
    hub.stop()
    hub.gate.release()
    assert len(hub_sessions(hub_app)) == 1  # it did land

    hub.gate.hold = False
    hub.start()
    outbox.retry_now()
    again = uploader.flush()
    assert again.already_there == [session_id] and again.sent == []
    assert [s.client_uuid for s in hub_sessions(hub_app)] == [session_id]
    assert outbox.get(session_id).status == "sent"


def _spawn_play(tmp_path: Path, name: str) -> subprocess.Popen:
    env = {**os.environ, "SDL_VIDEODRIVER": "dummy", "SDL_AUDIODRIVER": "dummy", "PYTHONUNBUFFERED": "1"}
    with open(tmp_path / f"{name}.log", "w") as log:  # the child has its own copy
        return subprocess.Popen(
            [
                sys.executable,
                "-m",
                "smarttouch.cli",
                "play",
                "--headless",
                "--sensor",
                "sim",
                "--no-sound",
                "--upload-wait",
                "60",
            ],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )


def _wait_for(predicate, timeout_s: float, proc: subprocess.Popen, what: str) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if predicate():
            return
        if proc.poll() is not None:
            pytest.fail(f"the client exited ({proc.returncode}) before {what}")
        time.sleep(0.02)
    proc.kill()
    pytest.fail(f"timed out waiting for {what}")


def _outbox_rows(path: Path) -> list[tuple[str, str]]:
    if not path.exists():
        return []
    with sqlite3.connect(path, timeout=5) as db:
        try:
            return db.execute("SELECT session_id, status FROM outbox").fetchall()
        except sqlite3.OperationalError:
            return []


@pytest.mark.slow
def test_client_killed_around_the_upload_sends_each_session_once(hub, hub_app, factories, tmp_path, reaped):
    pair_cli(hub, hub_app, factories)
    store = ClientStore()

    # 1. killed after the hub stored the session, before the client heard back
    hub.gate.hold = True
    proc = reaped(_spawn_play(tmp_path, "first"))
    _wait_for(hub.gate.processed.is_set, 120, proc, "the upload reached the hub")
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    hub.gate.release()
    hub.gate.hold = False
    ((first, status),) = _outbox_rows(store.outbox_path)
    assert status == "pending"  # the client never learnt that the hub has it

    # 2. killed right after writing the outbox, while the hub is down (the plan is cached)
    hub.stop()
    proc = reaped(_spawn_play(tmp_path, "second"))
    _wait_for(
        lambda: len(_outbox_rows(store.outbox_path)) == 2,
        120,
        proc,
        "the second session was written to the outbox",
    )
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert [s.client_uuid for s in hub_sessions(hub_app)] == [first]

    # next start of the client: both go up, each exactly once
    hub.start()
    result = CliRunner().invoke(main, ["outbox", "--upload"])
    assert result.exit_code == 0, result.output
    assert "uploaded 2" in result.output
    assert sorted(s.client_uuid for s in hub_sessions(hub_app)) == sorted(
        sid for sid, _ in _outbox_rows(store.outbox_path)
    )
    assert {st for _, st in _outbox_rows(store.outbox_path)} == {"sent"}
    assert "every session is on the hub" in CliRunner().invoke(main, ["outbox"]).output
