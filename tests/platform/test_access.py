"""Who sees whom: a therapist only their own patients, a patient only themself (404, never
200 or 500, for anything else); roles are enforced on every patient route."""

from __future__ import annotations

from flask.testing import FlaskClient
from sqlmodel import Session, select

from smarttouch.platform.models import Assignment, AuditEvent, Patient
from smarttouch.platform.storage.db import get_engine
from smarttouch.platform.testing import csrf_token


def _own_patient(app, user) -> Patient:
    with Session(get_engine(app)) as session:
        return session.exec(select(Patient).where(Patient.user_id == user.id)).one()


def test_therapist_sees_own_patient_not_another_therapists(
    client: FlaskClient, login_as, make_patient, make_user
) -> None:
    me = login_as("therapist")
    mine = make_patient(me, display_name="Carla Mia")
    theirs = make_patient(make_user("therapist"), display_name="Bruno Altrui")
    response = client.get(f"/patients/{mine.id}")
    assert response.status_code == 200 and "Carla Mia" in response.get_data(as_text=True)
    response = client.get(f"/patients/{theirs.id}")
    assert response.status_code == 404
    assert "Bruno Altrui" not in response.get_data(as_text=True)
    assert client.get("/patients/999999").status_code == 404
    assert client.get(f"/patients/{theirs.id}/assignments/new").status_code == 404


def test_therapist_cannot_change_another_therapists_plan(
    client: FlaskClient, login_as, make_patient, make_user, make_assignment, app
) -> None:
    login_as("therapist")
    theirs = make_patient(make_user("therapist"))
    assignment = make_assignment(theirs)
    token = csrf_token(client, "/")
    response = client.post(f"/assignments/{assignment.id}/end", data={"csrf_token": token})
    assert response.status_code == 404
    response = client.post(
        f"/patients/{theirs.id}/assignments/new",
        data={
            "csrf_token": token,
            "activity_id": assignment.activity_id,
            "movement": "shoulder_flexion",
            "target_rom_deg": "90",
            "reps": "10",
            "sets": "1",
            "sessions_per_week": "3",
            "difficulty": "2",
            "start_date": "2025-01-01",
        },
    )
    assert response.status_code == 404
    with Session(get_engine(app)) as session:
        assert session.get(Assignment, assignment.id).active is True
        assert len(session.exec(select(Assignment)).all()) == 1
        assert session.exec(select(AuditEvent).where(AuditEvent.action.startswith("plan."))).all() == []


def test_patient_sees_only_own_record(client: FlaskClient, login_as, make_patient, make_user, app) -> None:
    me = login_as("patient")
    own = _own_patient(app, me)
    other = make_patient(make_user("therapist"), user=make_user("patient"), display_name="Someone Else")
    assert client.get(f"/patients/{own.id}").status_code == 200
    response = client.get(f"/patients/{other.id}")
    assert response.status_code == 404
    assert "Someone Else" not in response.get_data(as_text=True)


def test_patient_cannot_use_therapist_pages(client: FlaskClient, login_as, app) -> None:
    me = login_as("patient")
    own = _own_patient(app, me)
    assert client.get("/patients/new").status_code == 403
    assert client.get(f"/patients/{own.id}/assignments/new").status_code == 403


def test_developer_sees_no_patient_data(client: FlaskClient, login_as, make_patient) -> None:
    login_as("developer")
    patient = make_patient()
    assert client.get(f"/patients/{patient.id}").status_code == 403
    assert client.get("/patients/new").status_code == 403


def test_admin_can_view_a_patient_but_not_edit_the_plan(client: FlaskClient, login_as, make_patient) -> None:
    login_as("admin")
    patient = make_patient()
    assert client.get(f"/patients/{patient.id}").status_code == 200
    assert client.get(f"/patients/{patient.id}/assignments/new").status_code == 403
