"""The challenge-data job: a worker builds an authored challenge's simulated data (a second or
more), validates it with the bundle loader, stores it, and the finishing transaction points
the challenge at it (:mod:`smarttouch.platform.services.challenges.challenge_data`)."""

from __future__ import annotations

import datetime as dt

from smarttouch.challenges.jobs import Outcome

from ..models import ChallengeDataJob
from ..services.challenges import challenge_data
from .types import JobContext, JobType

#: a message lost before a worker took it is sent again after this long
RESEND_AFTER = dt.timedelta(minutes=2)


def execute(ctx: JobContext, spec: challenge_data.DataSpec) -> Outcome:
    return challenge_data.execute(ctx.blobs, spec)


CHALLENGE_DATA: JobType[ChallengeDataJob, challenge_data.DataSpec] = JobType(
    name="challenge_data",
    table=ChallengeDataJob,
    task_name="hub.build_challenge_data",
    load_spec=challenge_data.load_spec,
    execute=execute,
    outcome_values=challenge_data.outcome_values,
    save_outcome=challenge_data.save_outcome,
    claim_message="building the data",
    resend_after=RESEND_AFTER,
)

__all__ = ["CHALLENGE_DATA"]
