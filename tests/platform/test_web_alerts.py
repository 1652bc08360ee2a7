"""Alert bookkeeping: scoring decides, the hub stores each finding once, a persisting
decline returns after acknowledgement, "no session" needs a plan."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlmodel import Session, select

from smarttouch.platform.models import Alert, Patient
from smarttouch.platform.services.clinic import alerts
from smarttouch.platform.storage.db import get_engine
from smarttouch.scoring.progress import SessionRecord

from .test_web_support import add_session

DAY0 = date(2026, 3, 2)


def _facts(app, patient, roms: list[float], quit_last: str = "completed") -> list[alerts.SessionFact]:
    """Stored sessions one day apart from DAY0 and their facts."""
    out = []
    for i, rom in enumerate(roms):
        quit = quit_last if i == len(roms) - 1 else "completed"
        day = DAY0 + timedelta(days=i)
        sid = add_session(app, patient, day, rom=rom, quit_reason=quit)
        out.append(alerts.SessionFact(sid, SessionRecord(day, {"rom_deg": rom}, quit)))
    return out


def test_findings_are_stored_once(app, make_patient, make_user) -> None:
    therapist = make_user("therapist")
    patient = make_patient(therapist)
    facts = _facts(app, patient, [80, 81, 80, 66, 65, 64], quit_last="pain")
    today = facts[-1].record.day
    with Session(get_engine(app)) as db:
        p = db.get(Patient, patient.id)
        first = alerts.sync_patient_alerts(db, patient=p, facts=facts, today=today, has_plan=True)
        assert sorted(a.kind for a in first) == ["decline", "pain_stop"]
        decline = next(a for a in first if a.kind == "decline")
        assert decline.details["metric"] == "rom_deg"
        assert decline.details["before"] == pytest.approx(241 / 3)
        assert decline.details["recent"] == pytest.approx(65.0)
        assert alerts.sync_patient_alerts(db, patient=p, facts=facts, today=today, has_plan=True) == []
        # the decline persists with one more session: not repeated while it is open ...
        extra = add_session(app, patient, today + timedelta(days=1), rom=63)
        more = [*facts, alerts.SessionFact(extra, SessionRecord(today + timedelta(days=1), {"rom_deg": 63}))]
        assert alerts.sync_patient_alerts(db, patient=p, facts=more, today=today, has_plan=True) == []
        # ... nor right after the therapist acknowledged it (nothing new since) ...
        alerts.acknowledge(db, therapist=db.get(type(therapist), therapist.id), alert_id=decline.id)
        assert alerts.sync_patient_alerts(db, patient=p, facts=more, today=today, has_plan=True) == []
        # ... but again when a later session still shows the decline
        newer = add_session(app, patient, today + timedelta(days=2), rom=50)
        more.append(alerts.SessionFact(newer, SessionRecord(today + timedelta(days=2), {"rom_deg": 50})))
        again = alerts.sync_patient_alerts(db, patient=p, facts=more, today=today, has_plan=True)
        assert [a.kind for a in again] == ["decline"]
        assert again[0].details["key"] == f"decline:rom_deg:{newer}"


def test_no_session_only_with_a_plan(app, make_patient) -> None:
    patient = make_patient()
    facts = _facts(app, patient, [70, 71])
    later = facts[-1].record.day + timedelta(days=10)
    with Session(get_engine(app)) as db:
        p = db.get(Patient, patient.id)
        assert alerts.sync_patient_alerts(db, patient=p, facts=facts, today=later, has_plan=False) == []
        found = alerts.sync_patient_alerts(db, patient=p, facts=facts, today=later, has_plan=True)
        assert [a.kind for a in found] == ["no_session"] and found[0].details["days"] == 10
        # the caseload's bulk check agrees and adds nothing new
        last_day = facts[-1].record.day
        assert alerts.sync_no_session_alerts(db, last_days={p.id: last_day}, today=later, planned={p.id}) == 0
        assert (
            alerts.sync_no_session_alerts(
                db, last_days={p.id: last_day}, today=last_day + timedelta(days=2), planned={p.id}
            )
            == 0
        )
        assert len(db.exec(select(Alert)).all()) == 1
