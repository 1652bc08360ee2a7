"""Alert bookkeeping: scoring decides, the hub keeps one open alert per patient and concern,
refreshes it, resolves it when the condition clears, a persisting decline returns after
acknowledgement only with a later session, "no session" needs a plan."""

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
        db.refresh(decline)
        assert decline.details["evidence"] == str(extra) and decline.session_id == extra  # refreshed
        # ... nor right after the therapist acknowledged it (nothing new since) ...
        alerts.acknowledge(db, therapist=db.get(type(therapist), therapist.id), alert_id=decline.id)
        assert alerts.sync_patient_alerts(db, patient=p, facts=more, today=today, has_plan=True) == []
        # ... but again when a later session still shows the decline
        newer = add_session(app, patient, today + timedelta(days=2), rom=50)
        more.append(alerts.SessionFact(newer, SessionRecord(today + timedelta(days=2), {"rom_deg": 50})))
        again = alerts.sync_patient_alerts(db, patient=p, facts=more, today=today, has_plan=True)
        assert [a.kind for a in again] == ["decline"]
        assert again[0].details["key"] == f"decline:{newer}"
        assert again[0].concern == "decline"


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


def test_one_open_alert_per_concern_and_self_resolution(app, make_patient, make_user) -> None:
    """Largest and mean ROM declining together are one alert (one per concern); it resolves by itself (with a
    note and an audit line) once the patient improves, and the pain stop once a session ends
    normally."""
    from smarttouch.platform.models import AuditEvent

    therapist = make_user("therapist")
    patient = make_patient(therapist)
    roms = [80, 81, 80, 66, 65, 64]
    facts = []
    for i, rom in enumerate(roms):
        day = DAY0 + timedelta(days=i)
        quit = "pain" if i == len(roms) - 1 else "completed"
        sid = add_session(app, patient, day, rom=rom, quit_reason=quit)
        facts.append(
            alerts.SessionFact(sid, SessionRecord(day, {"rom_deg": rom, "rom_deg_mean": rom - 10}, quit))
        )
    today = facts[-1].record.day
    with Session(get_engine(app)) as db:
        p = db.get(Patient, patient.id)
        found = alerts.sync_patient_alerts(db, patient=p, facts=facts, today=today, has_plan=True)
        assert sorted(a.concern for a in found) == ["decline", "pain_stop"]
        decline = next(a for a in found if a.kind == "decline")
        assert [m["metric"] for m in decline.details["metrics"]] == ["rom_deg", "rom_deg_mean"]
        # three good sessions: the decline and the pain stop clear
        for i, rom in enumerate([82, 84, 86]):
            day = today + timedelta(days=i + 1)
            sid = add_session(app, patient, day, rom=rom)
            facts.append(
                alerts.SessionFact(
                    sid, SessionRecord(day, {"rom_deg": rom, "rom_deg_mean": rom - 10}, "completed")
                )
            )
        later = facts[-1].record.day
        assert alerts.sync_patient_alerts(db, patient=p, facts=facts, today=later, has_plan=True) == []
        assert alerts.open_alerts(db, patient_id=p.id) == []
        rows = db.exec(select(Alert).where(Alert.patient_id == p.id)).all()
        assert len(rows) == 2
        for row in rows:
            assert row.resolved_at is not None and row.acknowledged_at is None
            assert row.resolution_note.startswith(f"Resolved by itself on {later.isoformat()}")
        resolved = db.exec(select(AuditEvent).where(AuditEvent.action == "alert.resolved")).all()
        assert sorted(e.details["concern"] for e in resolved) == ["decline", "pain_stop"]


def test_acknowledge_with_note_and_in_bulk(app, make_patient, make_user) -> None:
    therapist = make_user("therapist")
    other = make_user("therapist")
    a, b = make_patient(therapist), make_patient(therapist)
    stranger = make_patient(other)
    with Session(get_engine(app)) as db:
        for patient in (a, b, stranger):
            sid = add_session(app, patient, DAY0, rom=70, quit_reason="pain")
            fact = alerts.SessionFact(sid, SessionRecord(DAY0, {"rom_deg": 70}, "pain"))
            alerts.sync_patient_alerts(
                db,
                patient=db.get(Patient, patient.id),
                facts=[fact],
                today=DAY0 + timedelta(days=5),
                has_plan=True,
            )
        me = db.get(type(therapist), therapist.id)
        # a stranger's patient in the batch: nothing changes at all
        from smarttouch.platform.services.errors import NotFound

        with pytest.raises(NotFound):
            alerts.acknowledge_many(db, therapist=me, patient_ids=[a.id, stranger.id], note="x")
        db.rollback()
        assert len(alerts.open_alerts(db, patient_id=a.id)) == 2
        done = alerts.acknowledge_many(
            db, therapist=me, patient_ids=[a.id, b.id], note="  Called the patient. "
        )
        assert len(done) == 4
        assert {x.acknowledge_note for x in done} == {"Called the patient."}
        assert {x.acknowledged_by_id for x in done} == {therapist.id}
        assert alerts.open_alerts(db, patient_id=a.id) == [] and alerts.open_alerts(db, patient_id=b.id) == []
        assert len(alerts.open_alerts(db, patient_id=stranger.id)) == 2
        from smarttouch.platform.services.errors import Invalid

        with pytest.raises(Invalid):
            alerts.acknowledge_many(db, therapist=me, alert_ids=[done[0].id], note="x" * 1001)
