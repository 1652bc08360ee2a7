"""Shared builders for the FHIR, data-rights and audit tests (no tests of its own).

:func:`seed_history` gives a patient a realistic record written through the models: a plan of
two assignments, scored sessions whose raw recordings (synthetic, from the sensors simulator)
sit in the blob store, a paired home device, an alert and audit events.
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from flask import Flask
from sqlmodel import Session

from smarttouch.platform.models import Alert, Device, ExerciseSession, Patient, SessionMetricsRecord, User
from smarttouch.platform.services import audit
from smarttouch.platform.storage.blobstore import get_blobstore
from smarttouch.platform.storage.db import get_engine
from smarttouch.sensors.recording_io import recording_to_bytes
from smarttouch.sensors.simulator import simulate


@dataclass
class History:
    patient: Patient
    therapist: User
    user: User | None
    assignment_ids: list[int]
    session_ids: list[int] = field(default_factory=list)
    session_uuids: list[str] = field(default_factory=list)
    blob_keys: list[str] = field(default_factory=list)
    device_id: int | None = None


def recording_bytes(
    seed: int,
    *,
    reps: int = 3,
    rom_deg: float = 80.0,
    movement: str = "shoulder_flexion",
    device: str = "Thingy:52 C3:21:AA:BB:CC:01",
) -> bytes:
    """A small synthetic recording (simulator, 50 Hz) as stored by the hub."""
    rec = simulate(movement, reps=reps, rom_deg=rom_deg, fs=50, seed=seed).recording
    rec.device = device
    rec.profile = "thingy52-raw"
    return recording_to_bytes(rec)


def add_session(
    app: Flask,
    patient: Patient,
    *,
    started_at: datetime,
    assignment_id: int | None,
    blob: bytes | None,
    metrics: dict[str, Any] | None,
    device_id: int | None = None,
    movement: str = "shoulder_flexion",
    **extra: Any,
) -> ExerciseSession:
    key = get_blobstore(app).put(blob) if blob is not None else None
    with Session(get_engine(app), expire_on_commit=False) as db:
        row = ExerciseSession(
            client_uuid=str(uuid.uuid4()),
            patient_id=patient.id,
            assignment_id=assignment_id,
            recording_sha256=key,
            started_at=started_at,
            ended_at=started_at + timedelta(minutes=6),
            status="scored" if metrics else "received",
            movement=movement,
            device_id=device_id,
            **extra,
        )
        db.add(row)
        db.flush()
        if metrics is not None:
            db.add(SessionMetricsRecord(session_id=row.id, **metrics))
        db.commit()
        db.refresh(row)
        return row


METRICS_A = {
    "reps": 9,
    "rom_deg": 84.5,
    "rom_deg_mean": 78.25,
    "peak_speed_dps": 121.0,
    "sparc": -1.72,
    "ldlj": -6.1,
    "tremor_power_ratio": 0.04,
    "tremor_freq_hz": 5.1,
    "tremor_amplitude_deg": 0.8,
    "duration_s": 310.0,
    "active_time_s": 240.5,
}
METRICS_B = {
    "reps": 12,
    "rom_deg": 91.0,
    "rom_deg_mean": 86.0,
    "peak_speed_dps": 133.0,
    "sparc": None,
    "ldlj": None,
    "tremor_power_ratio": None,
    "tremor_freq_hz": None,
    "duration_s": 295.0,
    "active_time_s": 250.0,
}


def seed_history(
    app: Flask,
    factories: Any,
    *,
    therapist: User | None = None,
    with_account: bool = True,
    name: str = "Maria Rossi",
    code: str | None = None,
    seed: int = 1,
) -> History:
    """A patient with a plan, three sessions (two scored with recordings), a device, an alert
    and audit events written by the services' audit helper."""
    therapist = therapist or factories.user("therapist")
    user = factories.user("patient", full_name=name) if with_account else None
    fields: dict[str, Any] = {"display_name": name, "birth_year": 1951, "notes": f"{name} lives alone"}
    if code:
        fields["code"] = code
    patient = factories.patient(therapist, user=user, **fields)
    today = date.today()
    a1 = factories.assignment(
        patient,
        target_rom_deg=90.0,
        reps=10,
        sets=2,
        start_date=today - timedelta(days=20),
        therapist_note=f"Call {name} on Fridays",
    )
    a2 = factories.assignment(
        patient,
        movement="elbow_flexion",
        target_rom_deg=110.0,
        reps=8,
        start_date=today - timedelta(days=40),
        end_date=today - timedelta(days=25),
    )
    with Session(get_engine(app), expire_on_commit=False) as db:
        device = Device(
            patient_id=patient.id,
            label=f"{name}'s laptop",
            token_hash=hashlib.sha256(f"tok-{patient.code}".encode()).hexdigest(),
            token_prefix="st_abc",
            created_by_id=therapist.id,
        )
        db.add(device)
        db.commit()
        db.refresh(device)
    history = History(
        patient=patient, therapist=therapist, user=user, assignment_ids=[a1.id, a2.id], device_id=device.id
    )
    now = datetime.now(UTC).replace(microsecond=0)
    plan = [
        (now - timedelta(days=3), a1.id, recording_bytes(seed), METRICS_A, "shoulder_flexion"),
        (
            now - timedelta(days=30),
            a2.id,
            recording_bytes(seed + 100, reps=4, movement="elbow_flexion"),
            METRICS_B,
            "elbow_flexion",
        ),
        (now - timedelta(days=1), a1.id, None, None, "shoulder_flexion"),
    ]
    for started, assignment_id, blob, metrics, movement in plan:
        row = add_session(
            app,
            patient,
            started_at=started,
            assignment_id=assignment_id,
            blob=blob,
            metrics=metrics,
            device_id=device.id,
            movement=movement,
            quit_reason="pain" if metrics is None else "completed",
            quit_note=f"{name}: shoulder hurt" if metrics is None else "",
        )
        history.session_ids.append(row.id)
        history.session_uuids.append(row.client_uuid)
        if row.recording_sha256:
            history.blob_keys.append(row.recording_sha256)
    with Session(get_engine(app), expire_on_commit=False) as db:
        db.add(
            Alert(
                patient_id=patient.id,
                kind="pain",
                message=f"{name} stopped for pain",
                session_id=history.session_ids[-1],
            )
        )
        audit.record(
            db,
            action="patient.created",
            actor=therapist,
            patient_id=patient.id,
            target_type="patient",
            target_id=patient.id,
            details={"code": patient.code, "display_name": name},
        )
        if user is not None:
            audit.record(
                db, action="auth.login", actor=user, target_type="user", target_id=user.id, ip="203.0.113.7"
            )
            audit.record(db, action="auth.login_failed", ip="203.0.113.7", details={"email": user.email})
        db.commit()
    return history
