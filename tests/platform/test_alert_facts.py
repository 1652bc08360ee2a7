"""The facts the alerts are judged on after each scored session: :func:`progress.patient_facts`
(plain columns) gives exactly the records of the full ORM read
(``session_facts(patient_sessions(...))``), on randomised histories (days across midnight in
several time zones, same-minute sessions, unscored sessions, uncertain counts, missing and
present optional metrics, pain stops), on SQLite and PostgreSQL; so the alerts found from them
are the same too."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import Session

from smarttouch.platform.models import ExerciseSession, SessionFeeling, SessionMetricsRecord, pk
from smarttouch.platform.services.clinic import alerts, feelings, progress
from smarttouch.platform.storage.db import get_engine
from smarttouch.platform.testing import Factories

ZONES = ("UTC", "Europe/Rome", "Pacific/Auckland", "America/Los_Angeles")


def _history(session: Session, patient_id: int, rng: random.Random) -> None:
    start = datetime(2026, 1, 1, tzinfo=UTC) + timedelta(minutes=rng.randrange(0, 60 * 24))
    moment = start
    for _ in range(rng.randrange(25, 61)):
        moment += rng.choice([timedelta(0), timedelta(minutes=1), timedelta(hours=11), timedelta(days=1)])
        moment += timedelta(minutes=rng.randrange(0, 600))
        row = ExerciseSession(
            patient_id=patient_id,
            client_uuid=f"{patient_id}-{rng.random()}",
            started_at=moment,
            quit_reason=rng.choice(["completed", "completed", "pain", "fatigue", None]),
        )
        session.add(row)
        session.flush()
        for when in rng.sample(["before", "after"], rng.randrange(0, 3)):
            session.add(
                SessionFeeling(
                    session_id=pk(row),
                    patient_id=patient_id,
                    moment=when,
                    scale=rng.choice(["pain_nrs", "effort"]),
                    value=rng.randrange(0, 11),
                    skipped=rng.random() < 0.1,
                )
            )
        if rng.random() < 0.15:
            continue  # not scored (yet)
        session.add(
            SessionMetricsRecord(
                session_id=pk(row),
                reps=rng.randrange(0, 30),
                rom_deg=rng.uniform(20, 120),
                rom_deg_mean=rng.uniform(20, 110),
                peak_speed_dps=rng.uniform(10, 200),
                sparc=rng.choice([None, rng.uniform(-4, -1)]),
                ldlj=rng.choice([None, rng.uniform(-12, -4)]),
                tremor_amplitude_deg=rng.choice([None, rng.uniform(0, 2)]),
                count_uncertain=rng.random() < 0.2,
                uncertain_reason=rng.choice([None, "reps merged"]),
            )
        )
    session.commit()


@pytest.mark.parametrize("seed", range(6))
def test_the_column_read_gives_the_full_reads_facts(db_app, seed: int) -> None:
    rng = random.Random(seed)
    factories = Factories(db_app)
    patients = [factories.patient() for _ in range(2)]  # the other patient's rows stay out
    with Session(get_engine(db_app)) as s:
        for patient in patients:
            _history(s, pk(patient), rng)
    for tz in ZONES:
        with Session(get_engine(db_app)) as s:
            full = progress.session_facts(progress.patient_sessions(s, patient_id=pk(patients[0]), tz=tz))
            light = progress.patient_facts(s, patient_id=pk(patients[0]), tz=tz)
            assert light == full and len(full) >= 25
            day = full[-1].record.day
            found = [
                [
                    (f.concern, f.message, f.evidence, f.details, f.session_id)
                    for source in alerts.SOURCES.values()
                    for f in source(alerts.AlertContext(pk(patients[0]), facts, today, True, session=s))
                ]
                for facts in (full, light)
                for today in (day, day + timedelta(days=5))
            ]
            assert found[:2] == found[2:]
        with Session(get_engine(db_app)) as s:
            every = feelings.patient_feelings(s, patient_id=pk(patients[0]))
            assert len(every) > 10
            for limit in (1, 3, 10, 40, 100):
                assert feelings.patient_feelings(s, patient_id=pk(patients[0]), limit=limit) == every[-limit:]


def test_a_patient_without_sessions_has_no_facts(db_app) -> None:
    patient = Factories(db_app).patient()
    with Session(get_engine(db_app)) as s:
        assert progress.patient_facts(s, patient_id=pk(patient), tz="UTC") == []
