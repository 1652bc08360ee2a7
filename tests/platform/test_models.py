"""The data layer on both backends: types round-trip, constraints hold, audit is append-only."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from flask import Flask
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from smarttouch.platform.models import (
    Assignment,
    AuditEvent,
    AuditEventImmutable,
    ExerciseSession,
    Patient,
    SessionMetricsRecord,
    User,
)
from smarttouch.platform.storage.db import get_engine


def _session(app: Flask) -> Session:
    return Session(get_engine(app))


def _user(session: Session, email: str = "t@example.org", role: str = "therapist") -> User:
    user = User(email=email, full_name="T", role=role, password_hash="x")
    session.add(user)
    session.commit()
    session.refresh(user)
    return user


def test_timestamps_come_back_as_aware_utc(db_app: Flask) -> None:
    rome = timezone(timedelta(hours=2))
    with _session(db_app) as session:
        user = _user(session)
        user.last_login_at = datetime(2025, 6, 1, 10, 30, tzinfo=rome)
        session.add(user)
        session.commit()
        uid = user.id
    with _session(db_app) as session:
        loaded = session.get(User, uid)
        assert loaded.last_login_at == datetime(2025, 6, 1, 8, 30, tzinfo=UTC)
        assert loaded.last_login_at.tzinfo is not None
        assert loaded.created_at.tzinfo is not None


def test_json_columns_round_trip(db_app: Flask) -> None:
    with _session(db_app) as session:
        therapist = _user(session)
        patient = Patient(code="P-1", condition="parkinson", therapist_id=therapist.id)
        session.add(patient)
        session.commit()
        row = ExerciseSession(
            client_uuid="0b1e7c1a-0000-4000-8000-000000000001",
            patient_id=patient.id,
            client_metrics={"reps": 12, "rom": 81.5},
        )
        session.add(row)
        session.commit()
        metrics = SessionMetricsRecord(
            session_id=row.id, reps=12, rom_deg=80.0, quality_flags={"gaps": 0}, per_rep=[{"rom_deg": 79.0}]
        )
        session.add(metrics)
        session.commit()
        sid = row.id
    with _session(db_app) as session:
        loaded = session.get(ExerciseSession, sid)
        assert loaded.client_metrics == {"reps": 12, "rom": 81.5}
        m = session.exec(select(SessionMetricsRecord).where(SessionMetricsRecord.session_id == sid)).one()
        assert m.per_rep == [{"rom_deg": 79.0}] and m.quality_flags == {"gaps": 0}


def test_unique_email_and_client_uuid(db_app: Flask) -> None:
    with _session(db_app) as session:
        _user(session)
        with pytest.raises(IntegrityError):
            _user(session)
        session.rollback()
        therapist = _user(session, "other@example.org")
        patient = Patient(code="P-2", condition="copd", therapist_id=therapist.id)
        session.add(patient)
        session.commit()
        for _ in range(2):
            session.add(ExerciseSession(client_uuid="same", patient_id=patient.id))
        with pytest.raises(IntegrityError):
            session.commit()


def test_deleting_a_patient_cascades_to_plan_and_sessions(db_app: Flask) -> None:
    with _session(db_app) as session:
        therapist = _user(session)
        patient = Patient(code="P-3", condition="frailty", therapist_id=therapist.id)
        session.add(patient)
        session.commit()
        from smarttouch.platform.services.clinic.catalogue import get_activity_by_key

        activity = get_activity_by_key(session, key="garden")
        session.add(
            Assignment(
                patient_id=patient.id,
                activity_id=activity.id,
                movement="sit_to_stand",
                target_rom_deg=80,
                reps=5,
                start_date=date(2025, 1, 1),
            )
        )
        session.add(ExerciseSession(client_uuid="u-1", patient_id=patient.id))
        session.commit()
        session.delete(patient)
        session.commit()
        assert session.exec(select(Assignment)).all() == []
        assert session.exec(select(ExerciseSession)).all() == []


def test_audit_events_cannot_be_changed_or_deleted(db_app: Flask) -> None:
    with _session(db_app) as session:
        event = AuditEvent(action="plan.assignment_created", patient_id=1)
        session.add(event)
        session.commit()
        event.action = "tampered"
        session.add(event)
        with pytest.raises(AuditEventImmutable):
            session.commit()
        session.rollback()
        session.delete(session.get(AuditEvent, event.id))
        with pytest.raises(AuditEventImmutable):
            session.commit()
        session.rollback()
        assert session.get(AuditEvent, event.id).action == "plan.assignment_created"
