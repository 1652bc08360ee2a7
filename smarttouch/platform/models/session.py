"""Exercise sessions uploaded by patients' clients and the metrics the hub computes."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from .base import created_field, json_field, sha256_field, text_field, time_field


class SessionStatus(StrEnum):
    """``received``: stored without a recording (nothing to score); ``scoring``: stored, its
    scoring job waits for a worker; ``scored``: metrics written; ``failed``: the analysis
    failed on a valid recording (the session is kept)."""

    received = "received"
    scoring = "scoring"
    scored = "scored"
    failed = "failed"


class ExerciseSession(SQLModel, table=True):
    """One played session. Idempotent by the client's UUID; the raw recording is a blob."""

    __tablename__ = "exercise_session"
    # the caseload and the patient page read each patient's sessions of a window of days
    __table_args__ = (sa.Index("ix_exercise_session_patient_started", "patient_id", "started_at"),)

    id: int | None = Field(default=None, primary_key=True)
    client_uuid: str = Field(max_length=36, unique=True, index=True)
    patient_id: int = Field(foreign_key="patient.id", index=True, ondelete="CASCADE")
    assignment_id: int | None = Field(
        default=None, foreign_key="assignment.id", index=True, ondelete="SET NULL"
    )
    activity_id: int | None = Field(default=None, foreign_key="activity.id", ondelete="SET NULL")
    device_id: int | None = Field(default=None, foreign_key="device.id", ondelete="SET NULL")
    recording_sha256: str | None = sha256_field(nullable=True)
    status: str = Field(default=SessionStatus.received, max_length=16)
    started_at: datetime = created_field(index=True)
    ended_at: datetime | None = time_field()
    quit_reason: str | None = Field(
        default=None, max_length=32, description="completed, pain, fatigue, other..."
    )
    game_score: float | None = None
    client_metrics: dict[str, Any] = json_field()
    movement: str | None = Field(default=None, max_length=48)
    side: str | None = Field(default=None, max_length=8, description="left, right or both (bilateral)")
    placement: str | None = Field(default=None, max_length=24, description="sensor site, e.g. wrist")
    quit_note: str = text_field()
    calibration: dict[str, Any] = json_field()
    game_events: list[dict[str, Any]] = json_field(list)
    phases: list[dict[str, Any]] = json_field(list)
    game_result: dict[str, Any] = json_field()
    error: str | None = text_field(None, nullable=True)
    received_at: datetime = created_field()


class SessionMetricsRecord(SQLModel, table=True):
    """Authoritative metrics recomputed on the hub from the raw recording.

    Angles in degrees, angular speed in deg/s, durations in seconds; SPARC and LDLJ are
    dimensionless (closer to zero is smoother); tremor power ratio is 3-7 Hz band power over
    total movement power (0..1); tremor amplitude is the equivalent sinusoid's, in degrees.
    With phases in the recording every number covers the play phases only; ``sets`` holds
    one entry per play phase (reps, ROM... of that set). ``count_uncertain`` sessions are
    left out of trends and MCID verdicts; ``uncertain_reason`` says why in plain words.
    """

    __tablename__ = "session_metrics"

    id: int | None = Field(default=None, primary_key=True)
    session_id: int = Field(foreign_key="exercise_session.id", unique=True, ondelete="CASCADE")
    reps: int = 0
    rom_deg: float = 0.0
    rom_deg_mean: float = 0.0
    peak_speed_dps: float = 0.0
    sparc: float | None = None
    ldlj: float | None = None
    tremor_power_ratio: float | None = None
    tremor_freq_hz: float | None = None
    tremor_amplitude_deg: float | None = Field(
        default=None, description="equivalent sinusoidal tremor amplitude, deg"
    )
    duration_s: float = 0.0
    active_time_s: float = 0.0
    quality_flags: dict[str, Any] = json_field()
    per_rep: list[dict[str, Any]] = json_field(list)
    sets: list[dict[str, Any]] = json_field(list)
    count_uncertain: bool = False
    uncertain_reason: str | None = text_field(None, nullable=True)
    extra: dict[str, Any] = json_field()
    analyzer: str = Field(default="smarttouch.scoring", max_length=64)
    algorithm_version: str = Field(
        default="", max_length=32, description="smarttouch.scoring.ALGORITHM_VERSION that computed it"
    )
    computed_at: datetime = created_field(index=True)  # the newest scoring: caseload


class ScoringJob(SQLModel, table=True):
    """One (re-)scoring of a session's recording by a worker: a job row under the lease
    protocol (:mod:`smarttouch.platform.jobs`). ``reason`` is ``upload``, ``rescore`` or ``retry`` (the blob store was down);
    ``algorithm_version`` is the version that wrote the result (set when it finishes)."""

    __tablename__ = "scoring_job"

    id: int | None = Field(default=None, primary_key=True)
    session_id: int = Field(foreign_key="exercise_session.id", index=True, ondelete="CASCADE")
    reason: str = Field(default="upload", max_length=16)
    algorithm_version: str | None = Field(default=None, max_length=32)
    status: str = Field(default="queued", max_length=16, index=True)
    failure_reason: str | None = Field(default=None, max_length=64)
    message: str = text_field()
    attempts: int = Field(default=0)
    lease_token: str | None = Field(default=None, max_length=120)
    lease_expires_at: datetime | None = time_field()
    created_at: datetime = created_field()
    started_at: datetime | None = time_field()
    finished_at: datetime | None = time_field()
