"""Ingest of a session uploaded by a patient's client.

The hub trusts nothing the client computed: it parses and validates the raw recording and
the session's phases (:mod:`.session_phases`), stores the recording in the content-addressed
blob store and, in ONE transaction, the session (status ``scoring``), a queued scoring job, the
patient's ratings and an audit line (Core INSERTs built once: no ORM objects to flush); then it
sends the job (``enqueue``) and answers at once. A worker recomputes
the metrics over the play phases with :func:`smarttouch.scoring.analyze` and raises the alerts
they cause (:mod:`.scoring`); the client's numbers are kept only for comparison.

Idempotent by the client's session UUID (unique column): a retry, even a concurrent one,
returns the session already stored and never creates a second one (nor a second job).
Anything invalid raises :class:`~.errors.Invalid` (or :class:`~.errors.Conflict`) before
anything is written.
"""

from __future__ import annotations

import io
import logging
import math
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, tzinfo
from typing import Any, Literal, NamedTuple
from uuid import UUID

import numpy as np
import sqlalchemy as sa
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator, model_validator
from sqlalchemy import bindparam, literal
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from smarttouch.scoring.validation import check_play_spans, check_recording
from smarttouch.sensors.npz_headers import largest_npz_bytes
from smarttouch.sensors.placements import SITES
from smarttouch.sensors.recording_io import RecordingError, recording_from_bytes
from smarttouch.sensors.types import Phase, Recording

from ...models import (
    Activity,
    Assignment,
    Device,
    ExerciseSession,
    Patient,
    SessionMetricsRecord,
    SessionStatus,
    pk,
    table_of,
    utcnow,
)
from ...models.activity import sensor_site
from ...storage.blobstore import BlobStore
from .. import audit
from ..errors import Conflict, Invalid
from .feelings import MAX_FEELINGS, FeelingIn, check_feelings, write_feelings
from .patients import current_plan
from .progress import alert_facts
from .scoring import insert_scoring_job
from .session_phases import MAX_PHASES, PhaseIn, phases_of, session_phases, spans_to_analyse

log = logging.getLogger(__name__)

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


# ------------------------------------------------------------------ storing
@dataclass(frozen=True)
class IngestResult:
    """The stored session, its metrics (None until a worker scored it), whether this upload
    created it, and its scoring job (None for a retry or a session without recording)."""

    session: ExerciseSession
    metrics: SessionMetricsRecord | None
    created: bool
    job_id: int | None = None


class _Prior(NamedTuple):
    """What the retry check needs of a session already stored under the upload's UUID."""

    id: int
    patient_id: int
    recording_sha256: str | None


class UploadPlan(NamedTuple):
    """What an upload needs of the assignment it names and of its activity."""

    id: int
    patient_id: int
    activity_id: int
    movement: str
    side: str
    placement: str
    activity_key: str | None  # None: no such activity

    def sensor_site(self) -> str:
        """Where the sensor is worn (see :meth:`Assignment.sensor_site`)."""
        return sensor_site(self.placement, self.movement)


#: The retry check and the plan check in one round trip (every upload makes both): a single
#: row whatever matches, the session stored under the client's UUID (if any), the assignment
#: (if any) and its activity, as the columns the upload reads (no ORM objects to build).
#: Built once: SQLAlchemy constructs cost CPU on every request.
_LOOKUP = (
    select(  # type: ignore[call-overload]
        col(ExerciseSession.id),
        col(ExerciseSession.patient_id),
        col(ExerciseSession.recording_sha256),
        col(Assignment.id),
        col(Assignment.patient_id),
        col(Assignment.activity_id),
        col(Assignment.movement),
        col(Assignment.side),
        col(Assignment.placement),
        col(Activity.key),
    )
    .select_from(select(literal(1).label("one")).subquery())
    .outerjoin(ExerciseSession, col(ExerciseSession.client_uuid) == bindparam("client_uuid"))
    .outerjoin(Assignment, col(Assignment.id) == bindparam("assignment_id"))
    .outerjoin(Activity, col(Activity.id) == col(Assignment.activity_id))
)


def _lookup(session: Session, meta: SessionUpload) -> tuple[_Prior | None, UploadPlan | None]:
    """The session already stored under ``meta.session_id``, and the assignment (with its
    activity) the upload names, in one statement."""
    row = session.execute(
        _LOOKUP, {"client_uuid": str(meta.session_id), "assignment_id": meta.assignment_id}
    ).one()
    prior = None if row[0] is None else _Prior(row[0], row[1], row[2])
    return prior, None if row[3] is None else UploadPlan(*row[3:])


def _check_prior(prior: _Prior, meta: SessionUpload, patient: Patient, sha: str | None) -> None:
    """A retry is the same patient's upload of the same recording; anything else conflicts."""
    if prior.patient_id != patient.id:
        raise Conflict(f"session id {meta.session_id} is already used; generate a new one")
    if prior.recording_sha256 != sha:
        raise Conflict(f"session {meta.session_id} was already uploaded with a different recording")


def _existing(
    session: Session, meta: SessionUpload, patient: Patient, sha: str | None
) -> ExerciseSession | None:
    row = session.exec(
        select(ExerciseSession).where(ExerciseSession.client_uuid == str(meta.session_id))
    ).first()
    if row is None:
        return None
    _check_prior(_Prior(pk(row), row.patient_id, row.recording_sha256), meta, patient, sha)
    return row


def _result_for(session: Session, row: ExerciseSession) -> IngestResult:
    """A stored session ``row`` (just read) with its metrics, as the result of an upload that
    did not create it."""
    metrics = session.exec(
        select(SessionMetricsRecord).where(SessionMetricsRecord.session_id == row.id)
    ).first()
    return IngestResult(row, metrics, created=False)


def _check_plan(meta: SessionUpload, patient: Patient, plan: UploadPlan | None) -> UploadPlan:
    if plan is None or plan.patient_id != patient.id:
        raise Invalid(f"assignment_id: {meta.assignment_id} is not in your plan")
    if plan.activity_key != meta.game:
        raise Invalid(
            f"game: assignment {plan.id} is "
            f"{'another activity' if plan.activity_key is None else plan.activity_key}, not {meta.game!r}"
        )
    if meta.movement != plan.movement:
        raise Invalid(f"movement: assignment {plan.id} trains {plan.movement}, not {meta.movement!r}")
    return plan


def check_analysable(rec: Recording, phases: tuple[Any, ...]) -> None:
    """The checks ``analyze`` makes before any computation, run at upload so that a recording
    it would refuse is a 400 there rather than a failed job later.

    Raises:
        Invalid: what ``analyze`` would refuse.
    """
    try:
        check_recording(rec)
        spans = spans_to_analyse(phases)
        if spans is not None and len(rec):
            check_play_spans(spans, float(rec.t[0]), float(rec.t[-1]))
    except ValueError as exc:
        raise Invalid(f"recording cannot be analysed: {exc}") from None


_SESSIONS = table_of(ExerciseSession)
#: the upload's INSERT of the session row, built once (values bound per call)
_SESSION_INSERT = sa.insert(_SESSIONS).returning(_SESSIONS.c.id)


def session_values(
    meta: SessionUpload,
    *,
    device: Device,
    patient: Patient,
    plan: UploadPlan,
    sha: str | None,
    status: SessionStatus,
    phases: tuple[Phase, ...],
) -> dict[str, Any]:
    """The column values of the session row an upload stores: every column but ``id``, the
    model's defaults written out (``received_at`` now), so that the Core INSERT leaves
    nothing to the ORM's defaults."""
    return {
        "client_uuid": str(meta.session_id),
        "patient_id": pk(patient),
        "assignment_id": plan.id,
        "activity_id": plan.activity_id,
        "device_id": device.id,
        "recording_sha256": sha,
        "status": str(status),
        "started_at": meta.started_at,
        "ended_at": meta.ended_at,
        "quit_reason": meta.quit_reason,
        "quit_note": meta.quit_note,
        "game_score": float(meta.score),
        "client_metrics": meta.client_metrics,
        "movement": meta.movement,
        "side": meta.side or plan.side,
        "placement": meta.placement or plan.sensor_site(),
        "calibration": meta.calibration,
        "game_events": [e.model_dump() for e in meta.events],
        "phases": [p.to_dict() for p in phases],
        "game_result": {
            "reps": meta.reps,
            "sets_completed": meta.sets_completed,
            "score": meta.score,
            "success_rate": meta.success_rate,
            "duration_s": meta.duration_s,
            "targets": meta.targets,
            "lang": meta.lang,
            "client": meta.client,
        },
        "error": None,
        "received_at": utcnow(),
    }


def _insert_rows(
    session: Session,
    values: dict[str, Any],
    *,
    meta: SessionUpload,
    device: Device,
    patient: Patient,
    plan: UploadPlan,
    ip: str | None,
) -> tuple[int, int | None]:
    """Write the upload's rows in ``session``'s transaction (not committed): the session
    (``values``), its scoring job when it has a recording to score, its feelings and the
    audit line. Core statements built once: no ORM objects to build and flush. Returns the
    session's id and the job's (None without one).

    Raises:
        IntegrityError: a session with the same client UUID is already stored.
    """
    row_id = int(session.execute(_SESSION_INSERT, values).scalar_one())
    status = values["status"]
    job_id = insert_scoring_job(session, session_id=row_id) if status == SessionStatus.scoring else None
    write_feelings(session, session_id=row_id, patient_id=pk(patient), items=meta.feelings)
    audit.write(
        session,
        action="session.uploaded",
        patient_id=patient.id,
        target_type="exercise_session",
        target_id=row_id,
        details={
            "client_uuid": values["client_uuid"],
            "device_id": device.id,
            "assignment_id": plan.id,
            "recording_sha256": values["recording_sha256"],
            "status": status,
            "feelings": len(meta.feelings),
        },
        ip=ip,
    )
    return row_id, job_id


def ingest_session(
    session: Session,
    *,
    store: BlobStore,
    device: Device,
    patient: Patient,
    meta: SessionUpload,
    recording: bytes | None,
    today: date,
    tz: tzinfo | str,
    enqueue: Callable[[int], object] | None = None,
    ip: str | None = None,
) -> IngestResult:
    """Validate and store one uploaded session and queue its scoring (see the module
    docstring). ``enqueue(job_id)`` sends the scoring job once it is committed (None: it
    stays queued for the next worker start or tick)."""
    sha = store.key_for(recording) if recording else None
    prior, plan = _lookup(session, meta)
    if prior is not None:
        _check_prior(prior, meta, patient, sha)
        found = session.get(ExerciseSession, prior.id, populate_existing=True)
        if found is not None:  # (deleted since: stored anew below)
            return _result_for(session, found)
    plan = _check_plan(meta, patient, plan)
    status = SessionStatus.received
    phases = phases_of(meta.phases)
    if recording:
        rec = parse_recording(recording, declared_rate_hz=meta.sample_rate_hz)
        phases = session_phases(phases, rec)
        check_analysable(rec, phases)
        status = SessionStatus.scoring
    elif recording is not None:
        raise Invalid("recording: empty file")

    blob_written = False  # whether this upload wrote the blob (removed again if the commit fails)
    if recording:
        _, blob_written = store.put_new(recording, key=sha)
    values = session_values(
        meta, device=device, patient=patient, plan=plan, sha=sha, status=status, phases=phases
    )
    try:
        row_id, job_id = _insert_rows(
            session, values, meta=meta, device=device, patient=patient, plan=plan, ip=ip
        )
        # the device, patient and plan rows stay loaded: nothing to read back after the commit
        session.expire_on_commit = False
        try:
            session.commit()
        finally:
            session.expire_on_commit = True
    except IntegrityError:
        session.rollback()
        try:
            winner = _existing(session, meta, patient, sha)
        except Conflict:
            if blob_written and sha is not None and not _blob_referenced(session, sha):
                store.delete(sha)
            raise
        if winner is None:
            raise
        return _result_for(session, winner)
    scored_here = False
    if job_id is None:  # nothing to score: the alerts that do not need metrics (pain stop)
        _update_alerts(session, patient=patient, today=today, tz=tz)
    elif enqueue is not None:
        try:
            scored_here = bool(enqueue(job_id))  # True: it ran in this process (inline scoring)
        except Exception:  # the row is queued: the next tick or worker start sends it again
            log.exception("scoring job %s of session %s could not be sent", job_id, row_id)
    if job_id is None or scored_here:  # read back: the alerts or the job changed it
        stored = _result_for(session, session.get_one(ExerciseSession, row_id, populate_existing=True))
        return IngestResult(stored.session, stored.metrics, created=True, job_id=None)
    # a new session has no metrics yet: its worker writes them after this answer; the receipt
    # is made of what was just written (an ORM object outside the session, not read back)
    return IngestResult(ExerciseSession(id=row_id, **values), None, created=True, job_id=job_id)


def _update_alerts(session: Session, *, patient: Patient, today: date, tz: tzinfo | str) -> None:
    """Raise the alerts the new session causes (pain stop, decline). The session is already
    committed: a failure here is logged, never turned into a lost upload."""
    from . import alerts

    try:
        facts = alert_facts(session, patient_id=pk(patient), tz=tz)
        alerts.sync_patient_alerts(
            session,
            patient=patient,
            facts=facts,
            today=today,
            has_plan=lambda: bool(current_plan(session, patient=patient, today=today)),
        )
    except Exception:
        session.rollback()
        log.exception("alerts for patient %s could not be updated", patient.id)


def _blob_referenced(session: Session, sha: str) -> bool:
    return (
        session.exec(select(ExerciseSession.id).where(ExerciseSession.recording_sha256 == sha)).first()
        is not None
    )
