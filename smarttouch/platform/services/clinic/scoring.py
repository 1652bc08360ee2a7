"""Scoring a stored session on a worker: the hub's authoritative metrics, computed after upload.

The upload (:mod:`.ingest`) validates the recording, stores it with the session (status
``scoring``) and a queued :class:`~smarttouch.platform.models.ScoringJob` in one transaction,
and answers at once. A worker then runs the job (:mod:`smarttouch.platform.jobs.scoring`, the
lease protocol of every hub job): :func:`compute` reads the recording from the blob store and
runs :func:`smarttouch.scoring.analyze` over the play phases (no database); :func:`save_result`
writes the metrics with the algorithm version, the session's status, one ``session.scored``
audit line and the alerts that depend on the metrics, in the finishing job's transaction (the
metrics, status and audit line as Core statements built once: no ORM flush per job).

Idempotent: a session has at most one metrics row (unique ``session_id``), so a job run twice,
or an upload's job and a later re-score, leave one result (the newest). A finished job cannot
be claimed again, and a worker whose lease was taken over cannot write (its finish is refused),
so a killed worker's job is run again by another worker and still writes once.
"""

from __future__ import annotations

import logging
from datetime import date, datetime, timedelta, tzinfo
from functools import lru_cache
from typing import Any, TypedDict
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.orm import load_only
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import Session, col

from smarttouch.challenges.jobs import Outcome
from smarttouch.challenges.status import QUEUED
from smarttouch.scoring.movements import MOVEMENT_MODELS
from smarttouch.scoring.version import ALGORITHM_VERSION
from smarttouch.sensors.recording_io import RecordingError, recording_from_bytes
from smarttouch.sensors.types import Phase, Recording

from ...models import (
    ExerciseSession,
    Patient,
    ScoringJob,
    SessionMetricsRecord,
    SessionStatus,
    orm_attr,
    pk,
    table_of,
    utcnow,
)
from ...storage.blobstore import BlobNotFound, BlobStore
from .. import audit
from ..errors import Invalid
from ..pilots import alert_source as _pilot_alerts  # noqa: F401  registers the pilot safety alert source
from . import scoring_hooks

log = logging.getLogger(__name__)

UPLOAD = "upload"
SCORED, FAILED = "scored", "failed"
#: a job that could not read its recording from the blob store (retried by the tick:
#: :func:`.rescoring.schedule_retries`)
UNAVAILABLE = "recording_unavailable"
RETRY_AFTER = timedelta(minutes=5)
MAX_TRIES_UNAVAILABLE = 12  # an hour of outage; then an operator's ``rescore``


class ScoringSpec(TypedDict):
    """What a worker needs to score one session.

    Attributes:
        job_id: the scoring job's row id.
        session_id: the exercise session's id.
        recording_sha256: blob key of its raw recording (None when it has none).
        movement: the movement trained (names the movement model when known).
        calibration: the client's calibration (neutral pose...).
        phases: the session's phases as stored (``Phase.to_dict``), empty when none.
    """

    job_id: int
    session_id: int
    recording_sha256: str | None
    movement: str
    calibration: dict[str, Any]
    phases: list[dict[str, Any]]


def job_values(session_id: int, reason: str = UPLOAD) -> dict[str, Any]:
    """The column values of a new queued scoring job of session ``session_id``: every column
    but ``id``, the model's defaults written out (``created_at`` now), so that the Core INSERT
    of :func:`insert_scoring_job` leaves nothing to the ORM's defaults."""
    return {
        "session_id": session_id,
        "reason": reason,
        "algorithm_version": None,
        "status": QUEUED,
        "failure_reason": None,
        "message": "waiting for a worker",
        "attempts": 0,
        "lease_token": None,
        "lease_expires_at": None,
        "created_at": utcnow(),
        "started_at": None,
        "finished_at": None,
    }


_JOBS = table_of(ScoringJob)
#: the INSERT of :func:`insert_scoring_job`, built once (values bound per call)
_JOB_INSERT = sa.insert(_JOBS).returning(_JOBS.c.id)


def insert_scoring_job(session: Session, *, session_id: int, reason: str = UPLOAD) -> int:
    """Queue a scoring job for session ``session_id``: one INSERT run now in ``session``'s
    transaction (not committed; no ORM object to flush: every upload writes one); returns
    the job's id."""
    return int(session.execute(_JOB_INSERT, job_values(session_id, reason)).scalar_one())


#: the session columns a scoring job's spec reads
_SPEC_COLUMNS = ("recording_sha256", "movement", "calibration", "phases")


def spec_columns(jobs: sa.Table) -> list[sa.ColumnElement[Any]]:
    """The columns of :data:`_SPEC_COLUMNS` of a ``scoring_job`` row's session, as correlated
    sub-selects labelled by their names: the claim returns them with the row (the spec costs
    no statement of its own; NULL when the session is gone)."""
    t = table_of(ExerciseSession)
    return [
        sa.select(t.c[name]).where(t.c.id == jobs.c.session_id).scalar_subquery().label(name)
        for name in _SPEC_COLUMNS
    ]


def load_spec(session: Session, job: Any) -> ScoringSpec:
    """``job``: a ``scoring_job`` row with :func:`spec_columns` (the claim's returned row)."""
    return {
        "job_id": job.id,
        "session_id": job.session_id,
        "recording_sha256": job.recording_sha256,
        "movement": job.movement or "",
        "calibration": dict(job.calibration or {}),
        "phases": list(job.phases or []),
    }


def recompute_metrics(
    rec: Recording,
    movement: str,
    calibration: dict[str, Any],
    play_spans: list[tuple[float, float]] | None = None,
) -> dict[str, Any]:
    """``analyze(...).to_dict()`` over ``play_spans`` (s; None: the whole recording), with the
    session's calibration when it is usable.

    Raises :class:`Invalid` when the recording cannot be analysed (e.g. far too short).
    """
    from smarttouch.scoring.analysis import analyze  # here: web processes never score
    from smarttouch.scoring.calibration import Calibration

    cal = None
    note = "none"
    if calibration.get("neutral_quat") is not None:
        try:
            cal = Calibration.from_dict(calibration)
            note = "client neutral pose"
        except (TypeError, ValueError) as exc:
            note = f"ignored ({exc})"
    name = movement if movement in MOVEMENT_MODELS else None
    try:
        result = analyze(rec, movement=name, calibration=cal, play_spans=play_spans).to_dict()
    except ValueError as exc:
        raise Invalid(f"recording cannot be analysed: {exc}") from None
    result["calibration_source"] = note
    return result


#: what a scoring job imports on first use (kept out of the web processes, which never score)
SCORING_MODULES = (
    "smarttouch.scoring.analysis",
    "smarttouch.scoring.calibration",
    "smarttouch.platform.services.clinic.session_phases",
    "smarttouch.platform.services.clinic.alerts",
    "smarttouch.platform.services.clinic.patients",
    "smarttouch.platform.services.clinic.feelings",
    "scipy.stats",
)


def warm_up() -> None:
    """Import :data:`SCORING_MODULES` (a scoring worker, before it says it serves): about a
    second of CPU (1.1 s measured on the 2-core bench machine) that the first scored session
    would otherwise wait for; and keep freed memory for the next job
    (:func:`~smarttouch.platform.memory.keep_freed_memory`)."""
    import importlib

    from ...memory import keep_freed_memory

    for name in SCORING_MODULES:
        importlib.import_module(name)
    keep_freed_memory()


def compute(blobs: BlobStore, spec: ScoringSpec) -> Outcome:
    """Score one session's recording (no database): the analysis, or why it failed."""
    from .session_phases import label_sets, spans_to_analyse

    sha = spec["recording_sha256"]
    if not sha:
        return {"status": FAILED, "failure_reason": "no_recording", "message": "the session has no recording"}
    try:
        data = blobs.get(sha)
    except BlobNotFound:
        return {
            "status": FAILED,
            "failure_reason": "recording_missing",
            "message": f"the recording {sha[:12]} is not in the hub's blob store",
        }
    except Exception as exc:  # object storage unreachable past its client's own retries
        log.warning(
            "session %s: recording %s unreadable: %s: %s",
            spec["session_id"],
            sha[:12],
            type(exc).__name__,
            exc,
        )
        return {
            "status": FAILED,
            "failure_reason": UNAVAILABLE,
            "message": (
                "the hub's blob store did not answer when the recording was read; it is tried "
                f"again every {RETRY_AFTER.seconds // 60} minutes, {MAX_TRIES_UNAVAILABLE} times, "
                "then an administrator can score it again (smarttouch rescore --all --outdated)"
            ),
        }
    if BlobStore.key_for(data) != sha:
        return {
            "status": FAILED,
            "failure_reason": "internal_error",
            "message": f"the stored recording does not hash to {sha[:12]}",
        }
    try:
        # the upload validated these bytes (the key is their hash, checked above), and analyze
        # checks again what it relies on: the values are not checked a third time
        rec = recording_from_bytes(data, validate=False)
        phases = [Phase.from_dict(p) for p in spec["phases"]]
        analysis = recompute_metrics(rec, spec["movement"], spec["calibration"], spans_to_analyse(phases))
        analysis["sets"] = label_sets(analysis.get("sets") or [], phases)
    except Invalid as exc:
        return {"status": FAILED, "failure_reason": "analysis_failed", "message": exc.message}
    except RecordingError as exc:
        return {"status": FAILED, "failure_reason": "analysis_failed", "message": f"recording: {exc}"}
    except Exception as exc:  # our analysis failed on a valid recording: keep the session
        log.exception("analysis of session %s failed", spec["session_id"])
        return {
            "status": FAILED,
            "failure_reason": "analysis_failed",
            "message": f"analysis failed: {type(exc).__name__}: {exc}",
        }
    return {
        "status": SCORED,
        "failure_reason": None,
        "message": "scored",
        "analysis": analysis,
        "algorithm_version": ALGORITHM_VERSION,
    }


def outcome_values(outcome: Outcome) -> dict[str, Any]:
    """Column values of a finished scoring job (the lease columns are the store's)."""
    from smarttouch.challenges.jobs import final_state

    return {
        "status": final_state(outcome),
        "failure_reason": outcome.get("failure_reason"),
        "message": str(outcome.get("message", ""))[:4000],
        "algorithm_version": outcome.get("algorithm_version"),
    }


_METRICS = table_of(SessionMetricsRecord)
_SESSIONS = table_of(ExerciseSession)
#: the scoring job's writes, built once (values bound per call): Core statements, no ORM
#: objects to flush (one job writes a metrics row and a session's status)
_METRICS_INSERT = sa.insert(_METRICS)
_METRICS_UPDATE = sa.update(_METRICS).where(_METRICS.c.id == sa.bindparam("metrics_id", type_=sa.Integer()))
_STATUS_UPDATE = (
    sa.update(_SESSIONS)
    .where(_SESSIONS.c.id == sa.bindparam("row_id", type_=sa.Integer()))
    .values(status=sa.bindparam("new_status"), error=sa.bindparam("new_error"))
)


def _write_metrics(
    session: Session,
    session_id: int,
    analysis: dict[str, Any],
    version: str,
    metrics_id: int | None,
) -> None:
    """Insert the session's one metrics row, or replace row ``metrics_id`` (its current one), now."""
    from .progress import metrics_values

    values = metrics_values(session_id, analysis)
    values["algorithm_version"] = version
    values["computed_at"] = utcnow()
    if metrics_id is None:
        session.execute(_METRICS_INSERT, values)
        return
    del values["session_id"]
    session.execute(_METRICS_UPDATE, {**values, "metrics_id": metrics_id})


def _set_status(session: Session, row: ExerciseSession, status: SessionStatus, error: str | None) -> None:
    """The session's status and error, written now when they change (``row`` kept in step)."""
    if row.status == status and row.error == error:
        return
    session.execute(_STATUS_UPDATE, {"row_id": row.id, "new_status": str(status), "new_error": error})
    set_committed_value(row, "status", str(status))
    set_committed_value(row, "error", error)


#: what a finished job's result needs of the session: its status and error are rewritten when
#: they change, the rest is what the alerts and the after-scoring hooks read
_RESULT_COLUMNS = ("id", "patient_id", "activity_id", "status", "error")


@lru_cache(maxsize=1)
def _result_read() -> Any:
    """One read of a job's reason, its session (the columns of :data:`_RESULT_COLUMNS`; any
    other is loaded if ever asked for), the id of the session's metrics row (if any), the
    patient (its id: all the alerts read of it) and whether the patient has a consented pilot
    enrolment (most have none: the pilot readers are then spared their query). Bound
    parameter ``job_id``; built once: building it costs more than running it."""
    from ..pilots.patient_enrolments import any_consented

    return (
        sa.select(
            orm_attr(ScoringJob.reason),
            ExerciseSession,
            orm_attr(SessionMetricsRecord.id),
            Patient,
            any_consented(ExerciseSession.patient_id).label("in_pilot"),
        )
        .join(ExerciseSession, col(ExerciseSession.id) == ScoringJob.session_id)
        .outerjoin(SessionMetricsRecord, col(SessionMetricsRecord.session_id) == ExerciseSession.id)
        .outerjoin(Patient, col(Patient.id) == ExerciseSession.patient_id)
        .where(col(ScoringJob.id) == sa.bindparam("job_id", type_=sa.Integer()))
        .options(
            load_only(*(orm_attr(getattr(ExerciseSession, c)) for c in _RESULT_COLUMNS)),
            load_only(orm_attr(Patient.id)),
        )
    )


def save_result(
    session: Session, job_id: int, outcome: Outcome, *, today: date | None, tz: tzinfo | str
) -> None:
    """Write a finished job's result in the caller's transaction: metrics (scored), the
    session's status and error, the ``session.scored`` audit line and the new alerts (not
    committed). ``today``: the local day the alerts are judged on (None: today in ``tz``)."""
    from ..pilots.patient_enrolments import none_consented

    found = session.execute(_result_read(), {"job_id": job_id}).first()
    if found is None:
        return
    reason, row, metrics_id, patient, in_pilot = found
    assert row.id is not None
    scored = outcome.get("status") == SCORED and isinstance(outcome.get("analysis"), dict)
    if scored:
        version = str(outcome.get("algorithm_version") or "")
        _write_metrics(session, row.id, outcome["analysis"], version, metrics_id)
        _set_status(session, row, SessionStatus.scored, None)
    elif metrics_id is None:  # a failed re-score keeps the result it had
        _set_status(session, row, SessionStatus.failed, str(outcome.get("message") or "")[:4000])
    audit.write(
        session,
        action="session.scored" if scored else "session.scoring_failed",
        patient_id=row.patient_id,
        target_type="exercise_session",
        target_id=row.id,
        details={
            "job_id": job_id,
            "reason": reason,
            "algorithm_version": outcome.get("algorithm_version"),
            "failure_reason": outcome.get("failure_reason"),
        },
    )
    if patient is not None and scored:
        shared: dict[str, Any] = {}  # what the alert sources read, the hooks may reuse
        if not in_pilot:
            none_consented(shared)
        day = today or datetime.now(_zone(tz)).date()
        update_alerts(session, patient=patient, today=day, tz=tz, shared=shared)
        scoring_hooks.run(session, row, tz, shared=shared)


def _zone(tz: tzinfo | str) -> tzinfo:
    return ZoneInfo(tz) if isinstance(tz, str) else tz


def update_alerts(
    session: Session,
    *,
    patient: Patient,
    today: date,
    tz: tzinfo | str,
    shared: dict[str, Any] | None = None,
) -> None:
    """Add the alerts the patient's scored sessions cause (pain stop, decline) to the caller's
    open write transaction (a scoring job's finish); a failure to judge them is logged, never
    turned into a lost result. ``shared``: filled with what the alert sources read
    (:attr:`.alerts.AlertContext.shared`).

    They are judged and written in a savepoint: a database error (say, another job of the
    same patient opened the same alert a moment before: the unique open alert) rolls back
    the alerts only. Without it, PostgreSQL aborts the whole transaction at the error, and
    the caller's later commit silently rolls back the result too (psycopg raises nothing).
    The next scored session judges the alerts again. With no write transaction open, use
    :func:`refresh_alerts` (on SQLite a savepoint would open a read transaction whose
    upgrade to a write fails at once, without the busy timeout, while another process
    writes)."""
    try:
        with session.begin_nested():
            _add_alerts(session, patient=patient, today=today, tz=tz, shared=shared)
    except Exception:
        log.exception("alerts for patient %s could not be updated", patient.id)


def refresh_alerts(session: Session, *, patient: Patient, today: date, tz: tzinfo | str) -> None:
    """Judge the patient's alerts in a transaction of their own and commit them (the caller
    has nothing uncommitted: a pilot enrolment ended, a pilot's safety check); a failure is
    rolled back and logged, and the next change judges them again."""
    try:
        _add_alerts(session, patient=patient, today=today, tz=tz, shared=None)
        session.commit()
    except Exception:
        session.rollback()
        log.exception("alerts for patient %s could not be updated", patient.id)


def _add_alerts(
    session: Session, *, patient: Patient, today: date, tz: tzinfo | str, shared: dict[str, Any] | None
) -> None:
    from . import alerts
    from .patients import current_plan
    from .progress import alert_facts

    facts = alert_facts(session, patient_id=pk(patient), tz=tz)
    found = alerts.find_patient_alerts(
        session,
        patient=patient,
        facts=facts,
        today=today,
        has_plan=lambda: bool(current_plan(session, patient=patient, today=today)),
        shared=shared,
    )
    session.add_all(found)
    session.flush()


def score_now(
    session: Session, *, blobs: BlobStore, job_id: int, today: date, tz: tzinfo | str
) -> Outcome | None:
    """Run queued job ``job_id`` here and now, judging alerts on ``today`` (the demo seed,
    which writes a history day by day before any worker runs). Returns the outcome, or None
    when the job was no longer queued. Workers use the lease store instead."""
    job = session.execute(sa.select(*_JOBS.c, *spec_columns(_JOBS)).where(_JOBS.c.id == job_id)).first()
    if job is None or job.status != "queued":
        return None
    outcome = compute(blobs, load_spec(session, job))
    now = utcnow()
    done = session.execute(
        sa.update(ScoringJob)
        .where(col(ScoringJob.id) == job_id, col(ScoringJob.status) == "queued")
        .values(attempts=ScoringJob.attempts + 1, started_at=now, finished_at=now, **outcome_values(outcome))
    )
    if getattr(done, "rowcount", 0) != 1:
        session.rollback()
        return None
    save_result(session, job_id, outcome, today=today, tz=tz)
    session.commit()
    return outcome
