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

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, tzinfo
from functools import lru_cache
from typing import Any, NamedTuple

import sqlalchemy as sa
from sqlalchemy import bindparam, literal
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from smarttouch.scoring.validation import check_play_spans, check_recording
from smarttouch.sensors.types import Phase, Recording

from ...models import (
    Activity,
    Assignment,
    AuditEvent,
    Device,
    ExerciseSession,
    Patient,
    ScoringJob,
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
from .feelings import write_feelings
from .patients import current_plan
from .progress import alert_facts
from .scoring import insert_scoring_job, job_values
from .session_phases import phases_of, session_phases, spans_to_analyse
from .upload import SessionUpload, parse_recording

log = logging.getLogger(__name__)


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


def _bound(table: sa.Table, prefix: str, *computed: str) -> dict[str, Any]:
    """A bound parameter ``<prefix><column>`` for each of ``table``'s columns but ``id`` and
    ``computed``."""
    return {
        c.name: bindparam(prefix + c.name, type_=c.type)
        for c in table.columns
        if c.name != "id" and c.name not in computed
    }


@lru_cache(maxsize=1)
def _scored_rows_insert() -> sa.Select[Any]:
    """PostgreSQL: the session row, its scoring job and its audit line in ONE statement
    (data-modifying CTEs; the job and the audit line take the new session's id from the
    first), one round trip instead of three on every upload with a recording. Built once.
    Bound parameters: ``s_<column>`` (session), ``j_<column>`` (job), ``a_<column>`` (audit)."""
    new_session = sa.insert(_SESSIONS).values(_bound(_SESSIONS, "s_")).returning(_SESSIONS.c.id)
    session_cte = new_session.cte("new_session")
    session_id = sa.select(session_cte.c.id).scalar_subquery()
    jobs, events = table_of(ScoringJob), table_of(AuditEvent)
    job_cte = (
        sa.insert(jobs)
        .values({**_bound(jobs, "j_", "session_id"), "session_id": session_id})
        .returning(jobs.c.session_id, jobs.c.id)
        .cte("new_job")
    )
    audit_cte = sa.insert(events).values({**_bound(events, "a_", "target_id"), "target_id": session_id})
    return sa.select(job_cte.c.session_id, job_cte.c.id).add_cte(audit_cte.cte("new_audit"))


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
    audit line. Core statements built once: no ORM objects to build and flush; on
    PostgreSQL a session to score, its job and audit line are one statement
    (:func:`_scored_rows_insert`). Returns the session's id and the job's (None without one).

    Raises:
        IntegrityError: a session with the same client UUID is already stored.
    """
    status = values["status"]
    audit_line: dict[str, Any] = {
        "action": "session.uploaded",
        "patient_id": patient.id,
        "target_type": "exercise_session",
        "details": {
            "client_uuid": values["client_uuid"],
            "device_id": device.id,
            "assignment_id": plan.id,
            "recording_sha256": values["recording_sha256"],
            "status": status,
            "feelings": len(meta.feelings),
        },
        "ip": ip,
    }
    job_id: int | None
    if status == SessionStatus.scoring and session.get_bind().dialect.name == "postgresql":
        params = {f"s_{k}": v for k, v in values.items()}
        # (the job's and the audit line's session id come from the session INSERT itself)
        params.update((f"j_{k}", v) for k, v in job_values(0).items() if k != "session_id")
        event = audit.event_values(actor=None, target_id=None, **audit_line)
        params.update((f"a_{k}", v) for k, v in event.items() if k != "target_id")
        params["a_created_at"] = utcnow()
        row_id, job_id = session.execute(_scored_rows_insert(), params).one()
    else:
        row_id = int(session.execute(_SESSION_INSERT, values).scalar_one())
        job_id = insert_scoring_job(session, session_id=row_id) if status == SessionStatus.scoring else None
        audit.write(session, target_id=row_id, **audit_line)
    write_feelings(session, session_id=row_id, patient_id=pk(patient), items=meta.feelings)
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
            _forget_blob(session, store, sha if blob_written else None)
            raise
        if winner is None:
            _forget_blob(session, store, sha if blob_written else None)
            raise
        return _result_for(session, winner)
    except Exception:  # the database failed the rows (a dropped connection...): nothing stored
        session.rollback()
        _forget_blob(session, store, sha if blob_written else None)
        raise
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


def _forget_blob(session: Session, store: BlobStore, sha: str | None) -> None:
    """Delete blob ``sha``, which this upload wrote, when its rows were not stored and no
    other session refers to it. A failure here is logged, not raised: the device hears the
    upload's own error and sends the session again."""
    if sha is None:
        return
    try:
        if not _blob_referenced(session, sha):
            store.delete(sha)
    except Exception:
        log.exception("the recording %s of a failed upload could not be removed", sha[:12])


def _blob_referenced(session: Session, sha: str) -> bool:
    return (
        session.exec(select(ExerciseSession.id).where(ExerciseSession.recording_sha256 == sha)).first()
        is not None
    )
