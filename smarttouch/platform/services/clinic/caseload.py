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
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import sqlalchemy as sa
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


def _sort_key(sort: str):
    def key(row: CaseloadRow):
        p = row.patient
        value = {
            "need": -row.need,
            "code": p.code,
            "name": (p.display_name or "").casefold(),
            "condition": p.condition,
            "plan": row.active_assignments,
            "adherence": row.adherence,
            "trend": row.trend.slope_per_week if row.trend else None,
            "alerts": len(row.alert_kinds),
            "last_session": row.last_session_at,
        }[sort]
        return (value is None, value if value is not None else 0, p.code)

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


RecentRows = tuple[dict[int, list[tuple[date, float | None]]], dict[int, date]]
#: (therapist's patient ids, window, fingerprint of the window's rows) -> the rows, per process
_RECENT_CACHE: dict[tuple, RecentRows] = {}
_RECENT_CACHE_SIZE = 32


def _recent(session: Session, *, ids: list[int], since: datetime, today: date, tz: ZoneInfo) -> RecentRows:
    """Each patient's sessions of the trend window as (local day, main metric or None), and
    the day of their latest stop for pain in the last 7 days.

    Reading thousands of rows (500 patients exercising daily: 14,000) dominates a caseload
    visit, and they change only when a session arrives, is scored again or is erased: the
    result is kept per process under a fingerprint of those rows (their count, largest id
    and latest scoring time, from the (patient, start) index) and read again when it moves."""
    window = (col(ExerciseSession.patient_id).in_(ids), col(ExerciseSession.started_at) >= since)
    fingerprint = session.execute(
        select(func.count(), func.max(ExerciseSession.id), func.max(SessionMetricsRecord.computed_at))
        .outerjoin(SessionMetricsRecord, col(SessionMetricsRecord.session_id) == ExerciseSession.id)
        .where(*window)
    ).one()
    key = (tuple(ids), since, today, str(tz), tuple(fingerprint))
    hit = _RECENT_CACHE.get(key)
    if hit is not None:
        return hit
    # local midnights of the window as UTC instants: a row's local day by bisection
    days = [today - timedelta(days=i) for i in range(TREND_DAYS, -2, -1)]
    edges = [local_midnight(d, tz).astimezone(UTC) for d in days]
    recent: dict[int, list[tuple[date, float | None]]] = {}
    pain: dict[int, date] = {}
    pain_since = today - timedelta(days=ADHERENCE_DAYS - 1)
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
        recent.setdefault(pid, []).append((local_day, float(value) if usable else None))
        if quit_reason in scoring.PAIN_REASONS and local_day >= pain_since:
            pain[pid] = local_day
    if len(_RECENT_CACHE) >= _RECENT_CACHE_SIZE:
        _RECENT_CACHE.pop(next(iter(_RECENT_CACHE)))
    _RECENT_CACHE[key] = (recent, pain)
    return recent, pain


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
    sorted by ``sort`` (one of :data:`SORT_KEYS`); rows without a value sort last."""
    if sort not in SORT_KEYS:
        sort = "need"
    patients = list(
        session.exec(select(Patient).where(Patient.therapist_id == therapist.id).order_by(col(Patient.code)))
    )
    if query.strip():
        patients = [p for p in patients if _matches(p, query, condition_labels or {})]
    if not patients:
        return []
    ids = [pk(p) for p in patients]
    plan: dict[int, tuple[int, int, date | None]] = {}
    for pid, n, per_week, first_day in session.exec(
        select(
            Assignment.patient_id,
            func.count(),
            func.sum(Assignment.sessions_per_week),
            func.min(Assignment.start_date),
        )
        .where(
            col(Assignment.patient_id).in_(ids),
            col(Assignment.active).is_(True),
            col(Assignment.start_date) <= today,
            (col(Assignment.end_date).is_(None)) | (col(Assignment.end_date) >= today),
        )
        .group_by(col(Assignment.patient_id))
    ).all():
        plan[pid] = (int(n), int(per_week or 0), first_day)
    last = dict(
        session.exec(
            select(ExerciseSession.patient_id, func.max(ExerciseSession.started_at))
            .where(col(ExerciseSession.patient_id).in_(ids))
            .group_by(col(ExerciseSession.patient_id))
        ).all()
    )
    since = local_midnight(today - timedelta(days=TREND_DAYS - 1), tz)
    recent, pain = _recent(session, ids=ids, since=since, today=today, tz=tz)
    alert_service.sync_no_session_alerts(
        session,
        last_days={pid: at.astimezone(tz).date() for pid, at in last.items()},
        today=today,
        planned=set(plan),
    )
    kinds = alert_service.open_alert_kinds(session, patient_ids=ids)
    window_start = today - timedelta(days=ADHERENCE_DAYS - 1)
    monday = today - timedelta(days=today.weekday())
    rows = []
    for p in patients:
        days = recent.get(pk(p), [])
        scored = tuple((d, v) for d, v in days if v is not None)
        n_plan, per_week, first = plan.get(pk(p), (0, 0, None))
        last_at = last.get(pk(p))
        sessions_week = sum(1 for d, _v in days if d >= monday)
        alert_kinds = tuple(sorted(kinds.get(pk(p), [])))
        rows.append(
            CaseloadRow(
                patient=p,
                active_assignments=n_plan,
                prescribed_per_week=per_week,
                sessions_7d=sum(1 for d, _v in days if d >= window_start),
                last_session_at=last_at,
                trend=main_trend(scored),
                latest_value=scored[-1][1] if scored else None,
                alert_kinds=alert_kinds,
                plan_start=first,
                expected_7d=_expected_7d(per_week, first, window_start, today),
                sessions_week=sessions_week,
                reasons=_reasons(
                    today=today,
                    per_week=per_week,
                    plan_start=first,
                    sessions_week=sessions_week,
                    last_day=last_at.astimezone(tz).date() if last_at else None,
                    pain_day=pain.get(pk(p)),
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
