"""A therapist's caseload: one row per patient for the morning overview, searchable and
sortable.

Each row: sessions in the last 7 days against the weekly prescription of the current plan
(pro rata for a plan that started within those days: a plan starting today expects nothing
yet), the trend of the main metric (maximum ROM per session, deg) over the last 28 days from
:func:`smarttouch.scoring.progress.trend` (slope per week with a 95 % CI; the arrow points
only when the CI excludes zero), the open alerts and the last session.

Triage: the default order ("need") puts first the patients who need attention, each with the
reasons (:class:`Reason`): open alerts, planned sessions missed this week, a stop for pain in
the last 7 days, a decline beyond the MCID (an open decline alert), no data for
:data:`NO_DATA_DAYS` days. Six queries whatever the number of patients; "no session" alerts
are brought up to date on the way.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from typing import Any
from weakref import WeakKeyDictionary
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, func, select

from smarttouch.scoring import progress as scoring

from ...models import Assignment, ExerciseSession, Patient, SessionMetricsRecord, User, pk
from . import alerts as alert_service
from .patients import current_plan
from .progress import patient_sessions, session_facts

MAIN_METRIC = "rom_deg"
TREND_DAYS = 28
ADHERENCE_DAYS = 7
SORT_KEYS = ("need", "code", "name", "condition", "plan", "adherence", "trend", "alerts", "last_session")
NO_DATA_DAYS = alert_service.NO_SESSION_DAYS
#: reason code -> weight in the "need" order (a higher sum comes first)
REASON_WEIGHTS = {"pain": 5, "decline": 4, "alert": 3, "missed": 2, "no_data": 2, "never": 1}


@dataclass(frozen=True)
class Reason:
    """Why a patient needs attention: a code and its numbers (the page puts it in words).

    Codes: ``alert`` (``kind``: an open alert other than a decline or a pain stop),
    ``decline`` (an open decline alert; ``concerns``), ``pain`` (``day`` of the latest stop
    for pain in the last 7 days), ``missed`` (``n`` planned sessions missed this week),
    ``no_data`` (``days`` since the last session), ``never`` (``days`` since the plan began,
    no session yet)."""

    code: str
    n: int = 0
    day: date | None = None
    kind: str = ""


@dataclass(frozen=True)
class CaseloadRow:
    patient: Patient
    active_assignments: int
    prescribed_per_week: int
    sessions_7d: int
    last_session_at: datetime | None
    trend: scoring.Trend | None
    latest_value: float | None  # main metric of the latest scored session in the window
    alert_kinds: tuple[str, ...]
    plan_start: date | None = None  # first day of the earliest current exercise
    expected_7d: float = 0.0  # sessions the plan asked for in the last 7 days, today excluded
    sessions_week: int = 0  # sessions since Monday
    reasons: tuple[Reason, ...] = ()

    @property
    def needs_attention(self) -> bool:
        return bool(self.reasons)

    @property
    def need(self) -> int:
        return sum(REASON_WEIGHTS.get(r.code, 1) for r in self.reasons)

    @property
    def new_plan(self) -> bool:
        """The plan began within the last 7 days (adherence is pro rata)."""
        return self.plan_start is not None and self.expected_7d < self.prescribed_per_week

    @property
    def starts_today(self) -> bool:
        return self.plan_start is not None and self.expected_7d == 0 and self.sessions_7d == 0

    @property
    def adherence(self) -> float | None:
        """Sessions in the last 7 days over what the plan asked for in them (may exceed 1);
        None without a plan or while the plan has asked for nothing yet."""
        if not self.prescribed_per_week or self.expected_7d <= 0:
            return None
        return self.sessions_7d / self.expected_7d

    @property
    def direction(self) -> str | None:
        """``up``/``down`` when the trend is significant, ``flat`` when not, None without."""
        if self.trend is None:
            return None
        if not self.trend.significant:
            return "flat"
        return "up" if self.trend.slope_per_week > 0 else "down"


@lru_cache(maxsize=8192)
def main_trend(points: tuple[tuple[date, float], ...]) -> scoring.Trend | None:
    """:func:`smarttouch.scoring.progress.trend` of the main metric over ``(day, value)``
    points, memoised: it is a pure function of them, and a caseload shows the same points on
    every visit until a session arrives or the 28-day window moves (about 0.25 ms a call)."""
    return scoring.trend([scoring.SessionRecord(d, {MAIN_METRIC: v}) for d, v in points], MAIN_METRIC)


def local_midnight(day: date, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, time(0), tzinfo=tz)


def _matches(patient: Patient, needle: str, condition_labels: Mapping[str, str]) -> bool:
    hay = " ".join(
        [
            patient.code,
            patient.display_name or "",
            patient.condition,
            str(condition_labels.get(patient.condition, "")),
        ]
    ).casefold()
    return all(word in hay for word in needle.casefold().split())


#: sort key -> a row's value for it (None: sorts last)
_SORT_VALUES: dict[str, Callable[[CaseloadRow], Any]] = {
    "need": lambda row: -row.need,
    "code": lambda row: row.patient.code,
    "name": lambda row: (row.patient.display_name or "").casefold(),
    "condition": lambda row: row.patient.condition,
    "plan": lambda row: row.active_assignments,
    "adherence": lambda row: row.adherence,
    "trend": lambda row: row.trend.slope_per_week if row.trend else None,
    "alerts": lambda row: len(row.alert_kinds),
    "last_session": lambda row: row.last_session_at,
}


def _sort_key(sort: str):
    value_of = _SORT_VALUES[sort]

    def key(row: CaseloadRow):
        value = value_of(row)
        return (value is None, value if value is not None else 0, row.patient.code)

    return key


def _days_over(plan_start: date, since: date, today: date) -> int:
    """Days from ``since`` (or the plan's start, if later) to yesterday: the days that are over
    while the plan was in force (today is not over yet)."""
    return max(0, (today - max(since, plan_start)).days)


def _expected_7d(per_week: int, plan_start: date | None, window_start: date, today: date) -> float:
    """Sessions the plan asked for in the 7-day window: the whole week's prescription for a
    plan older than the window, pro rata over the days already over for a newer one."""
    if not per_week or plan_start is None:
        return 0.0
    if plan_start <= window_start:
        return float(per_week)
    return per_week * _days_over(plan_start, window_start, today) / 7


def missed_this_week(per_week: int, plan_start: date | None, done: int, today: date) -> int:
    """Planned sessions of this week that can be counted as missed by now: those the plan asked
    for over the days already over (pro rata, from Monday or the plan's start), or those that
    no longer fit in the days left (today included), whichever is more. A plan that began
    this week asks for its share of the week (rounded down)."""
    if not per_week or plan_start is None or plan_start > today:
        return 0
    monday = today - timedelta(days=today.weekday())
    first = max(monday, plan_start)
    over = _days_over(plan_start, monday, today)
    left = 7 - today.weekday()  # today included
    week_share = per_week * (7 - first.weekday()) // 7
    return max(0, per_week * over // 7 - done, week_share - done - left)


def _reasons(
    *,
    today: date,
    per_week: int,
    plan_start: date | None,
    sessions_week: int,
    last_day: date | None,
    pain_day: date | None,
    alert_kinds: tuple[str, ...],
) -> tuple[Reason, ...]:
    out: list[Reason] = []
    if pain_day is not None or "pain_stop" in alert_kinds:
        out.append(Reason("pain", day=pain_day))
    if "decline" in alert_kinds:
        out.append(Reason("decline", n=alert_kinds.count("decline")))
    for kind in sorted(set(alert_kinds) - {"decline", "pain_stop", "no_session"}):
        out.append(Reason("alert", kind=kind))
    missed = missed_this_week(per_week, plan_start, sessions_week, today)
    if missed:
        out.append(Reason("missed", n=missed))
    if per_week and plan_start is not None:
        if last_day is None:
            if (today - plan_start).days >= NO_DATA_DAYS:
                out.append(Reason("never", n=(today - plan_start).days))
        elif (today - last_day).days >= NO_DATA_DAYS or "no_session" in alert_kinds:
            out.append(Reason("no_data", n=(today - last_day).days, day=last_day))
    return tuple(out)


@dataclass(frozen=True)
class Recent:
    """One patient's sessions of the trend window, reduced to what a caseload row shows:
    the scored (day, main metric) points oldest first, sessions in the last 7 days and since
    Monday, and the day of the latest stop for pain in the last 7 days."""

    scored: tuple[tuple[date, float], ...] = ()
    sessions_7d: int = 0
    sessions_week: int = 0
    pain_day: date | None = None
    trend: scoring.Trend | None = None  # main_trend(scored)

    @property
    def latest_value(self) -> float | None:
        return self.scored[-1][1] if self.scored else None


#: per database (its engine): (therapist, window, fingerprint of the window's rows) -> patient
#: id -> Recent. Ids and fingerprints repeat across databases (one process may hold several
#: apps: the tests, a bench), so one database's windows are never looked up for another.
_RECENT_CACHE: WeakKeyDictionary[Engine, dict[tuple, dict[int, Recent]]] = WeakKeyDictionary()
_RECENT_CACHE_SIZE = 32  # per database


def clear_caches() -> None:
    """Forget the memoised windows and trends (as on a process's first caseload visit)."""
    _RECENT_CACHE.clear()
    main_trend.cache_clear()


def _recent(
    session: Session, *, therapist_id: int, ids: tuple[int, ...], since: datetime, today: date, tz: ZoneInfo
) -> dict[int, Recent]:
    """Each of the therapist's patients (``ids``: all of them) with a session in the trend
    window: their :class:`Recent`.

    Reading thousands of rows (500 patients exercising daily: 14,500) dominates a caseload
    visit, and they change only when a session arrives or is erased, or its metrics are
    written: the result is kept per process under a fingerprint read on every visit without
    touching those rows: the window's session count and largest id (from the (patient,
    start) index), and the largest metrics id and newest scoring time (a primary key and an
    index). Sessions are never edited after upload; a metrics row is inserted (a larger id)
    or rewritten with ``computed_at`` set to now by the scoring job, and deleted only with
    its session."""
    mine = select(Patient.id).where(Patient.therapist_id == therapist_id)
    window = (col(ExerciseSession.patient_id).in_(mine), col(ExerciseSession.started_at) >= since)
    fingerprint = session.execute(
        select(
            func.count(),
            func.max(ExerciseSession.id),
            select(func.max(SessionMetricsRecord.id)).scalar_subquery(),
            select(func.max(SessionMetricsRecord.computed_at)).scalar_subquery(),
        ).where(*window)
    ).one()
    key = (therapist_id, ids, since, today, str(tz), tuple(fingerprint))
    cache = _RECENT_CACHE.setdefault(session.get_bind().engine, {})
    hit = cache.get(key)
    if hit is not None:
        return hit
    # local midnights of the window as UTC instants: a row's local day by bisection
    days = [today - timedelta(days=i) for i in range(TREND_DAYS, -2, -1)]
    edges = [local_midnight(d, tz).astimezone(UTC) for d in days]
    rows: dict[int, list[tuple[date, float | None, bool]]] = {}
    for pid, started, quit_reason, value, uncertain in session.execute(
        sa.select(
            col(ExerciseSession.patient_id),
            col(ExerciseSession.started_at),
            col(ExerciseSession.quit_reason),
            getattr(SessionMetricsRecord, MAIN_METRIC),
            col(SessionMetricsRecord.count_uncertain),
        )
        .outerjoin(SessionMetricsRecord, col(SessionMetricsRecord.session_id) == ExerciseSession.id)
        .where(*window)
        .order_by(col(ExerciseSession.started_at))
    ).all():
        usable = value is not None and not uncertain  # an uncertain count is no trend point
        i = bisect_right(edges, started) - 1
        local_day = days[i] if 0 <= i < len(days) - 1 else started.astimezone(tz).date()
        rows.setdefault(pid, []).append(
            (local_day, float(value) if usable else None, quit_reason in scoring.PAIN_REASONS)
        )
    week_start = today - timedelta(days=ADHERENCE_DAYS - 1)
    monday = today - timedelta(days=today.weekday())
    out = {}
    for pid, seen in rows.items():
        pains = [d for d, _v, pain in seen if pain and d >= week_start]
        scored = tuple((d, v) for d, v, _p in seen if v is not None)
        out[pid] = Recent(
            scored=scored,
            sessions_7d=sum(1 for d, _v, _p in seen if d >= week_start),
            sessions_week=sum(1 for d, _v, _p in seen if d >= monday),
            pain_day=pains[-1] if pains else None,
            trend=main_trend(scored),
        )
    if len(cache) >= _RECENT_CACHE_SIZE:
        cache.pop(next(iter(cache)))
    cache[key] = out
    return out


def caseload(
    session: Session,
    *,
    therapist: User,
    today: date,
    tz: ZoneInfo,
    query: str = "",
    sort: str = "need",
    descending: bool = False,
    condition_labels: Mapping[str, str] | None = None,
) -> list[CaseloadRow]:
    """The therapist's patients matching every word of ``query`` (code, name, condition),
    sorted by ``sort`` (one of :data:`SORT_KEYS`); rows without a value sort last.

    Aggregated in SQL over the therapist's patients (a subquery, not a list of ids): the
    current plan per patient (GROUP BY), the last session (a correlated MAX per patient,
    which both databases answer from the (patient, start) index without scanning a year of
    rows) and the trend window (:func:`_recent`)."""
    if sort not in SORT_KEYS:
        sort = "need"
    mine = select(Patient.id).where(Patient.therapist_id == therapist.id)
    newest = (
        select(func.max(ExerciseSession.started_at))
        .where(ExerciseSession.patient_id == Patient.id)
        .correlate(Patient)
        .scalar_subquery()
    )
    found = session.exec(
        select(Patient, newest).where(Patient.therapist_id == therapist.id).order_by(col(Patient.code))
    ).all()
    last: dict[int, datetime] = {pk(p): at for p, at in found if at is not None}
    patients = [p for p, _at in found]
    if query.strip():
        patients = [p for p in patients if _matches(p, query, condition_labels or {})]
    if not patients:
        return []
    plan: dict[int, tuple[int, int, date | None]] = {}
    for pid, n, per_week, first_day in session.exec(
        select(
            Assignment.patient_id,
            func.count(),
            func.sum(Assignment.sessions_per_week),
            func.min(Assignment.start_date),
        )
        .where(
            col(Assignment.patient_id).in_(mine),
            col(Assignment.active).is_(True),
            col(Assignment.start_date) <= today,
            (col(Assignment.end_date).is_(None)) | (col(Assignment.end_date) >= today),
        )
        .group_by(col(Assignment.patient_id))
    ).all():
        plan[pid] = (int(n), int(per_week or 0), first_day)
    since = local_midnight(today - timedelta(days=TREND_DAYS - 1), tz)
    mine_ids = tuple(pk(p) for p, _at in found)
    recent = _recent(session, therapist_id=pk(therapist), ids=mine_ids, since=since, today=today, tz=tz)
    ids = [pk(p) for p in patients]
    alert_service.sync_no_session_alerts(
        session,
        last_days={pid: last[pid].astimezone(tz).date() for pid in ids if pid in last},
        today=today,
        planned=set(plan),
    )
    kinds = alert_service.open_alert_kinds(session, patient_ids=ids)
    window_start = today - timedelta(days=ADHERENCE_DAYS - 1)
    nothing = Recent()
    rows = []
    for pid, p in zip(ids, patients):
        r = recent.get(pid, nothing)
        n_plan, per_week, first = plan.get(pid, (0, 0, None))
        last_at = last.get(pid)
        alert_kinds = tuple(sorted(kinds.get(pid, [])))
        rows.append(
            CaseloadRow(
                patient=p,
                active_assignments=n_plan,
                prescribed_per_week=per_week,
                sessions_7d=r.sessions_7d,
                last_session_at=last_at,
                trend=r.trend,
                latest_value=r.latest_value,
                alert_kinds=alert_kinds,
                plan_start=first,
                expected_7d=_expected_7d(per_week, first, window_start, today),
                sessions_week=r.sessions_week,
                reasons=_reasons(
                    today=today,
                    per_week=per_week,
                    plan_start=first,
                    sessions_week=r.sessions_week,
                    last_day=last_at.astimezone(tz).date() if last_at else None,
                    pain_day=r.pain_day,
                    alert_kinds=alert_kinds,
                ),
            )
        )
    rows.sort(key=_sort_key(sort), reverse=descending)
    if descending:  # keep rows without a value at the end
        rows.sort(key=lambda r: _sort_key(sort)(r)[0])
    return rows


def refresh_alerts(session: Session, *, therapist: User, today: date, tz: ZoneInfo) -> None:
    """Run every alert source over each of the therapist's patients (one patient at a time:
    for a daily job such as the digest, not for a page)."""
    for p in session.exec(select(Patient).where(Patient.therapist_id == therapist.id)).all():
        alert_service.sync_patient_alerts(
            session,
            patient=p,
            facts=session_facts(patient_sessions(session, patient_id=pk(p), tz=tz)),
            today=today,
            has_plan=bool(current_plan(session, patient=p, today=today)),
        )
