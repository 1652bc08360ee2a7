"""What the therapist's dashboards show: the patient list and one patient's progress.

The numbers come from :mod:`smarttouch.scoring.progress` (trends with confidence intervals,
weekly adherence, streaks, MCID flags, alerts) over the patient's sessions; this module only
selects the sessions, groups them by the hub's local day and shapes the result for pages.

Units as in :class:`~smarttouch.platform.models.SessionMetricsRecord` (degrees, deg/s, seconds).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel import Session

from smarttouch.scoring import progress as scoring

from ...models import Activity, Assignment, Patient, pk
from . import alerts as alert_service
from . import plan_versions, progress
from .plan_versions import PlanHistory, Span

PERIODS: dict[str, int | None] = {"4w": 28, "12w": 84, "26w": 182, "52w": 364, "all": None}
DEFAULT_PERIOD = "12w"


@dataclass(frozen=True)
class SessionPoint:
    """One stored session as the dashboards use it: the row (via :mod:`.progress`) and its
    trend metrics (empty until scored)."""

    entry: progress.SessionEntry
    metrics: dict[str, float] = field(default_factory=dict)

    id = property(lambda self: self.entry.session.id)
    started_at = property(lambda self: self.entry.session.started_at)
    day = property(lambda self: self.entry.day)  # in the hub's time zone
    status = property(lambda self: self.entry.session.status)
    quit_reason = property(lambda self: self.entry.session.quit_reason)
    game_score = property(lambda self: self.entry.session.game_score)
    activity_id = property(lambda self: self.entry.session.activity_id)
    assignment_id = property(lambda self: self.entry.session.assignment_id)
    side = property(lambda self: self.entry.session.side)  # None: recorded before sides existed
    placement = property(lambda self: self.entry.session.placement)  # sensor site, or None

    @property
    def duration_s(self) -> float | None:
        return self.entry.metrics.duration_s if self.entry.metrics is not None else None

    @property
    def tremor_power_ratio(self) -> float | None:
        return self.entry.metrics.tremor_power_ratio if self.entry.metrics is not None else None

    @property
    def count_uncertain(self) -> bool:
        """The hub's repetition count is uncertain: trends and MCID verdicts leave it out."""
        return self.entry.metrics is not None and bool(self.entry.metrics.count_uncertain)

    @property
    def uncertain_reason(self) -> str | None:
        return self.entry.metrics.uncertain_reason if self.entry.metrics is not None else None

    @property
    def reps_per_set(self) -> list[int]:
        """The hub's repetitions of each play set, in order (empty without phases)."""
        sets = self.entry.metrics.sets if self.entry.metrics is not None else []
        return [int(s.get("reps") or 0) for s in sets if s.get("set_index") is not None]

    def record(self) -> scoring.SessionRecord:
        return self.entry.record


def load_points(
    session: Session, *, patient_id: int, tz: ZoneInfo, since: date | None = None
) -> list[SessionPoint]:
    """The patient's sessions oldest first (from local day ``since`` when given)."""
    entries = progress.patient_sessions(session, patient_id=patient_id, tz=tz)
    # the point's metrics are its scoring record's (one read of the row, shared; neither side
    # changes them)
    return [SessionPoint(e, e.record.metrics) for e in entries if since is None or e.day >= since]


def facts(points: list[SessionPoint]) -> list[alert_service.SessionFact]:
    """The sessions as alert facts (id + scoring record), oldest first."""
    return progress.session_facts([p.entry for p in points])


def period_start(period: str, today: date, first_day: date | None) -> date:
    """First day of ``period`` (a key of :data:`PERIODS`) ending ``today``."""
    days = PERIODS.get(period, PERIODS[DEFAULT_PERIOD])
    if days is None:
        return min(first_day or today, today)
    return today - timedelta(days=days - 1)


#: how a day of the adherence calendar reads
DAY_STATES = ("done", "pain", "fatigue", "stopped", "missed", "rest", "pending", "free", "out")
STOP_STATES = {"pain": "pain", "fatigue": "fatigue", "other": "stopped"}


@dataclass(frozen=True)
class DayCell:
    """One day of the calendar. ``state``: ``done`` (a session completed), ``pain``,
    ``fatigue`` or ``stopped`` (the day's sessions include one stopped for that reason),
    ``missed`` (counted towards a week that fell short of its prescription), ``rest`` (no
    session, and none was owed that day), ``pending`` (today, or a day of this week, while
    the week can still be met), ``free`` (no exercise planned), ``out`` (outside the period)."""

    day: date
    sessions: int
    pain: bool
    planned: bool
    in_period: bool
    state: str = "free"


@dataclass(frozen=True)
class WeekSummary:
    monday: date
    done: int
    prescribed: int

    @property
    def met(self) -> bool:
        return self.prescribed > 0 and self.done >= self.prescribed


@dataclass
class PatientOverview:
    """Everything the patient page shows about progress over one period."""

    period: str
    start: date
    today: date
    points: list[SessionPoint]  # in the period, oldest first
    all_points: list[SessionPoint]
    report: dict[str, Any]
    weeks: list[dict[str, Any]]  # week_start, done, prescribed
    calendar: list[list[DayCell]]  # weeks (Monday first) x 7 days
    calendar_weeks: list[WeekSummary]  # one per calendar week: done vs that week's prescription
    streak_days: int
    longest_streak_days: int
    streak_weeks: int  # consecutive weeks meeting their prescription (the current one once met)
    longest_streak_weeks: int
    assignments: list[tuple[Assignment, Activity]]
    history: PlanHistory
    main_movement: str | None
    targets: list[Span]  # the main exercise's versions over the period (target lines)


def _calendar(
    points: list[SessionPoint], history: PlanHistory, start: date, today: date
) -> tuple[list[list[DayCell]], list[WeekSummary]]:
    """The calendar's weeks. Each week is read against its own prescription: a week that met
    it has no missed day; a past week short by N sessions shows its last N empty planned days
    as missed; this week shows as missed only what can no longer be done in the days left
    (today included), and today is never missed."""
    counts: dict[date, int] = {}
    stops: dict[date, str] = {}
    for p in points:
        counts[p.day] = counts.get(p.day, 0) + 1
        stop = STOP_STATES.get(p.quit_reason or "")
        if stop is not None and (p.day not in stops or stop == "pain"):
            stops[p.day] = stop
    monday = start - timedelta(days=start.weekday())
    weeks, summaries = [], []
    while monday <= today:
        days = [monday + timedelta(days=i) for i in range(7)]
        prescribed = history.prescribed_in_week(monday)
        done = sum(counts.get(d, 0) for d in days)
        planned = {d for d in days if history.current_on(d)} if prescribed else set()
        empty_past = [d for d in days if d < today and d in planned and not counts.get(d)]
        left = sum(1 for d in days if d >= today)  # today is not over
        short = max(0, prescribed - done - left)
        missed = set(empty_past[len(empty_past) - short :]) if short else set()
        cells = []
        for d in days:
            n = counts.get(d, 0)
            if n:
                state = stops.get(d, "done")
            elif d not in planned:
                state = "free"
            elif d in missed:
                state = "missed"
            elif d >= today and done < prescribed:
                state = "pending"
            else:
                state = "rest"
            cells.append(DayCell(d, n, stops.get(d) == "pain", d in planned, start <= d <= today, state))
        weeks.append(cells)
        summaries.append(WeekSummary(monday, done, prescribed))
        monday += timedelta(days=7)
    return weeks, summaries


def patient_overview(
    session: Session,
    *,
    patient: Patient,
    today: date,
    tz: ZoneInfo,
    period: str = DEFAULT_PERIOD,
    sync_alerts: bool = True,
) -> PatientOverview:
    """Progress of ``patient`` over ``period``; brings the patient's alerts up to date.
    Each past week and target line uses the plan version in force then."""
    period = period if period in PERIODS else DEFAULT_PERIOD
    history = plan_versions.load_history(session, patient=patient)
    plan = history.plan
    all_points = load_points(session, patient_id=pk(patient), tz=tz)
    current = [a for a, _ in plan if a.is_current(today)]
    if sync_alerts:
        alert_service.sync_patient_alerts(
            session, patient=patient, facts=facts(all_points), today=today, has_plan=bool(current)
        )
    start = period_start(period, today, all_points[0].day if all_points else None)
    points = [p for p in all_points if start <= p.day <= today]
    records = [p.record() for p in points]
    per_week = sum(a.sessions_per_week for a in current)
    report = scoring.progress_report(records, per_week, today, start=start)
    all_records = [p.record() for p in all_points]
    current_streak, longest = scoring.streak(all_records, today)
    week_run, longest_weeks = scoring.week_streak(all_records, history.prescribed_in_week, today)
    calendar, calendar_weeks = _calendar(points, history, start, today)
    main = current[0] if current else (plan[0][0] if plan else None)
    return PatientOverview(
        period=period,
        start=start,
        today=today,
        points=points,
        all_points=all_points,
        report=report,
        weeks=history.adherence_weeks(records, start, today),
        calendar=calendar,
        calendar_weeks=calendar_weeks,
        streak_days=current_streak,
        longest_streak_days=longest,
        streak_weeks=week_run,
        longest_streak_weeks=longest_weeks,
        assignments=plan,
        history=history,
        main_movement=main.movement if main else None,
        targets=history.spans_of(plan_versions.saved_id(main), start, today) if main else [],
    )
