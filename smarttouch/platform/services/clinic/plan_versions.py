"""Which terms of each exercise were in force on each day: the plan's history.

Every change to an assignment adds an :class:`~smarttouch.platform.models.AssignmentVersion`
in force from the (local) day of the change (:func:`add_version`); version 1 exists from
the moment the assignment does and stands for every day before version 2. A
:class:`PlanHistory` holds one patient's assignments with all their versions and answers
what was prescribed on a day, in a week or over a period, so adherence, target lines,
reports, exports and the portal show a past day with the plan of that day and an edit
today never rewrites them.

An exercise counts on a day when the version in force that day is active (not ended) and
the day lies within that version's start and end dates.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlmodel import Session, col, select

from smarttouch.scoring import progress as scoring
from smarttouch.scoring.progress import SessionRecord

from ...models import TERM_FIELDS, Activity, Assignment, AssignmentVersion, Patient, User
from .patients import all_assignments


@dataclass(frozen=True)
class Span:
    """The days (``first`` to ``last``, inclusive; ``last`` None: open) on which ``version``
    of an exercise was in force and current, within whatever period was asked for."""

    assignment: Assignment
    activity: Activity
    version: AssignmentVersion
    first: date
    last: date | None
    replaced: bool  # a later version (a change or the end) took over after ``last``

    def covers(self, day: date) -> bool:
        return self.first <= day and (self.last is None or day <= self.last)


def saved_id(row: Assignment) -> int:
    """The id of a stored assignment."""
    if row.id is None:
        raise ValueError("the assignment has not been stored yet")
    return row.id


def _in_force_window(versions: Sequence[AssignmentVersion], i: int) -> tuple[date, date | None]:
    """Days version ``i`` was in force (version 1 from the beginning)."""
    first = date.min if i == 0 else versions[i].valid_from
    nxt = versions[i + 1].valid_from - timedelta(days=1) if i + 1 < len(versions) else None
    return first, nxt


def in_force_on(
    versions: Sequence[AssignmentVersion], day: date, starts: Sequence[date] | None = None
) -> AssignmentVersion:
    """The version (of one assignment's, in version order) in force on ``day``: the last one
    starting on or before it, else version 1. ``starts``: their ``valid_from``, if at hand."""
    starts = starts if starts is not None else [v.valid_from for v in versions]
    return versions[max(bisect_right(starts, day) - 1, 0)]


def terms_on(session: Session, *, assignment_id: int, day: date) -> AssignmentVersion | None:
    """The terms of one assignment on ``day`` (None if it has no version)."""
    versions = versions_for(session, [assignment_id])[assignment_id]
    return in_force_on(versions, day) if versions else None


def _clip(
    first: date, last: date | None, lo: date | None, hi: date | None
) -> tuple[date, date | None] | None:
    if lo is not None:
        first = max(first, lo)
    if hi is not None:
        last = hi if last is None else min(last, hi)
    if last is not None and last < first:
        return None
    return first, last


class PlanHistory:
    """One patient's assignments and every version of them (see the module docstring)."""

    def __init__(
        self,
        plan: Sequence[tuple[Assignment, Activity]],
        versions: Mapping[int, Sequence[AssignmentVersion]],
    ) -> None:
        self.plan = list(plan)
        self.versions = {
            saved_id(a): sorted(versions.get(saved_id(a), ()), key=lambda v: v.version) for a, _ in plan
        }
        self._starts = {aid: [v.valid_from for v in vs] for aid, vs in self.versions.items()}
        for aid, vs in self.versions.items():
            if not vs:
                raise LookupError(f"assignment {aid} has no recorded version (run the migrations)")

    def version_on(self, assignment_id: int, day: date) -> AssignmentVersion:
        """The version of the assignment in force on ``day`` (version 1 before any change)."""
        return in_force_on(self.versions[assignment_id], day, self._starts[assignment_id])

    def spans(self, start: date | None = None, end: date | None = None) -> list[Span]:
        """Every version's days in force and current within ``start``..``end`` (inclusive,
        None: unbounded), by assignment in plan order then by version."""
        out = []
        for a, activity in self.plan:
            versions = self.versions[saved_id(a)]
            for i, v in enumerate(versions):
                if not v.active:
                    continue
                lo, hi = _in_force_window(versions, i)
                current = _clip(lo, hi, v.start_date, v.end_date)
                window = current and _clip(*current, start, end)
                if window:
                    replaced = hi is not None and (v.end_date is None or hi < v.end_date)
                    out.append(Span(a, activity, v, window[0], window[1], replaced))
        return out

    def spans_of(self, assignment_id: int, start: date | None = None, end: date | None = None) -> list[Span]:
        return [s for s in self.spans(start, end) if s.assignment.id == assignment_id]

    def current_on(self, day: date) -> list[tuple[AssignmentVersion, Activity]]:
        """The versions in force and current on ``day`` with their activity, in plan order."""
        out = []
        for a, activity in self.plan:
            v = self.version_on(saved_id(a), day)
            if v.active and v.start_date <= day and (v.end_date is None or day <= v.end_date):
                out.append((v, activity))
        return out

    def prescribed_in_week(self, monday: date) -> int:
        """Sessions prescribed in the week starting ``monday``: for each exercise current on
        at least one of its days, the sessions per week of the version current on the last
        such day (so a change on Wednesday sets that week's prescription)."""
        sunday = monday + timedelta(days=6)
        last: dict[int, Span] = {}
        for span in self.spans(monday, sunday):
            last[saved_id(span.assignment)] = span  # spans come in version order
        return sum(s.version.sessions_per_week for s in last.values())

    def adherence_weeks(
        self, records: Sequence[SessionRecord], start: date, end: date
    ) -> list[dict[str, Any]]:
        """``{"week_start", "done", "prescribed"}`` for each Monday-based week from ``start``'s
        week to ``end``'s: sessions done (from scoring's records) against the prescription
        of that week (:meth:`prescribed_in_week`)."""
        return [
            {"week_start": w.week_start, "done": w.done, "prescribed": self.prescribed_in_week(w.week_start)}
            for w in scoring.adherence(list(records), 0, start, end)
        ]


def versions_for(session: Session, assignment_ids: Iterable[int]) -> dict[int, list[AssignmentVersion]]:
    """Every version of the given assignments, by assignment id (oldest first)."""
    ids = list(assignment_ids)
    out: dict[int, list[AssignmentVersion]] = {i: [] for i in ids}
    if not ids:
        return out
    rows = session.exec(
        select(AssignmentVersion)
        .where(col(AssignmentVersion.assignment_id).in_(ids))
        .order_by(col(AssignmentVersion.assignment_id), col(AssignmentVersion.version))
    )
    for v in rows:
        out[v.assignment_id].append(v)
    return out


def load_history(session: Session, *, patient: Patient) -> PlanHistory:
    """The patient's plan history (two queries)."""
    plan = all_assignments(session, patient=patient)
    return PlanHistory(plan, versions_for(session, [saved_id(a) for a, _ in plan]))


def add_version(
    session: Session, *, assignment: Assignment, actor: User | None, today: date
) -> AssignmentVersion:
    """Record the assignment's current terms as a new version in force from ``today`` (or
    from the day the last version started, if that is later) and close the previous one.
    Not committed: the caller's change, its version and its audit line land together."""
    previous = session.exec(
        select(AssignmentVersion)
        .where(AssignmentVersion.assignment_id == assignment.id)
        .order_by(col(AssignmentVersion.version).desc())
        .limit(1)
    ).first()
    number = 1 if previous is None else previous.version + 1
    valid_from = today if previous is None else max(today, previous.valid_from)
    if previous is not None:
        previous.valid_until = valid_from - timedelta(days=1)
        session.add(previous)
    version = AssignmentVersion(
        assignment_id=saved_id(assignment),
        activity_id=assignment.activity_id,
        version=number,
        valid_from=valid_from,
        created_by_id=actor.id if actor is not None else None,
        **{f: getattr(assignment, f) for f in TERM_FIELDS},
    )
    session.add(version)
    return version
