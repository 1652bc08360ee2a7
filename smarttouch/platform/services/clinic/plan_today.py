"""Today's plan as the patient's client sees it: the current assignments with what is already
done today and this week, so the client can pick the exercise still to do.

An assignment whose activity was withdrawn (an approved game whose approval a reviewer took
back, see ``services.review``) is left out: the hub no longer serves its code, so the client
could not play it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo

from sqlmodel import Session, col, select

from ...models import Activity, Assignment, ExerciseSession, Patient, pk
from .patients import current_plan
from .progress import local_day


@dataclass(frozen=True)
class PlannedExercise:
    """One current assignment with today's and this week's count of uploaded sessions."""

    assignment: Assignment
    activity: Activity
    done_today: int
    done_this_week: int

    @property
    def due_today(self) -> bool:
        """Not played today and the week's prescription not yet reached."""
        return self.done_today == 0 and self.done_this_week < self.assignment.sessions_per_week


def week_start(day: date) -> date:
    """The Monday of ``day``'s week."""
    return day - timedelta(days=day.weekday())


def todays_plan(
    session: Session, *, patient: Patient, today: date, tz: tzinfo | str
) -> list[PlannedExercise]:
    """The assignments current on ``today`` (hub time zone ``tz``) whose activity is still
    offered, oldest first."""
    plan = [(a, act) for a, act in current_plan(session, patient=patient, today=today) if act.is_active]
    if not plan:
        return []
    monday = week_start(today)
    ids = [a.id for a, _ in plan]
    # sessions of the last 8 days are enough to count this week and today in any time zone
    since = monday - timedelta(days=1)
    rows = session.exec(
        select(ExerciseSession.assignment_id, ExerciseSession.started_at).where(
            ExerciseSession.patient_id == patient.id,
            col(ExerciseSession.assignment_id).in_(ids),
            col(ExerciseSession.started_at) >= datetime.combine(since, time(), UTC),
        )
    ).all()
    today_counts: dict[int, int] = {}
    week_counts: dict[int, int] = {}
    for assignment_id, started_at in rows:
        if assignment_id is None:  # excluded by the query; narrows the type
            continue
        day = local_day(started_at, tz)
        if day >= monday:
            week_counts[assignment_id] = week_counts.get(assignment_id, 0) + 1
        if day == today:
            today_counts[assignment_id] = today_counts.get(assignment_id, 0) + 1
    return [PlannedExercise(a, act, today_counts.get(pk(a), 0), week_counts.get(pk(a), 0)) for a, act in plan]
