"""The facts the alerts are judged on after each scored session: :func:`progress.patient_facts`
(plain columns) gives exactly the records of the full ORM read
(``session_facts(patient_sessions(...))``), on randomised histories (days across midnight in
several time zones, same-minute sessions, unscored sessions, uncertain counts, missing and
present optional metrics, pain stops), on SQLite and PostgreSQL; so the alerts found from them
are the same too."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlmodel import Session, SQLModel

from smarttouch.platform.models import ExerciseSession, SessionFeeling, SessionMetricsRecord, pk
from smarttouch.platform.services.clinic import alerts, feelings, progress
from smarttouch.platform.storage.db import get_engine
from smarttouch.platform.testing import Factories

ZONES = ("UTC", "Europe/Rome", "Pacific/Auckland", "America/Los_Angeles")


def _history(session: Session, patient_id: int, rng: random.Random) -> None:
    start = datetime(2026, 1, 1, tzinfo=UTC) + timedelta(minutes=rng.randrange(0, 60 * 24))
    moment = start
    rows: list[ExerciseSession] = []
    children: list[tuple[type[SQLModel], int, dict[str, Any]]] = []  # (model, its session's index, fields)
    for _ in range(rng.randrange(25, 61)):
        moment += rng.choice([timedelta(0), timedelta(minutes=1), timedelta(hours=11), timedelta(days=1)])
        moment += timedelta(minutes=rng.randrange(0, 600))
        row = ExerciseSession(
            patient_id=patient_id,
            client_uuid=f"{patient_id}-{rng.random()}",
            started_at=moment,
            quit_reason=rng.choice(["completed", "completed", "pain", "fatigue", None]),
        )
        rows.append(row)
        for when in rng.sample(["before", "after"], rng.randrange(0, 3)):
            children.append(
                (
                    SessionFeeling,
                    len(rows) - 1,
                    dict(
                        patient_id=patient_id,
                        moment=when,
                        scale=rng.choice(["pain_nrs", "effort"]),
                        value=rng.randrange(0, 11),
                        skipped=rng.random() < 0.1,
                    ),
                )
            )
        if rng.random() < 0.15:
            continue  # not scored (yet)
        children.append(
            (
                SessionMetricsRecord,
                len(rows) - 1,
                dict(
                    reps=rng.randrange(0, 30),
                    rom_deg=rng.uniform(20, 120),
                    rom_deg_mean=rng.uniform(20, 110),
                    peak_speed_dps=rng.uniform(10, 200),
                    sparc=rng.choice([None, rng.uniform(-4, -1)]),
                    ldlj=rng.choice([None, rng.uniform(-12, -4)]),
                    tremor_amplitude_deg=rng.choice([None, rng.uniform(0, 2)]),
                    count_uncertain=rng.random() < 0.2,
                    uncertain_reason=rng.choice([None, "reps merged"]),
                ),
            )
        )
    session.add_all(rows)
    session.flush()  # one INSERT for the whole history: the ids its feelings and metrics need
    session.add_all(model(session_id=pk(rows[i]), **fields) for model, i, fields in children)
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


# ------------------------------------------------------------------ the alerts' window
def _findings(s: Session, patient_id: int, facts: list[alerts.SessionFact], today: Any) -> list[Any]:
    ctx = alerts.AlertContext(patient_id, facts, today, True, session=s)
    return [
        (f.concern, f.message, f.evidence, f.details, f.session_id)
        for source in alerts.SOURCES.values()
        for f in source(ctx)
    ]


def _assert_window_finds_the_same(s: Session, patient_id: int, tz: str) -> list[alerts.SessionFact]:
    full = progress.patient_facts(s, patient_id=patient_id, tz=tz)
    window = progress.alert_facts(s, patient_id=patient_id, tz=tz)
    kept = {f.session_id for f in window}
    assert window == [f for f in full if f.session_id in kept]  # a subset of the same facts, in order
    if full:
        assert window[-1] == full[-1]
        for today in (full[-1].record.day, full[-1].record.day + timedelta(days=9)):
            assert _findings(s, patient_id, window, today) == _findings(s, patient_id, full, today)
    return window


#: one session: gap in hours, quit reason, scored, uncertain, which metrics are stored (one
#: bit each of TREND_METRICS), an odd value (NaN / inf) instead of one, pain ratings
_SESSION = st.tuples(
    st.sampled_from([0, 0, 1, 12, 24, 24, 48, 200]),
    st.sampled_from(["completed", "completed", "pain", None]),
    st.sampled_from([True, True, True, False]),
    st.sampled_from([False, False, False, True]),
    st.integers(0, 2 ** len(progress.TREND_METRICS) - 1) | st.just(2 ** len(progress.TREND_METRICS) - 1),
    st.sampled_from([None, None, None, float("nan"), float("inf")]),
    st.sampled_from([(), (), ("before",), ("after",), ("before", "after"), ("skipped",)]),
    st.floats(0, 1),
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    sessions=st.integers(1, 90).flatmap(lambda n: st.lists(_SESSION, min_size=n, max_size=n)),
    slope=st.sampled_from([0.0, 1.0, 4.0, -4.0]),
    tz=st.sampled_from(ZONES),
)
def test_the_alerts_window_finds_what_the_whole_history_finds(db_app, sessions, slope, tz) -> None:
    """Random histories (improving, steady and declining metrics with noise, metrics missing
    for stretches, uncertain counts, unscored sessions, non-finite values, pain ratings old
    and new, skipped ones): every source finds the same from :func:`progress.alert_facts` as
    from the whole history."""
    patient_id = pk(Factories(db_app).patient())
    moment = datetime(2026, 1, 1, 22, 30, tzinfo=UTC)
    with Session(get_engine(db_app)) as s:
        rows = []
        for n, (gap, quit, *_) in enumerate(sessions):
            moment += timedelta(hours=gap)
            rows.append(
                ExerciseSession(
                    patient_id=patient_id,
                    client_uuid=f"{patient_id}-{n}",
                    started_at=moment,
                    quit_reason=quit,
                )
            )
        s.add_all(rows)
        s.flush()  # one INSERT for the whole history (a flush per row was most of the test's time)
        for n, (row, (_, _, scored, uncertain, present, odd, pains, level)) in enumerate(zip(rows, sessions)):
            for when in pains:
                skipped = when == "skipped"
                s.add(
                    SessionFeeling(
                        session_id=pk(row),
                        patient_id=patient_id,
                        moment="after" if skipped else when,
                        scale="pain_nrs",
                        value=None if skipped else round(level * 10),
                        skipped=skipped,
                    )
                )
            if not scored:
                continue
            values: dict[str, Any] = {}
            for bit, key in enumerate(progress.TREND_METRICS):
                if present >> bit & 1:
                    value = 100.0 - slope * n + level * 30.0  # a trend, and noise
                    values[key] = round(value) if key == "reps" else value / (50.0 if key == "sparc" else 1.0)
                elif key in ("rom_deg", "rom_deg_mean", "peak_speed_dps"):
                    values[key] = 0.0  # not nullable
                elif key == "reps":
                    values[key] = 0
            if odd is not None:
                values["sparc"] = odd
            s.add(
                SessionMetricsRecord(
                    session_id=pk(row), count_uncertain=uncertain, uncertain_reason="merged", **values
                )
            )
        s.commit()
    with Session(get_engine(db_app)) as s:
        _assert_window_finds_the_same(s, patient_id, tz)


def test_the_alerts_window_does_not_grow_with_the_history(db_app) -> None:
    """The rows the alerts read after a scored session stay as many however long the history:
    the newest, each metric's first 3 and last 6 usable sessions, the newest pain rating."""
    patient_id = pk(Factories(db_app).patient())
    sizes = []
    with Session(get_engine(db_app)) as s:
        start = datetime(2026, 1, 1, 9, tzinfo=UTC)
        for n in range(120):
            row = ExerciseSession(
                patient_id=patient_id,
                client_uuid=f"grow-{n}",
                started_at=start + timedelta(days=n),
                quit_reason="completed",
            )
            s.add(row)
            s.flush()
            s.add(
                SessionFeeling(
                    session_id=pk(row), patient_id=patient_id, moment="after", scale="pain_nrs", value=n % 4
                )
            )
            s.add(
                SessionMetricsRecord(
                    session_id=pk(row),
                    reps=10 + n % 3,
                    rom_deg=80.0 - n / 4,
                    rom_deg_mean=70.0,
                    peak_speed_dps=90.0,
                    sparc=-2.0,
                    ldlj=-6.0,
                    tremor_amplitude_deg=0.5,
                )
            )
            s.commit()
            if n + 1 in (12, 40, 120):
                sizes.append(len(_assert_window_finds_the_same(s, patient_id, "Europe/Rome")))
    assert sizes == [9, 9, 9], sizes


def test_the_alerts_window_stays_short_enough_for_the_driver_to_keep_it_parsed() -> None:
    """psycopg keeps a query's conversion only up to 4096 characters and 50 parameters: past
    that it re-parses the statement on every scored session (it did, at 9900 characters)."""
    from sqlalchemy.dialects import postgresql

    sql = str(progress._alert_window().compile(dialect=postgresql.dialect()))
    assert len(sql) <= 4096 - 200 and sql.count("%(") <= 10, (len(sql), sql.count("%("))
