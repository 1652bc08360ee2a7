"""Each role's landing page shows that user's real data from the database."""

from __future__ import annotations

from datetime import date, timedelta

from flask.testing import FlaskClient

from smarttouch.platform.models import utcnow


def test_therapist_sees_their_patients_table(
    client: FlaskClient, login_as, make_patient, make_user, make_assignment, make_exercise_session
) -> None:
    me = login_as("therapist")
    a = make_patient(me, code="PT-AAAA", condition="parkinson", display_name="Rosa C.")
    make_patient(me, code="PT-BBBB", condition="copd")
    make_patient(make_user("therapist"), code="PT-ZZZZ")
    make_assignment(a)
    make_assignment(a, start_date=date.today() + timedelta(days=30))  # not yet in period
    make_exercise_session(a, started_at=utcnow() - timedelta(days=1))
    html = client.get("/").get_data(as_text=True)
    assert "PT-AAAA" in html and "PT-BBBB" in html and "Rosa C." in html
    assert "PT-ZZZZ" not in html
    assert "Parkinson&#39;s disease" in html or "Parkinson's disease" in html
    row_a = html[html.index("PT-AAAA") : html.index("PT-BBBB")]  # rows are sorted by code
    assert '<td class="num">1</td>' in row_a  # one exercise in its current plan
    assert "No sessions yet" in html  # PT-BBBB


def test_therapist_without_patients_sees_an_empty_state(client: FlaskClient, login_as) -> None:
    login_as("therapist")
    assert "You do not follow any patients yet." in client.get("/").get_data(as_text=True)


def test_patient_sees_their_plan(client: FlaskClient, login_as, make_assignment, app) -> None:
    from sqlmodel import Session, select

    from smarttouch.platform.models import Patient
    from smarttouch.platform.storage.db import get_engine

    me = login_as("patient")
    with Session(get_engine(app)) as session:
        patient = session.exec(select(Patient).where(Patient.user_id == me.id)).one()
    html = client.get("/").get_data(as_text=True)
    assert "You have no exercises for today." in html
    make_assignment(patient, reps=12, sets=3, therapist_note="Keep the shoulder low.")
    make_assignment(patient, therapist_note="Old plan", active=False)
    html = client.get("/").get_data(as_text=True)
    assert "Balloon reach" in html and "3 sets of 12" in html
    assert "Keep the shoulder low." in html and "Old plan" not in html


def test_developer_sees_open_challenges(client: FlaskClient, login_as, make_challenge) -> None:
    login_as("developer")
    now = utcnow()
    make_challenge(title="Count the reps", closes_at=now + timedelta(days=10))
    make_challenge(title="Closed one", closes_at=now - timedelta(days=1))
    make_challenge(title="Future one", opens_at=now + timedelta(days=3))
    make_challenge(title="Draft one", is_published=False)
    html = client.get("/").get_data(as_text=True)
    assert "Count the reps" in html
    for hidden in ("Closed one", "Future one", "Draft one"):
        assert hidden not in html


def test_admin_sees_the_users(client: FlaskClient, login_as, make_user) -> None:
    me = login_as("admin")
    other = make_user("developer", full_name="Dev Eloper")
    html = client.get("/").get_data(as_text=True)
    assert me.email in html and other.email in html and "Dev Eloper" in html
