"""Helpers shared by the device-API and client tests: a paired patient, upload bodies, a
synthetic recording (simulated shoulder flexion, labelled synthetic)."""

from __future__ import annotations

import io
import json
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any

from flask import Flask
from sqlmodel import Session

from smarttouch.platform.models import Assignment, Patient, User
from smarttouch.platform.services.clinic import devices
from smarttouch.platform.storage.db import get_engine
from smarttouch.platform.testing import Factories

SIM_REPS = 4
SIM_ROM_DEG = 80.0


@lru_cache(maxsize=4)
def simulated(reps: int = SIM_REPS, rom_deg: float = SIM_ROM_DEG, seed: int = 3):
    """A synthetic shoulder-flexion session (SimResult) with known per-rep ROM (deg)."""
    from smarttouch.sensors.simulator import simulate

    sim = simulate("shoulder_flexion", reps=reps, rom_deg=rom_deg, tempo_s=2.0, pause_s=0.6, seed=seed)
    sim.recording.labels["synthetic"] = True
    return sim


@lru_cache(maxsize=4)
def recording_bytes(reps: int = SIM_REPS, rom_deg: float = SIM_ROM_DEG, seed: int = 3) -> bytes:
    from smarttouch.sensors.recording_io import recording_to_bytes

    return recording_to_bytes(simulated(reps, rom_deg, seed).recording)


@dataclass
class Paired:
    """A therapist, their patient with one assignment, and a paired device token."""

    therapist: User
    patient: Patient
    assignment: Assignment
    token: str
    device_id: int

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


def pair_patient(
    app: Flask, factories: Factories, *, therapist: User | None = None, **assignment: Any
) -> Paired:
    therapist = therapist or factories.user("therapist")
    patient = factories.patient(therapist)
    fields = {"movement": "shoulder_flexion", "target_rom_deg": 80.0, "reps": 3, "sets": 1, **assignment}
    plan = factories.assignment(patient, **fields)
    with Session(get_engine(app)) as session:
        code, _ = devices.create_pairing_code(session, actor=therapist, patient_id=patient.id)
        token, device = devices.exchange_pairing_code(session, code=code, label="test pc")
        device_id = device.id
    return Paired(therapist, patient, plan, token, device_id)


def session_meta(paired: Paired, **overrides: Any) -> dict[str, Any]:
    """Metadata of a valid upload for ``paired``'s assignment."""
    started = datetime.now(UTC) - timedelta(minutes=5)
    meta = {
        "session_id": str(uuid.uuid4()),
        "assignment_id": paired.assignment.id,
        "game": "balloons",
        "movement": "shoulder_flexion",
        "started_at": started.isoformat(),
        "ended_at": (started + timedelta(minutes=1)).isoformat(),
        "duration_s": 60.0,
        "quit_reason": "completed",
        "reps": SIM_REPS,
        "sets_completed": 1,
        "score": 40,
        "success_rate": 0.75,
        "calibration": {"rom_max_deg": 85.0},
        "events": [{"t": 1.0, "kind": "rep", "data": {"success": True, "rom_deg": 79.0}}],
        "client_metrics": {"rom_deg_max": 81.0},
        "targets": {"reps": 3, "sets": 1},
        "sample_rate_hz": 100.0,
        "client": "tests",
    }
    meta.update(overrides)
    return meta


def upload(
    client: Any,
    paired: Paired | None,
    meta: dict[str, Any] | str,
    recording: bytes | None = b"__default__",
    headers: dict[str, str] | None = None,
):
    """POST /api/v1/sessions through a Flask test client."""
    if recording == b"__default__":
        recording = recording_bytes()
    data: dict[str, Any] = {"metadata": meta if isinstance(meta, str) else json.dumps(meta)}
    if recording is not None:
        data["recording"] = (io.BytesIO(recording), "recording.npz", "application/octet-stream")
    hdrs = dict(paired.auth if paired else {})
    hdrs.update(headers or {})
    return client.post("/api/v1/sessions", data=data, headers=hdrs, content_type="multipart/form-data")


def blob_files(app: Flask) -> list[Path]:
    root = Path(app.config["BLOB_PATH"])
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []
