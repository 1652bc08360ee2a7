"""The adherence calendar reads each week against that week's prescription: a 4-of-4 week
has no missed day, today is never missed, stops for pain or fatigue look different from
completed sessions."""

from __future__ import annotations

from datetime import date, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import Session

from smarttouch.platform.models import Patient
from smarttouch.platform.services.clinic import dashboard
from smarttouch.platform.storage.db import get_engine

from .test_web_support import add_session

TZ = ZoneInfo("UTC")
MONDAY = date(2026, 11, 2)


def _overview(app, patient, today: date) -> dashboard.PatientOverview:
    with Session(get_engine(app)) as db:
        return dashboard.patient_overview(
            db, patient=db.get(Patient, patient.id), today=today, tz=TZ, period="4w", sync_alerts=False
        )


def _states(ov: dashboard.PatientOverview, monday: date) -> dict[date, str]:
    return {c.day: c.state for week in ov.calendar for c in week if week[0].day == monday}


def test_each_week_is_read_against_its_prescription(app, make_patient, make_assignment) -> None:
    patient = make_patient()
    make_assignment(patient, sessions_per_week=4, start_date=MONDAY - timedelta(days=30))
    # week 1: four sessions (Mon, Tue, Thu, Sat) -> met, no missed day
    for d in (0, 1, 3, 5):
        add_session(app, patient, MONDAY + timedelta(days=d))
    # week 2: two sessions, one stopped for fatigue, one for pain -> short by 2
    add_session(app, patient, MONDAY + timedelta(days=7), quit_reason="fatigue")
    add_session(app, patient, MONDAY + timedelta(days=9), quit_reason="pain")
    # week 3 is this week: today is Wednesday, nothing done yet
    today = MONDAY + timedelta(days=16)
    ov = _overview(app, patient, today)
    week1 = _states(ov, MONDAY)
    assert "missed" not in week1.values()
    assert [week1[MONDAY + timedelta(days=d)] for d in range(7)] == [
        "done",
        "done",
        "rest",
        "done",
        "rest",
        "done",
        "rest",
    ]
    week2 = _states(ov, MONDAY + timedelta(days=7))
    assert week2[MONDAY + timedelta(days=7)] == "fatigue" and week2[MONDAY + timedelta(days=9)] == "pain"
    assert sorted(week2.values()).count("missed") == 2  # short by exactly two sessions
    assert [d for d, s in week2.items() if s == "missed"] == [
        MONDAY + timedelta(days=12),
        MONDAY + timedelta(days=13),
    ]
    week3 = _states(ov, MONDAY + timedelta(days=14))
    # Mon and Tue are over, 5 days left (today included) for 4 sessions: nothing missed yet
    assert week3[today] == "pending" and "missed" not in week3.values()
    summaries = {w.monday: (w.done, w.prescribed, w.met) for w in ov.calendar_weeks}
    assert summaries[MONDAY] == (4, 4, True) and summaries[MONDAY + timedelta(days=7)] == (2, 4, False)
    # Saturday of week 3 with nothing done: only 2 days left for 4 sessions -> 2 missed, today pending
    saturday = MONDAY + timedelta(days=19)
    week3 = _states(_overview(app, patient, saturday), MONDAY + timedelta(days=14))
    assert list(week3.values()).count("missed") == 2 and week3[saturday] == "pending"


def test_calendar_page_shows_week_totals_and_distinct_stops(
    client, login_as, make_patient, make_assignment, app
) -> None:
    from .test_web_support import days_ago

    me = login_as("therapist")
    patient = make_patient(me)
    make_assignment(patient, sessions_per_week=2, start_date=days_ago(40))
    add_session(app, patient, days_ago(1), quit_reason="fatigue")
    html = client.get(f"/patients/{patient.id}?tab=progress").get_data(as_text=True)
    assert 'class="day fatigue"' in html and "stopped for fatigue" in html
    assert 'class="week-total"' in html
