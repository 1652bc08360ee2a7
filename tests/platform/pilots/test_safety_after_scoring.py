"""The interim safety check runs when new data arrives: a worker scoring an uploaded session
of a patient in a running pilot runs that pilot's check once the result is committed (nobody
has to open the pilot page). A new flag is recorded, audited and mailed once; later sessions
mail nothing more; a session of another game costs one query and runs nothing."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlmodel import Session, func, select

from smarttouch.platform import create_app
from smarttouch.platform.jobs.queue import HubQueue
from smarttouch.platform.models import AuditEvent, ExerciseSession, Pilot, PilotEnrolment
from smarttouch.platform.pilots.safety_mail import SafetyMailer
from smarttouch.platform.services.clinic import devices
from smarttouch.platform.services.pilots import enrolment as pilot_enrolment
from smarttouch.platform.services.pilots import pilots, safety_trigger
from smarttouch.platform.storage.db import get_engine
from smarttouch.platform.testing import hub_config

from ..apihelp import Paired, session_meta, upload
from ..conftest import fresh_sqlite_url
from .support import approved_game, form, stored_session


@pytest.fixture
def app(tmp_path: Path, sqlite_template: Path, smtp_server: Any) -> Iterator[Flask]:
    """A hub whose uploads are scored by a worker (the production path), mailing through a
    real SMTP server."""
    url = fresh_sqlite_url(sqlite_template, tmp_path / "instance")
    application = create_app(
        hub_config(
            tmp_path / "instance",
            url,
            SCORING="queue",
            SMTP_URL=smtp_server.url,
            MAIL_FROM="hub@example.org",
            BASE_URL="https://hub.example.org",
        )
    )
    yield application
    get_engine(application).dispose()


def _drain(queue: HubQueue) -> int:
    """Be a worker (outside any application context, as huey's threads are)."""
    ran = 0
    while (task := queue.huey.dequeue()) is not None:
        queue.huey.execute(task)
        ran += 1
    return ran


def _flag_audits(app: Flask) -> int:
    with Session(get_engine(app)) as s:
        return s.exec(
            select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "pilot.safety_flagged")
        ).one()


@pytest.fixture
def world(app: Flask, make_challenge: Any, make_user: Any, make_patient: Any) -> dict[str, Any]:
    """A running randomised pilot of 4 patients whose solution arm already stopped for pain
    far more often than the comparator arm (stored sessions: no check has run yet)."""
    solution_id, _ = approved_game(app, make_challenge, make_user)
    therapist = make_user("therapist")
    creator = make_user("therapist", email="creator@example.org", locale="it")
    make_user("developer", is_challenge_manager=True, email="manager@example.org", locale="en")
    today = datetime.now(UTC).date()
    with Session(get_engine(app), expire_on_commit=False) as s:
        pilot = pilots.create_pilot(
            s, actor=creator, data=form(solution_id, starts_on=today - timedelta(days=40))
        )
        pilot.random_seed = 99
        s.add(pilot)
        s.commit()
        enrolled = []
        for i in range(4):
            p = make_patient(therapist)
            pilot_enrolment.invite(s, actor=therapist, pilot=pilot, patient=p)
            e = pilot_enrolment.record_consent(s, pilot=pilot, patient=p, by=therapist, note=f"form {i}")
            e.consented_at = datetime.now(UTC) - timedelta(days=30)
            s.add(e)
            s.commit()
            enrolled.append(e)
        for e in enrolled:
            for i in range(10):
                stored_session(
                    s,
                    patient_id=e.patient_id,
                    activity_id=pilot_enrolment.arm_activity_id(pilot, e.arm),
                    started=datetime.now(UTC) - timedelta(days=20 - i),
                    rom=60 + i,
                    quit="pain" if e.arm == "pilot" and i < 6 else "completed",
                    pain_after=(6 if e.arm == "pilot" else 1) + i % 2,
                )
        return {"pilot": s.get_one(Pilot, pilot.id), "enrolled": enrolled, "therapist": therapist}


def _paired(app: Flask, therapist: Any, enrolment: PilotEnrolment) -> Paired:
    """A device of the enrolled patient, uploading sessions of their pilot game."""
    from smarttouch.platform.models import Assignment, Patient

    with Session(get_engine(app), expire_on_commit=False) as s:
        code, _ = devices.create_pairing_code(s, actor=therapist, patient_id=enrolment.patient_id)
        token, device = devices.exchange_pairing_code(s, code=code, label="test pc")
        assert enrolment.assignment_id is not None
        return Paired(
            therapist,
            s.get_one(Patient, enrolment.patient_id),
            s.get_one(Assignment, enrolment.assignment_id),
            token,
            device.id,
        )


def _game_key(app: Flask, activity_id: int) -> str:
    from smarttouch.platform.models import Activity

    with Session(get_engine(app)) as s:
        return s.get_one(Activity, activity_id).key


def test_a_scored_session_runs_the_check_and_a_flag_is_mailed_once(
    app: Flask, world: dict[str, Any], smtp_server: Any
) -> None:
    pilot = world["pilot"]
    patient_in_arm = next(e for e in world["enrolled"] if e.arm == "pilot")
    device = _paired(app, world["therapist"], patient_in_arm)
    game = _game_key(app, pilot.activity_id)
    client = app.test_client()
    queue = HubQueue(app)
    assert _flag_audits(app) == 0

    meta = session_meta(device, game=game, quit_reason="pain")
    res = upload(client, device, meta)
    assert res.status_code == 201, res.get_json()
    assert _drain(queue) == 1  # the worker scores it, then runs the pilot's check
    with Session(get_engine(app)) as s:
        row = s.exec(select(ExerciseSession).where(ExerciseSession.client_uuid == meta["session_id"])).one()
        assert row.status == "scored" and row.activity_id == pilot.activity_id
        stored = s.get_one(Pilot, pilot.id)
        assert stored.safety_flag_at is not None and "stopped for pain" in stored.safety_note
    assert _flag_audits(app) == 1
    # one e-mail per manager of the pilot, each in their own language, with the numbers
    messages = {m["To"]: m for m in smtp_server.wait_for(2)}
    italian, english = messages["creator@example.org"], messages["manager@example.org"]
    assert italian["Subject"] == f"[SmartTouch] Controllo di sicurezza dello studio pilota: {pilot.title}"
    assert english["Subject"] == f"[SmartTouch] Pilot safety check: {pilot.title}"
    it_text, en_text = italian.get_content(), english.get_content()
    assert "Sessioni interrotte per dolore" in it_text and "Sessions stopped for pain" in en_text
    assert "Sessions stopped" not in it_text and "non contiene l'identità di alcun paziente" in it_text
    # the numbers in each reader's format: 13 of 21 sessions stopped (the upload stopped too)
    assert "13 su 21 (62 %" in it_text and "13 of 21 (62 %" in en_text
    for text in (it_text, en_text):
        assert f"https://hub.example.org/pilots/{pilot.id}" in text
        assert "T-0" not in text  # no patient codes

    # another scored session while the flag stands: checked again, nothing new is sent
    res = upload(client, device, session_meta(device, game=game))
    assert res.status_code == 201, res.get_json()
    assert _drain(queue) == 1
    assert _flag_audits(app) == 1
    assert len(smtp_server.messages) == len(messages)


def test_a_session_of_another_game_runs_no_check(app: Flask, world: dict[str, Any], factories: Any) -> None:
    enrolment = world["enrolled"][0]
    with Session(get_engine(app)) as s:
        other = factories.activity()
        row = ExerciseSession(
            client_uuid="other-game",
            patient_id=enrolment.patient_id,
            activity_id=other.id,
            started_at=datetime.now(UTC),
            movement="shoulder_flexion",
        )
        assert safety_trigger.running_pilots_of(s, row) == []
        row.activity_id = world["pilot"].activity_id
        assert safety_trigger.running_pilots_of(s, row) == [world["pilot"].id]
        outsider = ExerciseSession(
            client_uuid="outsider",
            patient_id=factories.patient(world["therapist"]).id,
            activity_id=world["pilot"].activity_id,
            started_at=datetime.now(UTC),
        )
        assert safety_trigger.running_pilots_of(s, outsider) == []


def test_two_checks_at_once_raise_the_flag_once(app: Flask, world: dict[str, Any], smtp_server: Any) -> None:
    """A worker and the pilot page check at the same moment: both read "no flag", one
    records, audits and mails it."""
    from smarttouch.platform.services.pilots import safety

    settings = {"SMTP_URL": smtp_server.url, "MAIL_FROM": "hub@example.org"}
    engine = get_engine(app)
    with Session(engine, expire_on_commit=False) as a, Session(engine, expire_on_commit=False) as b:
        seen_by_a, seen_by_b = a.get_one(Pilot, world["pilot"].id), b.get_one(Pilot, world["pilot"].id)
        assert seen_by_a.safety_flag_at is None and seen_by_b.safety_flag_at is None
        first = safety.check_safety(a, seen_by_a, notify=SafetyMailer(settings, ""))
        second = safety.check_safety(b, seen_by_b, notify=SafetyMailer(settings, ""))
    assert first.newly_flagged and first.mailed
    assert second.flagged and not second.newly_flagged and second.mailed == 0
    assert _flag_audits(app) == 1
    sent = smtp_server.wait_for(1)
    assert len(smtp_server.messages) == len(sent)
