"""What a session upload must be, checked before anything is stored: its metadata
(:class:`SessionUpload`, the JSON part of ``POST /api/v1/sessions``) and its recording
(:func:`parse_recording`), with the limits both are held to. :mod:`.ingest` stores what passes.
"""

from __future__ import annotations

import io
import math
import zipfile
from datetime import UTC, datetime, timedelta
from typing import Any, Literal
from uuid import UUID

import numpy as np
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator, model_validator

from smarttouch.sensors.npz_headers import largest_npz_bytes
from smarttouch.sensors.placements import SITES
from smarttouch.sensors.recording_io import RecordingError, recording_from_bytes
from smarttouch.sensors.types import Recording

from ...models import (
    utcnow,
)
from ..errors import Invalid
from .feelings import MAX_FEELINGS, FeelingIn, check_feelings
from .session_phases import MAX_PHASES, PhaseIn, phases_of

QUIT_REASONS = ("completed", "pain", "fatigue", "other", "time_limit", "disconnected", "closed")
QuitReason = Literal["completed", "pain", "fatigue", "other", "time_limit", "disconnected", "closed"]
MIN_SAMPLE_RATE_HZ = 10.0
MAX_SAMPLE_RATE_HZ = 1000.0
RATE_TOLERANCE = 0.2  # the time axis may differ from the declared rate by 20 % (BLE jitter)
MAX_DURATION_S = 2 * 3600.0
MAX_SAMPLES = 1_000_000
#: Largest legal recording once decompressed: 1e6 samples x 14 float64 columns (t, acc, gyr,
#: mag, quat) plus the longest metadata, ~111 MiB. A zip declaring more is refused unread.
MAX_UNCOMPRESSED_BYTES = largest_npz_bytes(MAX_SAMPLES)
MAX_EVENTS = 50_000
MAX_JSON_DEPTH = 20
EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)


# ------------------------------------------------------------------ the upload's metadata
def check_json(value: Any, where: str, depth: int = 0) -> None:
    """Reject what a database JSON/text column cannot hold: NaN/infinity, NUL characters,
    absurd nesting. Raises ValueError naming the path."""
    if depth > MAX_JSON_DEPTH:
        raise ValueError(f"{where}: nested deeper than {MAX_JSON_DEPTH} levels")
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError(f"{where}: {value} is not a finite number")
    if isinstance(value, str) and "\x00" in value:
        raise ValueError(f"{where}: text contains a NUL character")
    if isinstance(value, dict):
        for key, item in value.items():
            check_json(key, f"{where}.{key}", depth + 1)
            check_json(item, f"{where}.{key}", depth + 1)
    elif isinstance(value, list):
        for i, item in enumerate(value):
            check_json(item, f"{where}[{i}]", depth + 1)


class GameEventIn(BaseModel):
    """One game or framework event: time on the recording's clock (s), kind, data."""

    model_config = ConfigDict(allow_inf_nan=False)

    t: float = Field(ge=-1e6, le=1e7, description="seconds on the recording's clock")
    kind: str = Field(min_length=1, max_length=32)
    data: dict[str, Any] = Field(default_factory=dict)


MAX_GAMES = 64
MAX_DATA_KEYS = 64


class GameWorldIn(BaseModel):
    """One game's world: every point earned, sessions played, the game's own small data."""

    model_config = ConfigDict(allow_inf_nan=False, extra="ignore")

    points: int = Field(ge=0, le=1_000_000_000)
    sessions: int = Field(ge=0, le=1_000_000)
    data: dict[str, Any] = Field(default_factory=dict, max_length=MAX_DATA_KEYS)


class ProgressIn(BaseModel):
    """The patient's lasting progress (optional part of a session upload; clients that send
    none keep working)."""

    model_config = ConfigDict(
        allow_inf_nan=False,
        extra="ignore",
        validate_by_name=True,
        validate_by_alias=True,
        serialize_by_alias=True,
    )

    schema_: Literal["smarttouch.progress/1"] = Field(alias="schema")
    updated_at: AwareDatetime = Field(description="when the client last changed it")
    games: dict[str, GameWorldIn] = Field(
        default_factory=dict, max_length=MAX_GAMES, description="per game key: its world"
    )
    week: dict[str, Any] = Field(
        default_factory=dict, max_length=8, description="start (Monday), sessions done, goal (sessions/week)"
    )
    daily: dict[str, Any] = Field(
        default_factory=dict, max_length=8, description="today's challenge: date, kind, goal, done, completed"
    )

    @field_validator("games")
    @classmethod
    def _keys(cls, v: dict[str, GameWorldIn]) -> dict[str, GameWorldIn]:
        for key, world in v.items():
            if not 1 <= len(key) <= 64 or "\x00" in key:
                raise ValueError("game keys are 1..64 characters")
            check_json(world.data, f"games.{key}.data")
        return v

    @field_validator("week", "daily")
    @classmethod
    def _plain(cls, v: dict[str, Any]) -> dict[str, Any]:
        check_json(v, "progress")
        return v

    def document(self) -> dict[str, Any]:
        """The document as the client writes it."""
        return self.model_dump(mode="json", by_alias=True)


class SessionUpload(BaseModel):
    """The metadata part of ``POST /api/v1/sessions`` (the recording travels beside it)."""

    model_config = ConfigDict(allow_inf_nan=False, extra="ignore")

    session_id: UUID = Field(description="client-generated UUID; retries reuse it")
    assignment_id: int = Field(
        ge=1, le=2_147_483_647, description="the assignment of today's plan that was played"
    )
    game: str = Field(min_length=1, max_length=64, description="activity key, e.g. balloons")
    movement: str = Field(min_length=1, max_length=48, description="e.g. shoulder_flexion")
    side: Literal["left", "right", "both"] | None = Field(
        default=None, description="the side that trained (the plan's); absent: the assignment's"
    )
    placement: str | None = Field(
        default=None,
        max_length=24,
        description="where the sensor was worn (the plan's: upper-arm, forearm, wrist, hand, thigh); "
        "absent: the assignment's",
    )
    started_at: AwareDatetime
    ended_at: AwareDatetime | None = None
    duration_s: float = Field(default=0.0, ge=0, le=86_400, description="session length, s")
    quit_reason: QuitReason = "completed"
    quit_note: str = Field(default="", max_length=500)
    calibration: dict[str, Any] = Field(
        default_factory=dict, description="neutral pose and comfortable max (deg)"
    )
    events: list[GameEventIn] = Field(default_factory=list, max_length=MAX_EVENTS)
    phases: list[PhaseIn] = Field(
        default_factory=list,
        max_length=MAX_PHASES,
        description="the session's phases in time order, without overlap, inside the recording's "
        "time range (the same as the recording's own); only the play phases' repetitions count",
    )
    reps: int = Field(default=0, ge=0, le=100_000, description="reps the game counted")
    sets_completed: int = Field(default=0, ge=0, le=1000)
    score: int = Field(default=0, ge=0, le=1_000_000_000, description="game points")
    success_rate: float | None = Field(default=None, ge=0, le=1)
    client_metrics: dict[str, Any] = Field(
        default_factory=dict, description="the client's own numbers (kept for comparison only)"
    )
    targets: dict[str, Any] = Field(default_factory=dict, description="the targets played")
    sample_rate_hz: float | None = Field(
        default=None, gt=0, le=10_000, description="declared rate of the recording, Hz"
    )
    lang: str = Field(default="en", max_length=8)
    client: str = Field(default="", max_length=64, description="client name and version")
    feelings: list[FeelingIn] = Field(
        default_factory=list,
        max_length=MAX_FEELINGS,
        description="how the patient felt: pain (0-10 NRS) and effort (Borg CR10) before and after "
        "the session, one entry per question asked (skipped ones with skipped=true); empty or absent "
        "when the client did not ask",
    )
    progress: ProgressIn | None = Field(
        default=None,
        description="the patient's lasting game progress after this session (worlds, weekly goal, "
        "daily challenge); the hub keeps the newest and returns it from GET /api/v1/game-progress",
    )

    @field_validator("session_id")
    @classmethod
    def _not_nil(cls, v: UUID) -> UUID:
        if v.int == 0:
            raise ValueError("the all-zero (nil) UUID is not a session id; generate a random UUID")
        return v

    @field_validator("game", "movement", "quit_note", "lang", "client")
    @classmethod
    def _no_nul(cls, v: str) -> str:
        if "\x00" in v:
            raise ValueError("text contains a NUL character")
        return v

    @field_validator("placement")
    @classmethod
    def _known_site(cls, v: str | None) -> str | None:
        if v is not None and v not in SITES:
            raise ValueError(f"unknown sensor site {v!r}; choose one of {', '.join(SITES)}")
        return v

    @field_validator("started_at", "ended_at")
    @classmethod
    def _plausible_time(cls, v: datetime | None) -> datetime | None:
        if v is None:
            return v
        try:
            v = v.astimezone(UTC)
        except (OverflowError, ValueError):
            raise ValueError("time is out of range") from None
        if not EARLIEST <= v <= utcnow() + timedelta(days=1):
            raise ValueError(f"{v.isoformat()} is not a plausible session time")
        return v

    @model_validator(mode="after")
    def _coherent(self) -> SessionUpload:
        if self.ended_at is not None and self.ended_at < self.started_at:
            raise ValueError("ended_at is before started_at")
        for name in ("calibration", "client_metrics", "targets"):
            check_json(getattr(self, name), name)
        for i, event in enumerate(self.events):
            check_json(event.kind, f"events[{i}].kind")
            check_json(event.data, f"events[{i}].data")
        phases_of(self.phases)
        check_feelings(self.feelings)
        return self


# ------------------------------------------------------------------ the recording
def parse_recording(data: bytes, *, declared_rate_hz: float | None = None) -> Recording:
    """Parse and check the uploaded recording bytes (``recording_to_bytes`` format).

    Raises :class:`Invalid` for corrupt or truncated bytes, non-finite values, an implausible
    or inconsistent sample rate, or a recording too long to analyse. Sizes and dtypes are
    checked from the zip directory and each array's header before any array is read, so a
    small upload that declares a huge or complex-valued array costs no memory.
    """
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            declared = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, EOFError, ValueError, OSError) as exc:
        raise Invalid(f"recording: corrupt or truncated ({exc})") from None
    if declared > MAX_UNCOMPRESSED_BYTES:
        raise Invalid(
            f"recording: {declared / 2**20:.0f} MiB uncompressed is over the "
            f"{MAX_UNCOMPRESSED_BYTES / 2**20:.0f} MiB limit"
        )
    try:
        rec = recording_from_bytes(data, max_samples=MAX_SAMPLES)
    except RecordingError as exc:
        raise Invalid(f"recording: {exc}") from None
    n = len(rec)
    if n < 2:
        raise Invalid(f"recording: {n} sample(s); at least 2 are needed")
    if n > MAX_SAMPLES or rec.duration_s > MAX_DURATION_S:
        raise Invalid(
            f"recording: {n} samples over {rec.duration_s:.0f} s is longer than the "
            f"limit ({MAX_SAMPLES} samples, {MAX_DURATION_S:.0f} s)"
        )
    rate = rec.sample_rate_hz
    if not MIN_SAMPLE_RATE_HZ <= rate <= MAX_SAMPLE_RATE_HZ:
        raise Invalid(
            f"recording: sample rate {rate:g} Hz is outside {MIN_SAMPLE_RATE_HZ:g}-{MAX_SAMPLE_RATE_HZ:g} Hz"
        )
    if declared_rate_hz is not None and abs(declared_rate_hz - rate) > 0.01 * rate:
        raise Invalid(
            f"sample_rate_hz: the metadata says {declared_rate_hz:g} Hz but the recording says {rate:g} Hz"
        )
    if n >= 3:
        step = float(np.median(np.diff(rec.t)))
        actual = 1.0 / step if step > 0 else float("inf")
        if abs(actual - rate) > RATE_TOLERANCE * rate:
            raise Invalid(
                f"recording: its time axis runs at about {actual:.3g} Hz but its "
                f"sample_rate_hz is {rate:g} Hz"
            )
    return rec
