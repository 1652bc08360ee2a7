"""Request and response models of the device API (``/api/v1``). Units in the field
descriptions: degrees, deg/s, seconds; SPARC and LDLJ are dimensionless."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, field_validator

from ..services.clinic.upload import GameEventIn, ProgressIn, SessionUpload
from .message_schemas import MessageOut

__all__ = [
    "ActivityOut",
    "DeviceOut",
    "ErrorBody",
    "ErrorResponse",
    "GameEventIn",
    "GameProgressOut",
    "MetricsOut",
    "PairRequest",
    "PairResponse",
    "PlannedExerciseOut",
    "ProgressIn",
    "ProgressOut",
    "RecentSession",
    "SessionReceipt",
    "SessionUpload",
    "SetOut",
    "TodayPlan",
    "TrendOut",
    "WeekOut",
]


class ErrorBody(BaseModel):
    code: str = Field(description="machine-readable, e.g. invalid, unauthorized")
    message: str = Field(description="what is wrong, naming the field")


class ErrorResponse(BaseModel):
    error: ErrorBody


class PairRequest(BaseModel):
    """Exchange the one-time code from the therapist for a device token."""

    model_config = ConfigDict(extra="ignore")

    code: str = Field(min_length=1, max_length=32, description="e.g. ABCD-3479")
    label: str = Field(default="", max_length=120, description="name of this computer")

    @field_validator("code", "label")
    @classmethod
    def _no_nul(cls, v: str) -> str:
        if "\x00" in v:
            raise ValueError("text contains a NUL character")
        return v


class PairResponse(BaseModel):
    token: str = Field(description="bearer token; shown once, keep it secret")
    device_id: int
    token_prefix: str
    patient_code: str


class DeviceOut(BaseModel):
    device_id: int
    label: str
    token_prefix: str
    patient_code: str
    paired_at: datetime


class ActivityOut(BaseModel):
    """What to play. A ``solution`` game is code a developer wrote and a therapist reviewer
    approved: the client downloads it from ``/activities/{key}/package`` and must check that
    the bytes hash to ``code_sha256`` before running them."""

    key: str = Field(description="built-in game registry key (e.g. balloons) or solution-<id>")
    title: str
    kind: str = Field(description="game or analyzer")
    source: Literal["builtin", "solution"] = Field(
        description="builtin: ships with SmartTouch; solution: an approved developer's game"
    )
    code_sha256: str | None = Field(
        default=None,
        pattern="^[0-9a-f]{64}$",
        description="solution games: sha256 (hex) of the approved canonical archive; null for built-ins",
    )

    @classmethod
    def of(cls, activity: Any) -> ActivityOut:
        """The plan's view of an Activity row."""
        solution = activity.source == "solution"
        return cls(
            key=activity.key,
            title=activity.title,
            kind=activity.kind,
            source="solution" if solution else "builtin",
            code_sha256=activity.code_sha256 if solution else None,
        )


class PlannedExerciseOut(BaseModel):
    assignment_id: int
    activity: ActivityOut
    movement: str
    side: str = Field(description="the side that trains: left, right or both (bilateral)")
    placement: str = Field(description="where the sensor is worn: upper-arm, forearm, wrist, hand or thigh")
    target_rom_deg: float = Field(description="degrees")
    max_rom_deg: float | None = Field(description="the therapist's ceiling, degrees")
    reps: int = Field(description="repetitions per set")
    sets: int
    sessions_per_week: int
    difficulty: int = Field(description="1 = easiest, 5 = hardest")
    therapist_note: str
    start_date: date
    end_date: date | None
    done_today: int = Field(description="sessions already uploaded today")
    done_this_week: int = Field(description="sessions uploaded since Monday")
    due_today: bool = Field(description="not yet done today and the week is not complete")


class TodayPlan(BaseModel):
    patient_code: str
    date: date
    timezone: str
    exercises: list[PlannedExerciseOut]
    messages: list[MessageOut] = Field(
        default_factory=list, description="the therapist's newest messages (last 14 days), oldest first"
    )


class SetOut(BaseModel):
    """One play set of the session (one play phase; a set paused by the stop menu and resumed
    is two entries with the same ``set_index``)."""

    set_index: int | None = Field(description="the game's 0-based set (None without phases)")
    t_start: float = Field(description="start on the recording's clock, s")
    t_end: float = Field(description="end on the recording's clock, s")
    reps: int
    rom_deg: float | None = Field(description="largest repetition ROM of the set, degrees")
    rom_deg_mean: float | None = Field(description="mean repetition ROM of the set, degrees")

    @classmethod
    def of(cls, entry: dict[str, Any]) -> SetOut:
        """From a stored per-set entry (the scoring room's ``sets`` item)."""
        return cls(
            set_index=entry.get("set_index"),
            t_start=float(entry.get("t_start") or 0.0),
            t_end=float(entry.get("t_end") or 0.0),
            reps=int(entry.get("reps") or 0),
            rom_deg=entry.get("rom_deg"),
            rom_deg_mean=entry.get("rom_deg_mean"),
        )


class MetricsOut(BaseModel):
    """Authoritative metrics recomputed by the hub from the raw recording: over the play
    phases only when the session recorded its phases."""

    reps: int
    rom_deg: float = Field(description="largest repetition ROM, degrees")
    rom_deg_mean: float = Field(description="mean repetition ROM, degrees")
    peak_speed_dps: float = Field(description="deg/s")
    sparc: float | None = Field(description="smoothness, closer to 0 is smoother")
    ldlj: float | None
    tremor_power_ratio: float | None = Field(description="3-7 Hz share of movement power, 0..1")
    tremor_freq_hz: float | None
    tremor_amplitude_deg: float | None
    duration_s: float
    active_time_s: float
    rep_rom_deg: list[float | None] = Field(description="ROM of each repetition, degrees")
    sets: list[SetOut] = Field(description="repetitions and ROM per play set, in order")
    count_uncertain: bool = Field(
        description="the repetition count is not trustworthy: left out of trends and MCID verdicts"
    )
    uncertain_reason: str | None = Field(description="why the count is uncertain, in plain words")


class SessionReceipt(BaseModel):
    session_id: UUID = Field(description="the client's UUID")
    hub_id: int
    status: str = Field(
        description="scoring (stored, a worker is computing its metrics), scored, failed (the "
        "analysis failed; the session is kept) or received (stored without a recording)"
    )
    created: bool = Field(description="false when this upload was a retry of a stored session")
    received_at: datetime
    recording_sha256: str | None
    metrics: MetricsOut | None = Field(description="None until the session is scored")
    error: str | None = None


class WeekOut(BaseModel):
    week_start: date
    done: int
    prescribed: int


class TrendOut(BaseModel):
    n: int
    slope_per_week: float
    ci_low: float
    ci_high: float
    significant: bool


class RecentSession(BaseModel):
    session_id: UUID
    day: date
    game: str | None
    movement: str | None
    reps: int | None = Field(description="hub-counted repetitions (None when not scored)")
    game_reps: int | None = Field(description="repetitions the game counted")
    count_uncertain: bool = Field(
        default=False, description="the hub's count is uncertain: left out of trends and MCID verdicts"
    )
    rom_deg: float | None
    sparc: float | None
    quit_reason: str | None
    goal_met: bool | None


class ProgressOut(BaseModel):
    patient_code: str
    today: date
    sessions_total: int
    sessions_today: int
    reps_total: int
    streak_days: int
    longest_streak_days: int
    this_week: WeekOut
    recent: list[RecentSession] = Field(description="the last sessions, oldest first")
    trends: dict[str, TrendOut] = Field(description="per metric, when there are enough days")


def metrics_out(row: Any) -> MetricsOut | None:
    """The response model of a SessionMetricsRecord row (or None)."""
    if row is None:
        return None
    return MetricsOut(
        reps=row.reps,
        rom_deg=row.rom_deg,
        rom_deg_mean=row.rom_deg_mean,
        peak_speed_dps=row.peak_speed_dps,
        sparc=row.sparc,
        ldlj=row.ldlj,
        tremor_power_ratio=row.tremor_power_ratio,
        tremor_freq_hz=row.tremor_freq_hz,
        tremor_amplitude_deg=row.tremor_amplitude_deg,
        duration_s=row.duration_s,
        active_time_s=row.active_time_s,
        rep_rom_deg=[r.get("rom_deg") for r in (row.per_rep or [])],
        sets=[SetOut.of(entry) for entry in (row.sets or [])],
        count_uncertain=bool(row.count_uncertain),
        uncertain_reason=row.uncertain_reason,
    )


def receipt(session_row: Any, metrics_row: Any, created: bool) -> SessionReceipt:
    return SessionReceipt(
        session_id=UUID(session_row.client_uuid),
        hub_id=session_row.id,
        status=session_row.status,
        created=created,
        received_at=session_row.received_at,
        recording_sha256=session_row.recording_sha256,
        metrics=metrics_out(metrics_row),
        error=session_row.error,
    )


class GameProgressOut(BaseModel):
    """The newest lasting game progress the hub keeps for the device's patient (None when no
    session has brought one yet); a reinstalled client restores it."""

    progress: ProgressIn | None
