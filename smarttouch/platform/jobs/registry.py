"""The hub's job types, by name. A new kind of background job is a module beside this one
that defines a :class:`~.types.JobType`, and one line below; the queue, the lease store, the
worker and the lost-worker handling need no change."""

from __future__ import annotations

from typing import Any

from .analyses import ANALYSIS
from .challenge_data import CHALLENGE_DATA
from .evaluations import EVALUATION
from .scoring import SCORING
from .types import JobType

JOB_TYPES: dict[str, JobType[Any, Any]] = {}


def register(job_type: JobType[Any, Any]) -> JobType[Any, Any]:
    """Add ``job_type`` to the types every new :class:`~.queue.HubQueue` serves.

    Raises:
        ValueError: another job type has this name or huey task name.
    """
    for other in JOB_TYPES.values():
        if other is not job_type and job_type.name == other.name:
            raise ValueError(f"a job type named {job_type.name!r} is already registered")
        if other is not job_type and job_type.task_name == other.task_name:
            raise ValueError(f"job types {other.name!r} and {job_type.name!r} share a task name")
    JOB_TYPES[job_type.name] = job_type
    return job_type


register(EVALUATION)
register(ANALYSIS)
register(SCORING)
register(CHALLENGE_DATA)

__all__ = ["JOB_TYPES", "register"]
