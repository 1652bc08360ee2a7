"""The assignment editor: changes are validated, audited with old and new values and shown
in the plan history; only the patient's therapist may edit."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient
from sqlmodel import Session, select

from smarttouch.platform.models import Assignment, AuditEvent
from smarttouch.platform.storage.db import get_engine
from smarttouch.platform.testing import csrf_token

FORM = {
    "movement": "shoulder_flexion",
    "target_rom_deg": "70",
    "max_rom_deg": "95",
    "reps": "12",
    "sets": "3",
    "sessions_per_week": "4",
    "difficulty": "3",
    "start_date": "2026-01-05",
    "end_date": "2026-03-01",
    "therapist_note": "Go slowly.",
}


def test_edit_is_audited_and_shown_as_history(
    client: FlaskClient, login_as, make_patient, make_assignment, app: Flask
) -> None:
    from datetime import date

    me = login_as("therapist")
    patient = make_patient(me)
    a = make_assignment(
        patient,
        target_rom_deg=90,
        max_rom_deg=100,
        reps=10,
        sets=2,
        sessions_per_week=5,
        difficulty=2,
        start_date=date(2026, 1, 5),
        end_date=date(2026, 3, 1),
    )
    page = f"/assignments/{a.id}/edit"
    html = client.get(page).get_data(as_text=True)
    assert 'value="90"' in html and "Balloon reach" in html
    response = client.post(page, data=FORM | {"csrf_token": csrf_token(client, page)})
    assert response.status_code == 302
    with Session(get_engine(app)) as db:
        row = db.get(Assignment, a.id)
        assert (row.target_rom_deg, row.max_rom_deg, row.reps, row.sets, row.difficulty) == (70, 95, 12, 3, 3)
        event = db.exec(select(AuditEvent).where(AuditEvent.action == "plan.assignment_updated")).one()
        assert event.actor_id == me.id
        assert event.details["changes"]["target_rom_deg"] == [90.0, 70.0]
        assert event.details["changes"]["therapist_note"] == ["", "Go slowly."]
    html = client.get(f"/patients/{patient.id}?tab=history").get_data(as_text=True)
    assert "changed an exercise" in html
    assert "Target ROM: 90° → 70°" in html and "Sets: 2 → 3" in html


def test_invalid_changes_write_nothing(
    client: FlaskClient, login_as, make_patient, make_assignment, app: Flask
) -> None:
    from datetime import date

    me = login_as("therapist")
    a = make_assignment(
        make_patient(me),
        target_rom_deg=90,
        max_rom_deg=100,
        start_date=date(2026, 1, 5),
        end_date=date(2026, 3, 1),
    )
    page = f"/assignments/{a.id}/edit"
    token = csrf_token(client, page)
    response = client.post(page, data=FORM | {"csrf_token": token, "max_rom_deg": "60"})
    assert response.status_code == 400 and "below the target" in response.get_data(as_text=True)
    response = client.post(page, data=FORM | {"csrf_token": token, "movement": "sit_to_stand"})
    assert response.status_code == 400 and "not trained by" in response.get_data(as_text=True)
    with Session(get_engine(app)) as db:
        assert db.get(Assignment, a.id).target_rom_deg == 90
        assert db.exec(select(AuditEvent).where(AuditEvent.action == "plan.assignment_updated")).all() == []


def test_empty_end_date_and_max_rom_clear_them_audited(
    client: FlaskClient, login_as, make_patient, make_assignment, app: Flask
) -> None:
    from datetime import date

    me = login_as("therapist")
    patient = make_patient(me)
    a = make_assignment(
        patient,
        target_rom_deg=70,
        max_rom_deg=95,
        reps=12,
        sets=3,
        sessions_per_week=4,
        difficulty=3,
        start_date=date(2026, 1, 5),
        end_date=date(2026, 3, 1),
        therapist_note="Go slowly.",
    )
    page = f"/assignments/{a.id}/edit"
    html = client.get(page).get_data(as_text=True)
    assert "Leave empty for no end date." in html and "cannot be removed" not in html
    response = client.post(
        page, data=FORM | {"csrf_token": csrf_token(client, page), "end_date": "", "max_rom_deg": ""}
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    with Session(get_engine(app)) as db:
        row = db.get(Assignment, a.id)
        assert (row.end_date, row.max_rom_deg, row.target_rom_deg) == (None, None, 70)
        event = db.exec(select(AuditEvent).where(AuditEvent.action == "plan.assignment_updated")).one()
        assert event.actor_id == me.id
        assert event.details["changes"] == {"end_date": ["2026-03-01", None], "max_rom_deg": [95.0, None]}
    html = client.get(f"/patients/{patient.id}?tab=history").get_data(as_text=True)
    assert "End date: Mar 1, 2026 → —" in html and "Maximum ROM: 95° → —" in html
    # saving the same empty fields again changes nothing and writes no event
    assert (
        client.post(
            page, data=FORM | {"csrf_token": csrf_token(client, page), "end_date": "", "max_rom_deg": ""}
        ).status_code
        == 302
    )
    with Session(get_engine(app)) as db:
        assert (
            len(db.exec(select(AuditEvent).where(AuditEvent.action == "plan.assignment_updated")).all()) == 1
        )


def test_other_therapists_cannot_edit(
    client: FlaskClient, login_as, make_patient, make_user, make_assignment
) -> None:
    login_as("therapist")
    a = make_assignment(make_patient(make_user("therapist")))
    assert client.get(f"/assignments/{a.id}/edit").status_code == 404
    token = csrf_token(client, "/")
    assert client.post(f"/assignments/{a.id}/edit", data=FORM | {"csrf_token": token}).status_code == 404


def test_new_exercise_form_offers_the_catalogue_and_movement_filter(
    client: FlaskClient, login_as, make_patient
) -> None:
    me = login_as("therapist")
    html = client.get(f"/patients/{make_patient(me).id}/assignments/new").get_data(as_text=True)
    for title in ("Balloon reach", "Glider", "Garden", "Steady hand"):
        assert title in html
    assert 'id="activity-movements"' in html and "sit_to_stand" in html
    assert "js/assignment_form.js" in html


def test_plan_service_clears_only_optional_fields(db_app: Flask) -> None:
    """``update_assignment(clear=...)`` removes an end date or maximum ROM (audited old ->
    None, on SQLite and PostgreSQL); anything else, or a value and a clear of the same field,
    is refused and writes nothing."""
    from datetime import date

    import pytest

    from smarttouch.platform.models import AssignmentUpdate, PatientCreate, UserCreate
    from smarttouch.platform.services.accounts import users
    from smarttouch.platform.services.clinic import catalogue, patients, plans
    from smarttouch.platform.services.errors import Invalid

    with Session(get_engine(db_app)) as db:
        me = users.create_user(
            db,
            data=UserCreate(
                email="clear@example.org", full_name="T", role="therapist", password="long-password-1"
            ),
            password_profile="fast",
        )
        patient = patients.create_patient(
            db,
            therapist=me,
            data=PatientCreate(code="PT-CLEAR", condition="post_stroke", affected_side="right"),
        )
        activity = catalogue.get_activity_by_key(db, key="balloons")
        a = plans.create_assignment(
            db,
            therapist=me,
            patient=patient,
            data=plans.validate_assignment(
                activity_id=activity.id,
                movement="shoulder_flexion",
                target_rom_deg=80,
                max_rom_deg=100,
                reps=10,
                start_date=date(2026, 1, 5),
                end_date=date(2026, 3, 1),
            ),
        )
        for clear, changes, message in (
            ({"reps"}, AssignmentUpdate(), "cannot clear reps"),
            ({"end_date"}, AssignmentUpdate(end_date=date(2026, 4, 1)), "not both"),
        ):
            with pytest.raises(Invalid, match=message):
                plans.update_assignment(db, therapist=me, assignment=a, changes=changes, clear=clear)
        plans.update_assignment(
            db, therapist=me, assignment=a, changes=AssignmentUpdate(reps=12), clear={"max_rom_deg"}
        )
        plans.update_assignment(
            db, therapist=me, assignment=a, changes=AssignmentUpdate(), clear=("end_date",)
        )
        plans.update_assignment(
            db, therapist=me, assignment=a, changes=AssignmentUpdate(), clear=("end_date", "max_rom_deg")
        )  # already empty: no event
        db.expire_all()
        row = db.get(Assignment, a.id)
        assert (row.max_rom_deg, row.end_date, row.reps) == (None, None, 12)
        events = db.exec(
            select(AuditEvent).where(AuditEvent.action == "plan.assignment_updated").order_by(AuditEvent.id)
        ).all()
        assert [e.details["changes"] for e in events] == [
            {"reps": [10, 12], "max_rom_deg": [100.0, None]},
            {"end_date": ["2026-03-01", None]},
        ]
