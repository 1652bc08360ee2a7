"""A patient's adherence in a pilot: sessions done / sessions prescribed over their counted
days, prescribed = the pilot assignment's sessions per week x days / 7."""

from __future__ import annotations

from datetime import datetime, timedelta, tzinfo

from sqlmodel import Session

from ...models import Assignment, PilotEnrolment
from ..clinic.progress import local_day


def prescribed(
    session: Session, enrolment: PilotEnrolment, start: datetime, end: datetime, tz: tzinfo
) -> float | None:
    """Sessions prescribed from ``start`` to ``end`` (None: the enrolment has no assignment)."""
    if end <= start:
        return 0.0
    assignment = session.get(Assignment, enrolment.assignment_id) if enrolment.assignment_id else None
    if assignment is None:
        return None
    first, last = local_day(start, tz), local_day(end - timedelta(microseconds=1), tz)
    days = (last - first).days + 1
    return assignment.sessions_per_week * max(days, 0) / 7.0
