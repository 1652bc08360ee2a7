"""The therapist's pages: reps per set on the session page, and an uncertain count shown with
its plain reason and left out of the trends (the patient page says which and why), in English
and Italian."""

from __future__ import annotations

import re

from flask import Flask
from flask.testing import FlaskClient
from sqlmodel import Session, select

from smarttouch.platform.models import SessionMetricsRecord
from smarttouch.platform.patients.uncertainty_text import uncertain_reason_text
from smarttouch.platform.storage.db import get_engine
from smarttouch.scoring.quality import QualityFlags
from smarttouch.scoring.uncertainty import assess_count

from .test_web_support import add_session, add_simulated_session, days_ago

IT = {"Accept-Language": "it-IT,it;q=0.9"}
EN = {"Accept-Language": "en"}


def _sets_rows(html: str) -> list[tuple[str, str]]:
    table = re.search(r'<table class="data" id="sets-table">(.*?)</table>', html, flags=re.S).group(1)
    rows = re.findall(r'<th scope="row">(.*?)</th>\s*<td class="num">(\d+)</td>', table)
    return [(label.strip(), reps) for label, reps in rows]


def test_the_session_page_shows_reps_per_set(
    client: FlaskClient, login_as, make_patient, make_assignment, app: Flask
) -> None:
    me = login_as("therapist")
    patient = make_patient(me)
    assignment = make_assignment(patient, movement="shoulder_flexion")
    sid = add_simulated_session(app, patient, assignment, reps=6, sets=2)
    html = client.get(f"/sessions/{sid}", headers=EN).get_data(as_text=True)
    assert _sets_rows(html) == [("Set 1", "3"), ("Set 2", "3")]
    assert "Repetitions counted by the game" in html
    assert "only their repetitions count" in html  # the trace explains its play-phase bars
    html = client.get(f"/sessions/{sid}", headers=IT).get_data(as_text=True)
    assert _sets_rows(html) == [("Serie 1", "3"), ("Serie 2", "3")]
    assert "Ripetizioni contate dal gioco" in html


def test_a_session_without_phases_has_no_set_table(
    client: FlaskClient, login_as, make_patient, make_assignment, app: Flask
) -> None:
    me = login_as("therapist")
    patient = make_patient(me)
    assignment = make_assignment(patient, movement="shoulder_flexion")
    sid = add_simulated_session(app, patient, assignment, reps=4)
    html = client.get(f"/sessions/{sid}", headers=EN).get_data(as_text=True)
    assert 'id="sets-table"' not in html and "uncertain-count" not in html


def _make_uncertain(app: Flask, session_id: int, reason: str) -> None:
    with Session(get_engine(app)) as db:
        row = db.exec(select(SessionMetricsRecord).where(SessionMetricsRecord.session_id == session_id)).one()
        row.count_uncertain = True
        row.uncertain_reason = reason
        db.add(row)
        db.commit()


REASON = (
    "too short: only 3.2 s of recording (at least 5 s needed); "
    "no clear rest level: the limb does not settle in one resting position, "
    "so where each repetition starts and ends is unclear"
)


def test_an_uncertain_count_is_shown_with_its_reason(
    client: FlaskClient, login_as, make_patient, app: Flask
) -> None:
    me = login_as("therapist")
    patient = make_patient(me)
    sid = add_session(app, patient, days_ago(1), rom=50)
    _make_uncertain(app, sid, REASON)
    html = client.get(f"/sessions/{sid}", headers=EN).get_data(as_text=True)
    assert 'id="uncertain-count"' in html
    assert "only 3.2 s of recording" in html and "left out of the trends" in html
    html = client.get(f"/sessions/{sid}", headers=IT).get_data(as_text=True)
    assert "Il conteggio delle ripetizioni di questa sessione è incerto." in html
    assert "troppo breve: solo 3.2 s di registrazione (ne servono almeno 5)" in html
    assert "nessuna posizione di riposo chiara" in html
    assert "too short" not in html  # every clause translated


def test_the_patient_page_lists_the_sessions_left_out_and_why(
    client: FlaskClient, login_as, make_patient, app: Flask
) -> None:
    me = login_as("therapist")
    patient = make_patient(me)
    kept = add_session(app, patient, days_ago(3), rom=50)
    left_out = add_session(app, patient, days_ago(2), rom=52)
    _make_uncertain(app, left_out, REASON)
    html = client.get(f"/patients/{patient.id}?tab=progress", headers=EN).get_data(as_text=True)
    box = re.search(r'<div class="note" id="excluded-sessions">(.*?)</div>', html, flags=re.S).group(1)
    assert "1 session is left out of the trends" in box
    assert f"/sessions/{left_out}" in box and f"/sessions/{kept}" not in box
    assert "only 3.2 s of recording" in box
    html = client.get(f"/patients/{patient.id}?tab=progress", headers=IT).get_data(as_text=True)
    assert "1 sessione è esclusa dagli andamenti" in html


def test_every_reason_scoring_gives_is_translated(app: Flask) -> None:
    """Each clause :func:`assess_count` can write is recognised (a reworded clause in scoring
    fails here instead of reaching Italian pages in English)."""
    quality = QualityFlags(clipped_gyr=True, max_gap_s=2.5)
    worst = assess_count(3.2, quality, 0.2, 3.0, [0.1, 0.2, 0.9]).reason
    assert worst is not None and worst.count(";") == 5  # all six kinds of reason at once
    with app.test_request_context(headers=IT):
        italian = uncertain_reason_text(worst)
    for english in ("too short", "poor signal", "no clear rest level", "repetitions are doubtful"):
        assert english not in italian, italian


def test_an_uncertain_session_is_no_point_of_the_caseload_trend(app: Flask, factories) -> None:
    from zoneinfo import ZoneInfo

    from smarttouch.platform.models import User
    from smarttouch.platform.services.clinic import caseload

    therapist = factories.user("therapist")
    patient = factories.patient(therapist)
    factories.assignment(patient, sessions_per_week=4, start_date=days_ago(40))
    for n, rom in zip((20, 15, 10, 5), (60, 62, 64, 66)):
        add_session(app, patient, days_ago(n), rom=rom)
    add_session(app, patient, days_ago(2), rom=10, count_uncertain=True, uncertain_reason=REASON)
    with Session(get_engine(app)) as db:
        (row,) = caseload.caseload(
            db, therapist=db.get(User, therapist.id), today=days_ago(0), tz=ZoneInfo("Europe/Rome")
        )
    assert row.trend is not None and row.trend.n == 4 and row.trend.slope_per_week > 0
    assert row.latest_value == 66


def test_the_hub_passes_the_uncertainty_to_the_trends_and_verdicts(app: Flask, factories) -> None:
    """An uncertain session with a far-off ROM changes neither the trend nor the MCID verdict
    nor raises a decline alert; it still counts for adherence."""
    from zoneinfo import ZoneInfo

    from smarttouch.platform.models import Patient
    from smarttouch.platform.services.clinic import dashboard, progress

    therapist = factories.user("therapist")
    patient = factories.patient(therapist)
    factories.assignment(patient, sessions_per_week=4, start_date=days_ago(40))
    for i, n in enumerate((30, 27, 24, 21, 18, 15)):
        add_session(app, patient, days_ago(n), rom=60 + 2 * i)
    add_session(app, patient, days_ago(3), rom=5, count_uncertain=True, uncertain_reason=REASON)
    tz = ZoneInfo("Europe/Rome")
    with Session(get_engine(app)) as db:
        ov = dashboard.patient_overview(
            db, patient=db.get(Patient, patient.id), today=days_ago(0), tz=tz, period="12w"
        )
        summary = progress.progress_summary(db, patient=db.get(Patient, patient.id), today=days_ago(0), tz=tz)
    assert ov.report["trends"]["rom_deg"]["n"] == 6
    assert ov.report["mcid"]["rom_deg"]["recent"] == 68.0  # with the uncertain 5 deg it would be 47.7
    assert ov.report["excluded_uncertain"] == 1
    assert sum(w["done"] for w in ov.weeks) == 7
    assert not [a for a in summary.alerts if a.kind == "decline"]


def test_the_csv_report_has_reps_per_set_and_the_uncertainty(
    client: FlaskClient, login_as, make_patient, make_assignment, app: Flask
) -> None:
    import csv
    import io

    me = login_as("therapist")
    patient = make_patient(me)
    assignment = make_assignment(patient, movement="shoulder_flexion")
    add_simulated_session(app, patient, assignment, reps=6, sets=2)
    uncertain = add_session(app, patient, days_ago(1), rom=50)
    _make_uncertain(app, uncertain, REASON)
    query = f"start={days_ago(5).isoformat()}&end={days_ago(0).isoformat()}"
    text = client.get(f"/patients/{patient.id}/report.csv?{query}").get_data(as_text=True)
    rows = {int(r["session_id"]): r for r in csv.DictReader(io.StringIO(text))}
    played = next(r for sid, r in rows.items() if sid != uncertain)
    assert (played["reps_per_set"], played["count_uncertain"]) == ("3;3", "0")
    assert rows[uncertain]["count_uncertain"] == "1" and rows[uncertain]["uncertain_reason"] == REASON
    assert rows[uncertain]["reps_per_set"] == ""
