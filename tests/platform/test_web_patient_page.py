"""The patient page: charts from stored sessions (valid plotly figures), the MCID table, the
adherence calendar, the session list, periods, and alerts with acknowledgement."""

from __future__ import annotations

import json
import re

import plotly.graph_objects as go
from flask.testing import FlaskClient
from sqlmodel import Session, select

from smarttouch.platform.models import Alert, AuditEvent
from smarttouch.platform.storage.db import get_engine
from smarttouch.platform.testing import csrf_token

from .test_web_support import add_session, days_ago


def _figures(html: str) -> dict[str, dict]:
    found = re.findall(
        r'<script type="application/json" id="(chart-[a-z-]+)-figure">(.*?)</script>', html, flags=re.S
    )
    return {cid: json.loads(body) for cid, body in found}


def test_charts_show_the_stored_sessions(
    client: FlaskClient, login_as, make_patient, make_assignment, app
) -> None:
    me = login_as("therapist")
    patient = make_patient(me)
    plan = make_assignment(patient, target_rom_deg=85, reps=12, start_date=days_ago(40))
    roms = [55, 57, 58, 70, 72, 75]
    for rom, n in zip(roms, (30, 25, 20, 10, 5, 1)):
        add_session(
            app, patient, days_ago(n), rom=rom, score=rom * 10, tremor_amplitude_deg=0.5, assignment=plan
        )
    html = client.get(f"/patients/{patient.id}?tab=progress").get_data(as_text=True)
    figures = _figures(html)
    assert set(figures) == {
        "chart-rom",
        "chart-reps",
        "chart-sparc",
        "chart-tremor",
        "chart-score",
        "chart-adherence",
    }
    for fig in figures.values():
        go.Figure(fig)  # raises if it is not a valid plotly figure
    assert figures["chart-rom"]["data"][0]["y"] == roms
    assert figures["chart-score"]["data"][0]["y"] == [r * 10 for r in roms]
    assert figures["chart-rom"]["layout"]["shapes"][0]["y0"] == 85  # the target line
    assert "Range of motion: 6 sessions, latest 75°." in html  # text alternative
    assert "Improved beyond the MCID" in html  # 72.3 vs 56.7 deg, MCID 10 deg
    assert "/static/vendor/plotly.min.js" in html and "cdn" not in html.lower()
    assert html.count('class="day done"') == 6
    sessions = client.get(f"/patients/{patient.id}?tab=sessions").get_data(as_text=True)
    assert len(re.findall(r'href="/sessions/\d+"', sessions)) >= 6
    assert "/ 85°" in sessions  # each session beside its prescription (target 85 deg)


def test_period_selection(client: FlaskClient, login_as, make_patient, make_assignment, app) -> None:
    me = login_as("therapist")
    patient = make_patient(me)
    make_assignment(patient, start_date=days_ago(200))
    add_session(app, patient, days_ago(100), rom=40)
    add_session(app, patient, days_ago(3), rom=60)
    four_weeks = _figures(client.get(f"/patients/{patient.id}?tab=progress&period=4w").get_data(as_text=True))
    assert four_weeks["chart-rom"]["data"][0]["y"] == [60]
    year = _figures(client.get(f"/patients/{patient.id}?tab=progress&period=52w").get_data(as_text=True))
    assert year["chart-rom"]["data"][0]["y"] == [40, 60]
    bogus = client.get(f"/patients/{patient.id}?tab=progress&period=forever")
    assert bogus.status_code == 200 and 'value="12w" selected' in bogus.get_data(as_text=True)


def test_alerts_are_listed_and_acknowledged(
    client: FlaskClient, login_as, make_patient, make_assignment, app
) -> None:
    me = login_as("therapist")
    patient = make_patient(me)
    make_assignment(patient, start_date=days_ago(30))
    for n, rom in ((12, 80), (11, 81), (10, 80), (9, 79), (8, 66), (7, 65)):
        add_session(app, patient, days_ago(n), rom=rom)
    pain = add_session(app, patient, days_ago(6), rom=64, quit_reason="pain")
    html = client.get(f"/patients/{patient.id}").get_data(as_text=True)
    assert "was stopped for pain" in html and f'href="/sessions/{pain}"' in html
    assert "Range of motion (largest repetition) went from 80° to 65°" in html
    assert html.count("over the last 3 sessions (up to") == 1  # largest and mean ROM: one alert
    assert "No session for 6 days" in html
    with Session(get_engine(app)) as db:
        rows = db.exec(select(Alert).where(Alert.patient_id == patient.id)).all()
        alerts = {a.kind: a for a in rows}
    assert {"pain_stop", "decline", "no_session"} <= set(alerts)
    token = csrf_token(client, f"/patients/{patient.id}")
    response = client.post(
        f"/alerts/{alerts['pain_stop'].id}/acknowledge",
        data={"csrf_token": token, "note": "Phoned: sore, resting."},
    )
    assert response.status_code == 302
    html = client.get(f"/patients/{patient.id}").get_data(as_text=True)
    open_part = html[html.index('id="alerts-title"') : html.index("Closed alerts")]
    assert "was stopped for pain" not in open_part and "No session for" in open_part
    with Session(get_engine(app)) as db:
        row = db.get(Alert, alerts["pain_stop"].id)
        assert row.acknowledged_by_id == me.id and row.acknowledged_at is not None
        assert row.acknowledge_note == "Phoned: sore, resting."
        event = db.exec(select(AuditEvent).where(AuditEvent.action == "alert.acknowledged")).one()
        assert event.patient_id == patient.id and event.details["kind"] == "pain_stop"
        assert event.details["note"] == "Phoned: sore, resting."
        assert len(db.exec(select(Alert).where(Alert.patient_id == patient.id)).all()) == len(rows)
    assert "Note: Phoned: sore, resting." in html


def test_only_the_patients_therapist_acknowledges(
    client: FlaskClient, login_as, make_patient, make_user, app
) -> None:
    login_as("therapist")
    theirs = make_patient(make_user("therapist"))
    add_session(app, theirs, days_ago(1), quit_reason="pain")
    with Session(get_engine(app)) as db:
        db.add(
            Alert(
                patient_id=theirs.id,
                kind="pain_stop",
                message="x",
                details={"key": "pain_stop:1", "last_day": "2026-01-01"},
            )
        )
        db.commit()
        alert_id = db.exec(select(Alert.id)).one()
    token = csrf_token(client, "/")
    assert client.post(f"/alerts/{alert_id}/acknowledge", data={"csrf_token": token}).status_code == 404
    assert client.post("/alerts/999999/acknowledge", data={"csrf_token": token}).status_code == 404
    with Session(get_engine(app)) as db:
        assert db.get(Alert, alert_id).acknowledged_at is None


def test_patient_viewing_their_record_sees_no_clinical_notes_or_alerts(
    client: FlaskClient, login_as, app
) -> None:
    from smarttouch.platform.models import Patient

    me = login_as("patient")
    with Session(get_engine(app)) as db:
        patient = db.exec(select(Patient).where(Patient.user_id == me.id)).one()
        patient.notes = "Private clinical note"
        db.add(patient)
        db.commit()
        patient_id = patient.id
    html = client.get(f"/patients/{patient_id}").get_data(as_text=True)
    assert "Private clinical note" not in html and 'id="alerts-title"' not in html
    assert "Acknowledge" not in html


EMPTY_MESSAGES = (
    "Range of motion: no scored sessions in this period.",
    "Repetitions: no scored sessions in this period.",
    "Smoothness (SPARC): no scored sessions in this period.",
    "Tremor amplitude: no scored sessions in this period.",
    "Game score: no scored sessions in this period.",
    "Weekly adherence: no sessions done and no exercises prescribed in this period.",
)


def test_no_sessions_draws_no_empty_charts(client: FlaskClient, login_as, make_patient) -> None:
    """A patient without sessions or plan (like the demo's COPD patient): no plotly figure at
    all (an empty one draws default axes around January 2000), a plain message per chart,
    and plotly.js is not even loaded."""
    me = login_as("therapist")
    html = client.get(f"/patients/{make_patient(me).id}?tab=progress").get_data(as_text=True)
    assert _figures(html) == {}
    assert 'class="chart"' not in html and "plotly" not in html.lower()
    for message in EMPTY_MESSAGES:
        assert f'<p class="empty">{message}</p>' in html, message
    assert html.count('class="chart-figure chart-empty"') == 7  # the six progress charts and pain/effort


def test_only_charts_with_data_in_the_period_are_drawn(
    client: FlaskClient, login_as, make_patient, make_assignment, app
) -> None:
    me = login_as("therapist")
    patient = make_patient(me)
    make_assignment(patient, start_date=days_ago(200))
    add_session(app, patient, days_ago(100), rom=40, score=None, tremor_amplitude_deg=0.4)
    add_session(app, patient, days_ago(3), rom=60, score=None, tremor_amplitude_deg=None)
    html = client.get(f"/patients/{patient.id}?tab=progress&period=4w").get_data(as_text=True)
    figures = _figures(html)
    assert {"chart-rom", "chart-reps", "chart-adherence"} <= set(figures)
    assert "chart-tremor" not in figures and "chart-score" not in figures
    assert f'<p class="empty">{EMPTY_MESSAGES[3]}</p>' in html
    assert f'<p class="empty">{EMPTY_MESSAGES[4]}</p>' in html
    assert "home/plotly" in html or "plotly.min.js" in html  # some charts: plotly is loaded
    year = _figures(client.get(f"/patients/{patient.id}?tab=progress&period=52w").get_data(as_text=True))
    assert year["chart-tremor"]["data"][0]["y"] == [0.4]  # in the longer period it has data
