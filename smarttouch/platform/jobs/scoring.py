"""The scoring job: the hub's own analysis of an uploaded session, run by a worker.

Job rows are ``scoring_job`` rows (job id = the row id; one per upload with a recording and
one per re-score). The worker computes the metrics outside any transaction
(:func:`~smarttouch.platform.services.clinic.scoring.compute`) and the lease store writes
them, the session's status, the audit line and the alerts in the job's finishing transaction
(:func:`~smarttouch.platform.services.clinic.scoring.save_result`), guarded by the claim token:
a worker killed mid-job is replaced by another (lease and retry) and the result is written
once.
"""

from __future__ import annotations

import datetime as dt

from sqlmodel import Session

from smarttouch.challenges.jobs import Outcome

from ..models import ScoringJob
from ..services.clinic import rescoring, scoring
from .types import JobContext, JobType

#: a message lost before a worker took it is sent again after this long
RESEND_AFTER = dt.timedelta(minutes=2)


def execute(ctx: JobContext, spec: scoring.ScoringSpec) -> Outcome:
    """Score one session (the worker's side); the outcome names the hub's time zone, on
    which the alerts' "today" is judged when the result is saved."""
    return {**scoring.compute(ctx.blobs, spec), "timezone": ctx.timezone}


def save_outcome(session: Session, job_id: int, outcome: Outcome) -> None:
    scoring.save_result(session, job_id, outcome, today=None, tz=str(outcome.get("timezone") or "UTC"))


SCORING: JobType[ScoringJob, scoring.ScoringSpec] = JobType(
    name="scoring",
    table=ScoringJob,
    task_name="hub.score_session",
    load_spec=scoring.load_spec,
    execute=execute,
    outcome_values=scoring.outcome_values,
    save_outcome=save_outcome,
    claim_message="scoring",
    resend_after=RESEND_AFTER,
    schedule=rescoring.schedule_retries,
    claim_columns=scoring.spec_columns,
    warm_up=scoring.warm_up,
)

__all__ = ["SCORING"]
