"""A patient's adherence in a pilot: sessions done / sessions prescribed over their counted
days, week by week against the prescription in force that week.

The pilot's game is an ordinary assignment whose every change is a new version in force from
the day of the change (:mod:`..clinic.plan_versions`). Weeks are the 7-day blocks from the
first counted day (the consent, or the pilot's start). In each week, the exercise is
prescribed on the days whose version in force is active (an ended exercise prescribes
nothing), at the sessions per week of the version in force on the last of those days (so a
change on Wednesday sets that week's prescription, as on the plan's own adherence chart);
prescribed = sessions per week x those days / 7 (a part week counts its part). Days are the
hub's local days."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo

from sqlmodel import Session

from ...models import AssignmentVersion, PilotEnrolment
from ..clinic.plan_versions import in_force_on, versions_for
from ..clinic.progress import local_day


@dataclass(frozen=True)
class Week:
    """One week of a patient's pilot: its first and last counted local days (inclusive),
    sessions done and prescribed."""

    first: date
    last: date
    done: int
    prescribed: float


def weeks(
    session: Session,
    enrolment: PilotEnrolment,
    start: datetime,
    end: datetime,
    tz: tzinfo,
    played: Sequence[datetime],
) -> list[Week] | None:
    """The weeks from ``start`` to ``end`` (the counted window) with the sessions ``played``
    (their start moments) in each; None when the enrolment has no assignment (no versions)."""
    if enrolment.assignment_id is None:
        return None
    versions = versions_for(session, [enrolment.assignment_id])[enrolment.assignment_id]
    if not versions:
        return None
    if end <= start:
        return []
    first, last = local_day(start, tz), local_day(end - timedelta(microseconds=1), tz)
    days_played = [local_day(t, tz) for t in played]
    out = []
    week_start = first
    while week_start <= last:
        week_end = min(week_start + timedelta(days=6), last)
        out.append(
            Week(
                first=week_start,
                last=week_end,
                done=sum(week_start <= d <= week_end for d in days_played),
                prescribed=_prescribed(versions, week_start, week_end),
            )
        )
        week_start += timedelta(days=7)
    return out


def _prescribed(versions: Sequence[AssignmentVersion], first: date, last: date) -> float:
    in_force = [in_force_on(versions, first + timedelta(days=i)) for i in range((last - first).days + 1)]
    active = [v for v in in_force if v.active]
    if not active:
        return 0.0
    return active[-1].sessions_per_week * len(active) / 7.0


def prescribed(weeks_: Sequence[Week] | None) -> float | None:
    """Sessions prescribed over the weeks (None: no assignment)."""
    return None if weeks_ is None else sum(w.prescribed for w in weeks_)
