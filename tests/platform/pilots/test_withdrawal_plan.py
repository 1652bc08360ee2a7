"""Leaving a pilot ends the pilot's game in the patient's plan through the plan service (a
new, inactive version from today, audited), changes nothing else in the plan, and tells the
patient's therapist: an alert in their caseload when the patient left on their own (in their
language), a message on the page when the therapist recorded it. Bad input ends nothing."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from flask import Flask
from sqlmodel import Session, col, select

from smarttouch.platform.models import Alert, Assignment, AssignmentVersion, AuditEvent, Pilot, PilotEnrolment
from smarttouch.platform.services.clinic.patients import current_plan
from smarttouch.platform.services.pilots import enrolment as pilot_enrolment
from smarttouch.platform.services.pilots import pilots
from smarttouch.platform.storage.db import get_engine
from smarttouch.platform.testing import csrf_token, login

from .support import approved_game, form


def _world(app: Flask, factories: Any, make_challenge: Any, make_user: Any) -> dict[str, Any]:
    solution_id, _ = approved_game(app, make_challenge, make_user)
    therapist = factories.user("therapist", locale="it")
    account = factories.user("patient")
    patient = factories.patient(therapist, user=account, display_name="Anna Verdi")
    own = factories.assignment(patient)  # the exercise the patient had before the pilot
    with Session(get_engine(app), expire_on_commit=False) as s:
        pilot = pilots.create_pilot(s, actor=therapist, data=form(solution_id))
        pilot_enrolment.invite(s, actor=therapist, pilot=pilot, patient=patient)
    return {"pilot": pilot, "therapist": therapist, "account": account, "patient": patient, "own": own}


def _state(app: Flask, w: dict[str, Any]) -> dict[str, Any]:
    with Session(get_engine(app)) as s:
        e = s.exec(select(PilotEnrolment)).one()
        game = s.get_one(Assignment, e.assignment_id)
        own = s.get_one(Assignment, w["own"].id)

        def versions(a: Assignment) -> list[tuple[int, bool, date]]:
            rows = s.exec(
                select(AssignmentVersion)
                .where(AssignmentVersion.assignment_id == a.id)
                .order_by(col(AssignmentVersion.version))
            )
            return [(v.version, v.active, v.valid_from) for v in rows]

        return {
            "enrolment": e,
            "game_active": game.active,
            "game_versions": versions(game),
            "own_active": own.active,
            "own_versions": versions(own),
            "assignments": len(
                s.exec(select(Assignment).where(Assignment.patient_id == w["patient"].id)).all()
            ),
            "plan_today": [a.id for a, _act in current_plan(s, patient=w["patient"], today=date.today())],
            "ended_audits": s.exec(
                select(AuditEvent).where(AuditEvent.action == "plan.assignment_ended")
            ).all(),
            "alerts": s.exec(
                select(Alert).where(Alert.kind == "pilot_withdrawal", col(Alert.resolved_at).is_(None))
            ).all(),
        }


def test_a_patient_leaving_ends_the_game_and_the_therapist_is_alerted(
    app: Flask, client: Any, factories: Any, make_challenge: Any, make_user: Any
) -> None:
    w = _world(app, factories, make_challenge, make_user)
    pilot_id = w["pilot"].id
    patient_client = app.test_client()
    assert login(patient_client, w["account"].email).status_code == 302
    token = csrf_token(patient_client, "/my/pilots")
    ok = patient_client.post(f"/my/pilots/{pilot_id}/consent", data={"csrf_token": token, "agree": "y"})
    assert ok.status_code == 302
    before = _state(app, w)
    assert before["game_active"] and before["assignments"] == 2
    assert sorted(before["plan_today"]) == sorted([w["own"].id, before["enrolment"].assignment_id])

    left = patient_client.post(
        f"/my/pilots/{pilot_id}/withdraw", data={"csrf_token": token}, follow_redirects=True
    )
    assert "your therapist is told" in left.get_data(as_text=True)
    after = _state(app, w)
    # the pilot's game ends from today, as a new inactive version, audited by the plan service
    assert not after["game_active"]
    assert [(n, active) for n, active, _d in after["game_versions"]] == [(1, True), (2, False)]
    (ended,) = after["ended_audits"]
    assert ended.target_id == after["enrolment"].assignment_id and w["pilot"].title in ended.details["reason"]
    with Session(get_engine(app)) as s:
        withdrawn = s.exec(select(AuditEvent).where(AuditEvent.action == "pilot.withdrawn")).one()
        assert withdrawn.details["assignment_ended"] == after["enrolment"].assignment_id
        assert withdrawn.details["by"] == "patient"
    # nothing else in the plan changes: the own exercise stays as it was, nothing is added
    assert after["own_active"] and after["own_versions"] == before["own_versions"]
    assert after["assignments"] == 2 and after["plan_today"] == [w["own"].id]
    # the therapist is told: one open alert, worded in their language (Italian) on the patient page
    (alert,) = after["alerts"]
    assert alert.patient_id == w["patient"].id and alert.details["pilot_id"] == pilot_id
    login(client, w["therapist"].email)
    page = client.get(f"/patients/{w['patient'].id}").get_data(as_text=True)
    assert "Uscita dallo studio pilota" in page and w["pilot"].title in page
    from smarttouch.platform.patients.alert_text import describe_alert

    with app.test_request_context(headers={"Accept-Language": "en"}):
        text = describe_alert(alert, date.today())
    assert text.startswith(f'Left the pilot "{w["pilot"].title}" on ') and "review the plan" in text
    # a challenge manager sees the pilot's pseudonyms, never the patient's page
    manager = make_user("developer", is_challenge_manager=True)
    other = app.test_client()
    login(other, manager.email)
    assert other.get(f"/patients/{w['patient'].id}").status_code in (403, 404)
    assert "Anna Verdi" not in other.get(f"/pilots/{pilot_id}").get_data(as_text=True)


def test_the_withdrawal_alert_waits_for_another_writer_on_sqlite(
    app: Flask, client: Any, factories: Any, make_challenge: Any, make_user: Any, monkeypatch: Any
) -> None:
    """Another process (a worker) holds SQLite's write lock while the alerts are judged: the
    alert waits for the busy timeout and is written (a savepoint there once made the write
    fail at once, and the alert was lost with only a log line)."""
    import sqlite3
    import threading
    import time

    from smarttouch.platform.services.clinic import alerts

    url = get_engine(app).url
    if url.get_backend_name() != "sqlite":
        pytest.skip("SQLite's file lock: PostgreSQL writers wait on row locks")
    w = _world(app, factories, make_challenge, make_user)
    patient_client = app.test_client()
    assert login(patient_client, w["account"].email).status_code == 302
    token = csrf_token(patient_client, "/my/pilots")
    pilot_id = w["pilot"].id
    assert (
        patient_client.post(
            f"/my/pilots/{pilot_id}/consent", data={"csrf_token": token, "agree": "y"}
        ).status_code
        == 302
    )
    judge = alerts.find_patient_alerts

    def judged_while_another_writes(session: Any, **kwargs: Any) -> Any:
        found = judge(session, **kwargs)
        locked = threading.Event()

        def hold() -> None:
            other = sqlite3.connect(url.database, isolation_level=None, timeout=30)
            other.execute("BEGIN IMMEDIATE")
            locked.set()
            time.sleep(0.5)
            other.execute("COMMIT")
            other.close()

        threading.Thread(target=hold, daemon=True).start()
        locked.wait()
        return found

    monkeypatch.setattr(alerts, "find_patient_alerts", judged_while_another_writes)
    patient_client.post(f"/my/pilots/{pilot_id}/withdraw", data={"csrf_token": token})
    (alert,) = _state(app, w)["alerts"]
    assert alert.details["pilot_id"] == pilot_id


def test_a_therapist_recording_it_ends_the_game_and_bad_input_ends_nothing(
    app: Flask, client: Any, factories: Any, make_challenge: Any, make_user: Any
) -> None:
    w = _world(app, factories, make_challenge, make_user)
    pilot_id, patient_id = w["pilot"].id, w["patient"].id
    with Session(get_engine(app), expire_on_commit=False) as s:
        pilot_enrolment.record_consent(
            s, pilot=s.get_one(Pilot, pilot_id), patient=w["patient"], by=w["therapist"], note="form 7"
        )
    login(client, w["therapist"].email)
    url = f"/pilots/{pilot_id}/patients/{patient_id}/withdraw"
    token = csrf_token(client, f"/pilots/{pilot_id}")
    # no reason: refused, the patient is still in the pilot and the game still planned
    refused = client.post(url, data={"csrf_token": token}, follow_redirects=True)
    assert "Indica perché il paziente lascia lo studio pilota." in refused.get_data(as_text=True)
    state = _state(app, w)
    assert state["enrolment"].withdrawn_at is None and state["game_active"] and state["ended_audits"] == []
    done = client.post(url, data={"csrf_token": token, "reason": "moved away"}, follow_redirects=True)
    assert "nient&#39;altro nel piano è stato modificato" in done.get_data(as_text=True)
    state = _state(app, w)
    assert state["enrolment"].withdrawn_at is not None and not state["game_active"]
    assert len(state["ended_audits"]) == 1 and state["own_active"]
    assert state["alerts"] == []  # the therapist recorded it: no alert to themselves
