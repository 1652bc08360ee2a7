"""Scoring jobs people and the tick create after an upload's own: ``smarttouch rescore`` (after
a scoring upgrade, or to repair sessions), the tick's retries of sessions whose recording the
blob store could not give, and following those jobs until they finish.

The jobs are the upload's kind (:func:`.scoring.insert_scoring_job`), with their ``reason``:
``rescore`` or ``retry``; a worker runs them like any other (:mod:`.scoring`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Session, col, select

from smarttouch.scoring.version import ALGORITHM_VERSION

from ...models import ExerciseSession, ScoringJob, SessionMetricsRecord, SessionStatus, table_of, utcnow
from .. import audit
from .scoring import MAX_TRIES_UNAVAILABLE, RETRY_AFTER, UNAVAILABLE, insert_scoring_job

RESCORE, RETRY = "rescore", "retry"
RETRIES_PER_TICK = 200
#: :func:`job_states`' name for jobs no longer stored (deleted with their patient's erasure)
GONE = "gone"

_JOBS = table_of(ScoringJob)
_SESSIONS = table_of(ExerciseSession)


def sessions_to_rescore(
    session: Session, *, patient_id: int | None = None, outdated_only: bool = False
) -> list[int]:
    """Ids of the sessions with a recording (of one patient, when given) that have no scoring
    job waiting or running; ``outdated_only``: only those whose metrics were not computed by
    the current :data:`~smarttouch.scoring.ALGORITHM_VERSION`."""
    busy = select(ScoringJob.session_id).where(col(ScoringJob.status).in_(("queued", "running")))
    stmt = (
        select(ExerciseSession.id)
        .where(col(ExerciseSession.recording_sha256).is_not(None), col(ExerciseSession.id).not_in(busy))
        .order_by(col(ExerciseSession.id))
    )
    if patient_id is not None:
        stmt = stmt.where(ExerciseSession.patient_id == patient_id)
    if outdated_only:
        current = select(SessionMetricsRecord.session_id).where(
            SessionMetricsRecord.algorithm_version == ALGORITHM_VERSION
        )
        stmt = stmt.where(col(ExerciseSession.id).not_in(current))
    return [int(i) for i in session.exec(stmt).all() if i is not None]


def schedule_retries(session: Session, *, now: datetime | None = None) -> list[int]:
    """Queue a ``retry`` job (committed) for each failed session whose newest scoring job
    could not read the recording from the blob store (:data:`UNAVAILABLE`: object storage
    down past its client's own retries) at least :data:`RETRY_AFTER` ago, fewer than
    :data:`MAX_TRIES_UNAVAILABLE` times so far; at most :data:`RETRIES_PER_TICK`. The queue's
    once-a-minute tick runs it (``JobType.schedule``) and sends the jobs; returns their ids."""
    now = now or utcnow()
    other = _JOBS.alias("other_job")  # the session's jobs, in the sub-selects
    newest = sa.select(sa.func.max(other.c.id)).where(other.c.session_id == _SESSIONS.c.id).scalar_subquery()
    tries = (
        sa.select(sa.func.count())
        .where(other.c.session_id == _SESSIONS.c.id, other.c.failure_reason == UNAVAILABLE)
        .scalar_subquery()
    )
    due = session.execute(
        sa.select(_SESSIONS.c.id)
        .select_from(_SESSIONS)
        .join(_JOBS, _JOBS.c.id == newest)  # the newest job: none is queued or running after it
        .where(
            _SESSIONS.c.status == str(SessionStatus.failed),
            _JOBS.c.failure_reason == UNAVAILABLE,
            _JOBS.c.finished_at < now - RETRY_AFTER,
            tries < MAX_TRIES_UNAVAILABLE,
        )
        .order_by(_SESSIONS.c.id)
        .limit(RETRIES_PER_TICK)
    ).scalars()
    ids = [insert_scoring_job(session, session_id=int(session_id), reason=RETRY) for session_id in due]
    if ids:
        audit.record(session, action="sessions.retry_queued", details={"jobs": len(ids), "why": UNAVAILABLE})
    session.commit()
    return ids


def queue_rescoring(
    session: Session, *, session_ids: Iterable[int], enqueue: Callable[[int], object], actor: str = "cli"
) -> list[int]:
    """Queue one ``rescore`` job per session (committed, audited), then send them; returns the
    job ids in session order."""
    ids: list[int] = []
    for session_id in session_ids:
        ids.append(insert_scoring_job(session, session_id=session_id, reason=RESCORE))
    if ids:
        audit.record(
            session,
            action="sessions.rescore_queued",
            details={"jobs": len(ids), "algorithm_version": ALGORITHM_VERSION, "by": actor},
        )
    session.commit()
    for job_id in ids:
        enqueue(job_id)
    return ids


def job_states(session: Session, job_ids: list[int]) -> dict[str, int]:
    """How many of ``job_ids`` are in each state; those no longer stored count as :data:`GONE`."""
    counts: dict[str, int] = {}
    for chunk in _chunks(job_ids):
        rows = session.exec(
            select(ScoringJob.status, sa.func.count())
            .where(col(ScoringJob.id).in_(chunk))
            .group_by(col(ScoringJob.status))
        ).all()
        for status, n in rows:
            counts[status] = counts.get(status, 0) + int(n)
    gone = len(job_ids) - sum(counts.values())
    if gone:
        counts[GONE] = gone
    return counts


def unfinished_jobs(session: Session, job_ids: list[int]) -> list[int]:
    """Those of ``job_ids`` still queued or running (a job deleted meanwhile is not)."""
    found: list[int] = []
    for chunk in _chunks(job_ids):
        rows = session.exec(
            select(ScoringJob.id).where(
                col(ScoringJob.id).in_(chunk), col(ScoringJob.status).in_(("queued", "running"))
            )
        ).all()
        found.extend(int(i) for i in rows if i is not None)
    return sorted(found)


def _chunks(job_ids: list[int], size: int = 500) -> Iterator[list[int]]:
    """``job_ids`` in slices small enough for one ``IN (...)`` each."""
    for start in range(0, len(job_ids), size):
        yield job_ids[start : start + size]
