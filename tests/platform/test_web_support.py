"""Helpers for the web-page tests (no tests here): stored sessions with chosen metrics, and
sessions with a real simulated recording in the blob store.

The values are synthetic and chosen by each test so the expected trend, MCID verdict or alert
is known in advance.
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from flask import Flask
from sqlmodel import Session

from smarttouch.platform.models import (
    Assignment,
    ExerciseSession,
    Patient,
    SessionMetricsRecord,
    SessionStatus,
)
from smarttouch.platform.storage.blobstore import get_blobstore
from smarttouch.platform.storage.db import get_engine


def add_session(
    app: Flask,
    patient: Patient,
    day: date,
    *,
    rom: float | None = 70.0,
    quit_reason: str = "completed",
    assignment: Assignment | None = None,
    hour: int = 10,
    score: float | None = 500.0,
    **metrics: Any,
) -> int:
    """Store one scored session on ``day`` (10:00 UTC) with ROM ``rom`` deg; returns its id.
    ``rom=None`` stores a session that was received but not scored."""
    started = datetime.combine(day, time(hour), tzinfo=UTC)
    with Session(get_engine(app)) as db:
        row = ExerciseSession(
            client_uuid=str(uuid.uuid4()),
            patient_id=patient.id,
            assignment_id=assignment.id if assignment else None,
            activity_id=assignment.activity_id if assignment else None,
            status=SessionStatus.scored if rom is not None else SessionStatus.received,
            started_at=started,
            ended_at=started + timedelta(seconds=40),
            quit_reason=quit_reason,
            game_score=score,
        )
        db.add(row)
        db.flush()
        if rom is not None:
            values = {
                "reps": 10,
                "rom_deg": rom,
                "rom_deg_mean": rom - 5,
                "peak_speed_dps": 100.0,
                "sparc": -1.6,
                "ldlj": -6.0,
                "tremor_amplitude_deg": 0.4,
                "tremor_power_ratio": 0.05,
                "duration_s": 40.0,
                "active_time_s": 25.0,
            } | metrics
            db.add(
                SessionMetricsRecord(session_id=row.id, quality_flags={"warnings": []}, per_rep=[], **values)
            )
        db.commit()
        return int(row.id)


def add_simulated_session(
    app: Flask,
    patient: Patient,
    assignment: Assignment,
    *,
    reps: int = 5,
    rom_deg: float = 70.0,
    seed: int = 3,
    quit_reason: str = "completed",
    sets: int | None = None,
) -> int:
    """A session uploaded through the hub's ingest path with a simulated recording (and scored
    at once: the app's ``SCORING`` is ``inline`` when testing); with
    ``sets``, the recording's reps are split evenly into that many play phases (edges halfway
    between reps) after a calibration phase."""
    from smarttouch.platform.jobs.queue import scoring_enqueuer
    from smarttouch.platform.models import Device
    from smarttouch.platform.services.clinic.ingest import ingest_session
    from smarttouch.platform.services.clinic.upload import SessionUpload
    from smarttouch.sensors.recording_io import recording_to_bytes
    from smarttouch.sensors.simulator import simulate

    sim = simulate(
        assignment.movement,
        reps=reps,
        rom_deg=rom_deg,
        tempo_s=2.5,
        pause_s=0.5,
        fs=50.0,
        lead_in_s=1.5,
        seed=seed,
    )
    rec = sim.recording
    if sets is not None:
        rec.phases = _even_sets(sim.rep_bounds, float(rec.t[-1]), sets)
    with app.app_context(), Session(get_engine(app), expire_on_commit=False) as db:
        device = Device(
            patient_id=patient.id, label="Test PC", token_hash=uuid.uuid4().hex * 2, token_prefix="stt_test"
        )
        db.add(device)
        db.commit()
        started = datetime.now(UTC) - timedelta(hours=1)
        meta = SessionUpload(
            session_id=uuid.uuid4(),
            assignment_id=assignment.id,
            game="balloons",
            movement=assignment.movement,
            started_at=started,
            quit_reason=quit_reason,
            reps=reps,
            score=321,
            sample_rate_hz=50.0,
            phases=[p.to_dict() for p in rec.phases],
        )
        result = ingest_session(
            db,
            store=get_blobstore(app),
            device=device,
            patient=db.get(Patient, patient.id),
            meta=meta,
            recording=recording_to_bytes(rec),
            today=started.date(),
            tz="UTC",
            enqueue=scoring_enqueuer(app),  # inline when testing: scored before this returns
        )
        return int(result.session.id)


def _even_sets(bounds: list[tuple[float, float]], end: float, sets: int) -> tuple:
    """Calibration before the first rep, then ``sets`` play phases with rests between them."""
    from smarttouch.sensors.types import Phase

    per = len(bounds) // sets
    edges = [bounds[0][0] - 0.5]
    edges += [(bounds[k * per - 1][1] + bounds[k * per][0]) / 2 for k in range(1, sets)]
    edges.append(end)
    phases = [Phase("calibration", 0.0, edges[0])]
    for k in range(sets):
        phases.append(Phase("play", edges[k], edges[k + 1], k))
    return tuple(phases)


def days_ago(n: int) -> date:
    """The date ``n`` days before today in the hub's default time zone (Europe/Rome)."""
    return datetime.now(ZoneInfo("Europe/Rome")).date() - timedelta(days=n)
