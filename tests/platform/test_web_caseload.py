"""The therapist's caseload: adherence of the last 7 days, ROM trend arrow, open alerts and
last session per patient; sorting and searching; only the therapist's own patients."""

from __future__ import annotations

import re

from flask.testing import FlaskClient
from sqlmodel import Session, select

from smarttouch.platform.models import Alert
from smarttouch.platform.storage.db import get_engine

from .test_web_support import add_session, days_ago


def _row(html: str, code: str) -> str:
    start = html.index(f">{code}</a>")
    return html[start : html.index("</tr>", start)]


def _codes(html: str) -> list[str]:
    return re.findall(r'<th scope="row"><a href="/patients/\d+">([^<]+)</a>', html)


def test_rows_show_adherence_trend_alerts_and_last_session(
    client: FlaskClient, login_as, make_patient, make_assignment, make_user, app
) -> None:
    me = login_as("therapist")
    rising = make_patient(me, code="PT-RISE", display_name="Anna Su")
    idle = make_patient(me, code="PT-IDLE", condition="parkinson")
    make_patient(make_user("therapist"), code="PT-OTHER")
    make_assignment(rising, sessions_per_week=5, start_date=days_ago(30))
    make_assignment(idle, sessions_per_week=3, start_date=days_ago(30))
    for i, n in enumerate(range(20, -1, -3)):  # 7 sessions, ROM +3 deg every 3 days
        add_session(app, rising, days_ago(n), rom=60 + 3 * i)
    add_session(app, idle, days_ago(9), rom=50)
    html = client.get("/patients").get_data(as_text=True)
    assert "PT-OTHER" not in html
    row = _row(html, "PT-RISE")
    assert "2 of 5" in row and "40 %" in row  # days 5 and 2 fall in the last 7 days
    assert 'class="arrow up"' in row and "+7.0°/wk" in row and "latest 78°" in row
    idle_row = _row(html, "PT-IDLE")
    assert "0 of 3" in idle_row and "not enough sessions" in idle_row
    assert "No recent session" in idle_row  # 9 days without a session, with a plan
    with Session(get_engine(app)) as db:
        alert = db.exec(select(Alert).where(Alert.patient_id == idle.id)).one()
        assert alert.kind == "no_session" and alert.details["days"] == 9
    client.get("/patients")  # looking again does not duplicate the alert
    with Session(get_engine(app)) as db:
        assert len(db.exec(select(Alert).where(Alert.patient_id == idle.id)).all()) == 1


def test_no_session_alert_needs_a_current_plan(client: FlaskClient, login_as, make_patient, app) -> None:
    me = login_as("therapist")
    planless = make_patient(me, code="PT-NOPL")
    add_session(app, planless, days_ago(30), rom=50)
    row = _row(client.get("/patients").get_data(as_text=True), "PT-NOPL")
    assert "(no plan)" in row and "No recent session" not in row


def test_sorting_and_searching(client: FlaskClient, login_as, make_patient, make_assignment, app) -> None:
    me = login_as("therapist")
    a = make_patient(me, code="PT-AAAA", display_name="Zeno", condition="copd")
    b = make_patient(me, code="PT-BBBB", display_name="Mara", condition="parkinson")
    c = make_patient(me, code="PT-CCCC", display_name="Luca", condition="frailty")
    for p in (a, b, c):
        make_assignment(p, sessions_per_week=4)
    for p, n in ((a, 1), (b, 3), (c, 2)):
        for k in range(n):
            add_session(app, p, days_ago(k), rom=60)
    assert _codes(client.get("/patients").get_data(as_text=True)) == ["PT-AAAA", "PT-BBBB", "PT-CCCC"]
    html = client.get("/patients?sort=adherence&dir=desc").get_data(as_text=True)
    assert _codes(html) == ["PT-BBBB", "PT-CCCC", "PT-AAAA"]
    assert 'aria-sort="descending"' in html
    assert _codes(client.get("/patients?sort=name").get_data(as_text=True)) == [
        "PT-CCCC",
        "PT-BBBB",
        "PT-AAAA",
    ]
    assert _codes(client.get("/patients?q=parkinson").get_data(as_text=True)) == ["PT-BBBB"]
    assert _codes(client.get("/patients?q=luca").get_data(as_text=True)) == ["PT-CCCC"]
    html = client.get("/patients?q=nobody").get_data(as_text=True)
    assert _codes(html) == [] and "No patient matches" in html
    italian = client.get("/patients?q=fragilit%C3%A0", headers={"Accept-Language": "it"})
    assert _codes(italian.get_data(as_text=True)) == ["PT-CCCC"]  # the translated label
    assert client.get("/patients?sort=bogus").status_code == 200  # unknown sort: by code


def test_caseload_is_the_therapists_home_and_only_theirs(client: FlaskClient, login_as, make_patient) -> None:
    me = login_as("therapist")
    make_patient(me, code="PT-HOME")
    assert "PT-HOME" in client.get("/").get_data(as_text=True)


def test_other_roles_have_no_caseload(client: FlaskClient, login_as) -> None:
    login_as("patient")
    assert client.get("/patients").status_code == 403


def test_caseload_and_overview_on_both_databases(db_app) -> None:
    """The same numbers on SQLite and PostgreSQL (time zones, grouping, JSON details)."""
    from zoneinfo import ZoneInfo

    from smarttouch.platform.models import Patient, User
    from smarttouch.platform.services.clinic import caseload, dashboard
    from smarttouch.platform.testing import Factories

    make = Factories(db_app)
    therapist = make.user("therapist")
    patient = make.patient(therapist, code="PT-BOTH")
    make.assignment(patient, sessions_per_week=4, start_date=days_ago(40))
    for i, n in enumerate((30, 27, 24, 21, 18, 15)):
        add_session(db_app, patient, days_ago(n), rom=60 + 2 * i, quit_reason="completed")
    tz, today = ZoneInfo("Europe/Rome"), days_ago(0)
    with Session(get_engine(db_app)) as db:
        rows = caseload.caseload(db, therapist=db.get(User, therapist.id), today=today, tz=tz)
        assert [r.patient.code for r in rows] == ["PT-BOTH"]
        assert rows[0].alert_kinds == ("no_session",) and rows[0].sessions_7d == 0
        assert rows[0].trend is not None and rows[0].trend.n == 5  # sessions in 28 days
        ov = dashboard.patient_overview(
            db, patient=db.get(Patient, patient.id), today=today, tz=tz, period="12w"
        )
        assert len(ov.points) == 6 and ov.report["mcid"]["rom_deg"]["change"] == 6.0
        assert sum(w["done"] for w in ov.weeks) == 6
        assert sum(c.sessions for week in ov.calendar for c in week) == 6


def test_triage_puts_who_needs_attention_first_and_says_why(
    client: FlaskClient, login_as, make_patient, make_assignment, app
) -> None:
    """The default order: a "needs attention" group (each row with its reasons in words),
    then the rest; a plan that starts today is not a red 0 %."""
    me = login_as("therapist")
    fine = make_patient(me, code="PT-A-FINE")
    pained = make_patient(me, code="PT-B-PAIN")
    silent = make_patient(me, code="PT-C-SILENT")
    new = make_patient(me, code="PT-D-NEW")
    for p in (fine, pained, silent):
        make_assignment(p, sessions_per_week=7, start_date=days_ago(40))
    make_assignment(new, sessions_per_week=5, start_date=days_ago(0))
    for n in range(0, 7):
        add_session(app, fine, days_ago(n), rom=70)
    add_session(app, pained, days_ago(2), rom=70)
    add_session(app, pained, days_ago(1), rom=70, quit_reason="pain")
    add_session(app, silent, days_ago(9), rom=70)
    html = client.get("/patients").get_data(as_text=True)
    attention = html[html.index('id="attention-title"') : html.index('id="others-title"')]
    others = html[html.index('id="others-title"') :]
    assert _codes(attention) == ["PT-B-PAIN", "PT-C-SILENT"]  # pain weighs more
    assert _codes(others) == ["PT-A-FINE", "PT-D-NEW"]
    assert "Stopped a session for pain on" in _row(html, "PT-B-PAIN")
    assert "No session for 9 days." in _row(html, "PT-C-SILENT")
    new_row = _row(html, "PT-D-NEW")
    assert "plan starts today" in new_row and "0 %" not in new_row and 'class="low"' not in new_row


def test_missed_this_week_is_pro_rata_and_today_is_not_over() -> None:
    from datetime import date

    from smarttouch.platform.services.clinic.caseload import missed_this_week

    thursday = date(2026, 12, 3)
    long_ago = date(2026, 1, 1)
    # 4 a week; Monday to Wednesday are over: 4 * 3 // 7 = 1 expected by now
    assert missed_this_week(4, long_ago, 0, thursday) == 1
    assert missed_this_week(4, long_ago, 1, thursday) == 0
    # 7 a week and none done by Thursday: 3 days over, and only 4 days left for 7
    assert missed_this_week(7, long_ago, 0, thursday) == 3
    # a plan that starts today has missed nothing
    assert missed_this_week(7, thursday, 0, thursday) == 0
    # Monday: nothing is over yet
    assert missed_this_week(3, long_ago, 0, date(2026, 11, 30)) == 0


def test_memoised_window_follows_new_rescored_and_erased_sessions(
    login_as, make_patient, make_assignment, app
) -> None:
    """The caseload keeps its window of sessions per process; a session that arrives, a
    session scored again and a session erased each show on the next visit."""
    from datetime import timedelta
    from zoneinfo import ZoneInfo

    from smarttouch.platform.models import ExerciseSession, SessionMetricsRecord, User, utcnow
    from smarttouch.platform.services.clinic import caseload

    me = login_as("therapist")
    patient = make_patient(me, code="PT-MEMO")
    make_assignment(patient, sessions_per_week=3, start_date=days_ago(40))
    for n in (6, 4, 2):
        add_session(app, patient, days_ago(n), rom=60 + n)
    tz, today = ZoneInfo("UTC"), days_ago(0)

    def row() -> caseload.CaseloadRow:
        with Session(get_engine(app)) as db:
            (only,) = caseload.caseload(db, therapist=db.get(User, me.id), today=today, tz=tz)
            return only

    first = row()
    assert first.sessions_7d == 3 and first.latest_value == 62 and first.reasons == ()
    assert row() == first  # nothing moved: the memoised window
    newest = add_session(app, patient, days_ago(0), rom=75, quit_reason="pain")
    second = row()
    assert second.sessions_7d == 4 and second.latest_value == 75
    assert [r.code for r in second.reasons] == ["pain"]
    with Session(get_engine(app)) as db:  # scored again, as the rescoring job writes it
        metrics = db.exec(select(SessionMetricsRecord).where(SessionMetricsRecord.session_id == newest)).one()
        metrics.rom_deg, metrics.computed_at = 50.0, utcnow() + timedelta(seconds=1)
        db.add(metrics)
        db.commit()
    assert row().latest_value == 50
    with Session(get_engine(app)) as db:  # erased
        db.delete(db.get(ExerciseSession, newest))
        db.commit()
    third = row()
    assert third.sessions_7d == 3 and third.latest_value == 62 and third.reasons == ()


def test_memoised_windows_are_kept_per_database(app, make_app, factories, sqlite_template, tmp_path) -> None:
    """Two hubs in one process (as the tests' apps on one worker) whose databases hold the same
    ids and counts: each caseload is read from its own database, not from the other's window."""
    from zoneinfo import ZoneInfo

    from smarttouch.platform.models import User
    from smarttouch.platform.services.clinic import caseload
    from smarttouch.platform.testing import Factories

    from .conftest import fresh_sqlite_url

    other = make_app(fresh_sqlite_url(sqlite_template, tmp_path / "other"))
    tz, today = ZoneInfo("Europe/Rome"), days_ago(0)
    kinds = {}
    for hub, maker, reason in ((app, factories, "pain"), (other, Factories(other), "completed")):
        therapist = maker.user("therapist")
        patient = maker.patient(therapist)
        add_session(hub, patient, today, rom=None, quit_reason=reason)  # unscored: no metrics row
        with Session(get_engine(hub)) as db:
            (row,) = caseload.caseload(db, therapist=db.get(User, therapist.id), today=today, tz=tz)
        kinds[reason] = (therapist.id, patient.id, [r.code for r in row.reasons])
    assert kinds["pain"][:2] == kinds["completed"][:2]  # the same ids (and counts) in both databases
    assert "pain" in kinds["pain"][2] and "pain" not in kinds["completed"][2]
