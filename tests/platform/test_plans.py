"""Plan changes by therapists: every change is audited (who, what, old -> new) in the same
transaction; rejected changes write nothing. Services run on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlmodel import Session, select

from smarttouch.platform.models import (
    Assignment,
    AssignmentUpdate,
    AuditEvent,
    Patient,
    PatientCreate,
    User,
    UserCreate,
)
from smarttouch.platform.services.accounts import users
from smarttouch.platform.services.clinic import catalogue, patients, plans
from smarttouch.platform.services.errors import Invalid, NotFound
from smarttouch.platform.storage.db import get_engine
from smarttouch.platform.testing import csrf_token


def _setup(session: Session) -> tuple[User, User, Patient]:
    def mk(email: str) -> User:
        return users.create_user(
            session,
            data=UserCreate(email=email, full_name=email, role="therapist", password="long-password-1"),
            password_profile="fast",
        )

    me, other = mk("me@example.org"), mk("other@example.org")
    patient = patients.create_patient(
        session,
        therapist=me,
        data=PatientCreate(code="PT-PLAN", condition="post_stroke", affected_side="right"),
    )
    return me, other, patient


def _plan(session: Session, **kw) -> dict:
    activity = catalogue.get_activity_by_key(session, key="balloons")
    return {
        "activity_id": activity.id,
        "movement": "shoulder_flexion",
        "target_rom_deg": 80,
        "max_rom_deg": 100,
        "reps": 10,
        "sets": 2,
        "sessions_per_week": 5,
        "difficulty": 2,
        "start_date": date(2025, 3, 1),
        **kw,
    }


def _plan_events(session: Session) -> list[AuditEvent]:
    return list(
        session.exec(select(AuditEvent).where(AuditEvent.action.startswith("plan.")).order_by(AuditEvent.id))
    )


def test_every_plan_change_is_audited(db_app: Flask) -> None:
    with Session(get_engine(db_app)) as session:
        me, _, patient = _setup(session)
        a = plans.create_assignment(
            session, therapist=me, patient=patient, data=plans.validate_assignment(**_plan(session))
        )
        plans.update_assignment(
            session, therapist=me, assignment=a, changes=AssignmentUpdate(reps=12, target_rom_deg=85)
        )
        plans.update_assignment(
            session, therapist=me, assignment=a, changes=AssignmentUpdate(reps=12)
        )  # no change: no event
        plans.end_assignment(session, therapist=me, assignment=a, reason="goal reached")
        events = _plan_events(session)
        assert [e.action for e in events] == [
            "plan.assignment_created",
            "plan.assignment_updated",
            "plan.assignment_ended",
        ]
        assert all(e.actor_id == me.id and e.patient_id == patient.id for e in events)
        assert events[0].details["reps"] == 10 and events[0].details["activity"] == "balloons"
        assert events[0].details["start_date"] == "2025-03-01"
        assert events[1].details["changes"] == {"reps": [10, 12], "target_rom_deg": [80.0, 85.0]}
        assert events[2].details == {"reason": "goal reached"}
        history = plans.plan_history(session, patient=patient)
        assert [e.id for e in history] == [e.id for e in reversed(events)]


def test_rejected_changes_write_nothing(db_app: Flask) -> None:
    with Session(get_engine(db_app)) as session:
        me, other, patient = _setup(session)
        with pytest.raises(Invalid, match="maximum ROM"):
            plans.validate_assignment(**_plan(session, max_rom_deg=50))
        with pytest.raises(Invalid, match="movement 'sit_to_stand' is not trained"):
            plans.create_assignment(
                session,
                therapist=me,
                patient=patient,
                data=plans.validate_assignment(**_plan(session, movement="sit_to_stand")),
            )
        with pytest.raises(NotFound):
            plans.create_assignment(
                session, therapist=other, patient=patient, data=plans.validate_assignment(**_plan(session))
            )
        a = plans.create_assignment(
            session, therapist=me, patient=patient, data=plans.validate_assignment(**_plan(session))
        )
        with pytest.raises(Invalid, match="end date"):
            plans.update_assignment(
                session, therapist=me, assignment=a, changes=AssignmentUpdate(end_date=date(2025, 1, 1))
            )
        with pytest.raises(NotFound):
            plans.update_assignment(session, therapist=other, assignment=a, changes=AssignmentUpdate(reps=3))
        with pytest.raises(NotFound):
            plans.end_assignment(session, therapist=other, assignment=a)
        session.rollback()
        session.expire_all()
        assert len(_plan_events(session)) == 1
        row = session.get(Assignment, a.id)
        assert row.reps == 10 and row.end_date is None and row.active


def test_patient_changes_are_audited_with_old_and_new(db_app: Flask) -> None:
    with Session(get_engine(db_app)) as session:
        me, other, patient = _setup(session)
        patients.update_patient(
            session, therapist=me, patient=patient, changes={"affected_side": "left", "notes": "Better grip."}
        )
        with pytest.raises(Invalid, match="unknown side"):
            patients.update_patient(session, therapist=me, patient=patient, changes={"affected_side": "up"})
        with pytest.raises(NotFound):
            patients.update_patient(session, therapist=other, patient=patient, changes={"notes": "x"})
        session.rollback()
        event = session.exec(select(AuditEvent).where(AuditEvent.action == "patient.updated")).one()
        assert event.details["changes"] == {"affected_side": ["right", "left"], "notes": ["", "Better grip."]}


def test_web_form_adds_an_exercise_and_shows_the_history(
    client: FlaskClient, login_as, make_patient, app: Flask
) -> None:
    me = login_as("therapist")
    patient = make_patient(me)
    page = f"/patients/{patient.id}/assignments/new"
    assert client.get(page).status_code == 200
    with Session(get_engine(app)) as session:
        glider = catalogue.get_activity_by_key(session, key="glider")
    form = {
        "csrf_token": csrf_token(client, page),
        "activity_id": str(glider.id),
        "movement": "wrist_flexion",
        "target_rom_deg": "40",
        "max_rom_deg": "50",
        "reps": "15",
        "sets": "2",
        "sessions_per_week": "4",
        "difficulty": "3",
        "start_date": "2025-05-01",
        "end_date": "",
        "therapist_note": "Slowly!",
    }
    response = client.post(page, data=form)
    assert response.status_code == 302
    bad = form | {"max_rom_deg": "30"}
    response = client.post(page, data=bad)
    assert response.status_code == 400 and "below the target" in response.get_data(as_text=True)
    with Session(get_engine(app)) as session:
        rows = session.exec(select(Assignment).where(Assignment.patient_id == patient.id)).all()
        assert [(r.reps, r.difficulty, r.therapist_note) for r in rows] == [(15, 3, "Slowly!")]
        event = session.exec(select(AuditEvent).where(AuditEvent.action == "plan.assignment_created")).one()
        assert event.actor_id == me.id and event.ip == "127.0.0.1"
    html = client.get(f"/patients/{patient.id}?tab=history").get_data(as_text=True)
    assert "Plan changes" in html and "added an exercise" in html and "Glider" in html
    token = csrf_token(client, "/")
    asked = client.post(f"/assignments/{rows[0].id}/end", data={"csrf_token": token})
    assert asked.status_code == 200 and "End this exercise?" in asked.get_data(as_text=True)
    response = client.post(f"/assignments/{rows[0].id}/end", data={"csrf_token": token, "confirm": "yes"})
    assert response.status_code == 302
    html = client.get(f"/patients/{patient.id}?tab=history").get_data(as_text=True)
    assert "ended an exercise" in html


def test_web_form_creates_a_patient(client: FlaskClient, login_as, app: Flask) -> None:
    me = login_as("therapist")
    html = client.get("/patients/new").get_data(as_text=True)
    assert 'value="PT-' in html  # a fresh pseudonymous code is proposed
    form = {
        "csrf_token": csrf_token(client, "/patients/new"),
        "code": "pt-new1",
        "condition": "multiple_sclerosis",
        "affected_side": "left",
        "birth_year": "1980",
    }
    response = client.post("/patients/new", data=form)
    assert response.status_code == 302
    assert client.post("/patients/new", data=form).status_code == 400  # code taken
    with Session(get_engine(app)) as session:
        row = session.exec(select(Patient).where(Patient.code == "PT-NEW1")).one()
        assert row.therapist_id == me.id and row.condition == "multiple_sclerosis"
        assert session.exec(select(AuditEvent).where(AuditEvent.action == "patient.created")).one()
