"""Adherence in a pilot is judged week by week against the prescription in force that week
(the plan's versions), not against today's: a plan changed mid-pilot (5 -> 2 sessions a
week) and an exercise ended mid-week, recomputed here from the SQL rows."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from flask import Flask
from sqlmodel import Session

from smarttouch.platform.models import Assignment, AssignmentUpdate, Pilot, PilotEnrolment
from smarttouch.platform.services.clinic import plans
from smarttouch.platform.services.pilots import adherence, outcomes, pilots
from smarttouch.platform.services.pilots import enrolment as pilot_enrolment
from smarttouch.platform.storage.db import get_engine

from .support import approved_game, form, stored_session

TZ = ZoneInfo("Europe/Rome")
PLAYED = (1, 3, 5, 8, 10, 11, 12, 13, 15, 16, 17, 18, 19, 20)
"""days after the consent on which each patient plays"""


def _when(value: Any) -> datetime:
    d = value if isinstance(value, datetime) else datetime.fromisoformat(value)
    return d if d.tzinfo else d.replace(tzinfo=ZoneInfo("UTC"))


def _day(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(value)


def expected_weeks(
    s: Session, enrolment: PilotEnrolment, activity_id: int, start: datetime, end: datetime
) -> list[tuple]:
    """(first day, last day, done, prescribed) of each 7-day block, from the SQL rows."""
    versions = s.execute(
        sa.text(
            "SELECT valid_from, sessions_per_week, active FROM assignment_version "
            "WHERE assignment_id = :a ORDER BY version"
        ),
        {"a": enrolment.assignment_id},
    ).all()
    played = [
        _when(t).astimezone(TZ).date()
        for (t,) in s.execute(
            sa.text(
                "SELECT started_at FROM exercise_session WHERE patient_id = :p AND activity_id = :a "
                "AND started_at >= :s AND started_at < :e"
            ),
            {"p": enrolment.patient_id, "a": activity_id, "s": start, "e": end},
        )
    ]
    first, last = start.astimezone(TZ).date(), (end - timedelta(microseconds=1)).astimezone(TZ).date()
    out = []
    block = first
    while block <= last:
        days = [block + timedelta(days=i) for i in range(7) if block + timedelta(days=i) <= last]
        terms = []
        for d in days:
            starting = [v for v in versions if _day(v.valid_from) <= d]
            terms.append(starting[-1] if starting else versions[0])
        on = [t for t in terms if t.active]
        prescribed = on[-1].sessions_per_week * len(on) / 7 if on else 0.0
        out.append((days[0], days[-1], sum(days[0] <= p <= days[-1] for p in played), prescribed))
        block += timedelta(days=7)
    return out


@pytest.fixture
def world(app: Flask, make_challenge: Any, make_user: Any, make_patient: Any) -> dict[str, Any]:
    solution_id, _ = approved_game(app, make_challenge, make_user)
    therapist = make_user("therapist")
    today = datetime.now(TZ).date()
    consent_day = today - timedelta(days=21)
    with Session(get_engine(app), expire_on_commit=False) as s:
        pilot = pilots.create_pilot(
            s,
            actor=therapist,
            data=form(solution_id, comparator="own_baseline", starts_on=today - timedelta(days=30)),
        )
        enrolled = []
        for i in range(3):
            patient = make_patient(therapist)
            stored_session(  # a baseline session, needed to be included
                s,
                patient_id=patient.id,
                activity_id=None,
                started=datetime.now(TZ) - timedelta(days=3),
                rom=50,
            )
            pilot_enrolment.invite(s, actor=therapist, pilot=pilot, patient=patient)
            e = pilot_enrolment.record_consent(
                s, pilot=pilot, patient=patient, by=therapist, note=f"form {i}"
            )
            # they consented three weeks ago: the consent and the first version of the plan
            e.consented_at = datetime.combine(consent_day, time(9, 0), tzinfo=TZ)
            s.add(e)
            s.execute(
                sa.text("UPDATE assignment_version SET valid_from = :d WHERE assignment_id = :a"),
                {"d": consent_day, "a": e.assignment_id},
            )
            s.commit()
            for k in PLAYED:
                stored_session(
                    s,
                    patient_id=patient.id,
                    activity_id=pilot.activity_id,
                    started=datetime.combine(consent_day + timedelta(days=k), time(10, 0), tzinfo=TZ),
                    rom=60 + k,
                )
            enrolled.append(e)
        changed, ended, steady = enrolled
        # mid-pilot, the therapist lowers one patient's prescription from 5 to 2 a week ...
        plans.update_assignment(
            s,
            therapist=therapist,
            assignment=s.get_one(Assignment, changed.assignment_id),
            changes=AssignmentUpdate(sessions_per_week=2),
            today=consent_day + timedelta(days=10),
        )
        # ... and ends another's exercise on the third day of the third week
        plans.end_assignment(
            s,
            therapist=therapist,
            assignment=s.get_one(Assignment, ended.assignment_id),
            reason="pause",
            today=consent_day + timedelta(days=16),
        )
        return {"pilot": s.get_one(Pilot, pilot.id), "enrolled": enrolled}


def test_adherence_follows_the_prescription_in_force_each_week(app: Flask, world: dict[str, Any]) -> None:
    pilot = world["pilot"]
    now = datetime.now(TZ)
    with Session(get_engine(app), expire_on_commit=False) as s:
        out = outcomes.compute_outcomes(s, pilot, tz=TZ, now=now)
        by_enrolment = {p.enrolment_id: p for p in out.patients}
        found = {}
        for e in world["enrolled"]:
            e = s.get_one(PilotEnrolment, e.id)
            start, end = e.consented_at, now
            want = expected_weeks(s, e, pilot.activity_id, start, end)
            got = adherence.weeks(s, e, start, end, TZ, [])
            assert got is not None and [(w.first, w.last, w.prescribed) for w in got] == [
                (a, b, p) for a, b, _done, p in want
            ]
            p = by_enrolment[e.id]
            assert p.sessions == sum(done for *_x, done, _p in want) == len(PLAYED)
            total = sum(pres for *_x, pres in want)
            assert p.prescribed == pytest.approx(total, rel=1e-12)
            assert p.adherence == pytest.approx(len(PLAYED) / total, rel=1e-12)
            found[e.id] = [pres for *_x, pres in want]
        changed, ended, steady = (found[e.id] for e in world["enrolled"])
        # the week before the change keeps 5 a week; from the change's week on, 2
        assert changed[:3] == [5.0, 2.0, 2.0]
        assert steady[:3] == [5.0, 5.0, 5.0]
        # ended on day 16 (the third week's third day): 2 days of 5 a week, then nothing
        assert ended[:2] == [5.0, 5.0] and ended[2] == pytest.approx(5 * 2 / 7)
        assert ended[3:] == [0.0] * len(ended[3:])
        # today's prescription alone would say otherwise (2 a week all along)
        changed_now = by_enrolment[world["enrolled"][0].id]
        days = (now.date() - changed_now.window_start.astimezone(TZ).date()).days + 1
        assert changed_now.prescribed != pytest.approx(2 * days / 7)
