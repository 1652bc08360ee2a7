"""A therapist's caseload: one row per patient for the morning overview, searchable and
sortable.

Each row: sessions in the last 7 days against the weekly prescription of the current plan,
the trend of the main metric (maximum ROM per session, deg) over the last 28 days from
:func:`smarttouch.scoring.progress.trend` (slope per week with a 95 % CI; the arrow points
only when the CI excludes zero), the open alerts and the last session. Five queries whatever
the number of patients; "no session" alerts are brought up to date on the way.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, func, select

from smarttouch.scoring import progress as scoring

from ...models import Assignment, ExerciseSession, Patient, SessionMetricsRecord, User, pk
from . import alerts as alert_service

MAIN_METRIC = "rom_deg"
TREND_DAYS = 28
ADHERENCE_DAYS = 7
SORT_KEYS = ("code", "name", "condition", "plan", "adherence", "trend", "alerts", "last_session")


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

    @property
    def adherence(self) -> float | None:
        """Sessions in the last 7 days over the weekly prescription (may exceed 1)."""
        return self.sessions_7d / self.prescribed_per_week if self.prescribed_per_week else None

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


def caseload(
    session: Session,
    *,
    therapist: User,
    today: date,
    tz: ZoneInfo,
    query: str = "",
    sort: str = "code",
    descending: bool = False,
    condition_labels: Mapping[str, str] | None = None,
) -> list[CaseloadRow]:
    """The therapist's patients matching every word of ``query`` (code, name, condition),
    sorted by ``sort`` (one of :data:`SORT_KEYS`); rows without a value sort last."""
    if sort not in SORT_KEYS:
        sort = "code"
    patients = list(
        session.exec(select(Patient).where(Patient.therapist_id == therapist.id).order_by(col(Patient.code)))
    )
    if query.strip():
        patients = [p for p in patients if _matches(p, query, condition_labels or {})]
    if not patients:
        return []
    ids = [pk(p) for p in patients]
    plan: dict[int, tuple[int, int]] = {}
    for pid, n, per_week in session.exec(
        select(Assignment.patient_id, func.count(), func.sum(Assignment.sessions_per_week))
        .where(
            col(Assignment.patient_id).in_(ids),
            col(Assignment.active).is_(True),
            col(Assignment.start_date) <= today,
            (col(Assignment.end_date).is_(None)) | (col(Assignment.end_date) >= today),
        )
        .group_by(col(Assignment.patient_id))
    ).all():
        plan[pid] = (int(n), int(per_week or 0))
    last = dict(
        session.exec(
            select(ExerciseSession.patient_id, func.max(ExerciseSession.started_at))
            .where(col(ExerciseSession.patient_id).in_(ids))
            .group_by(col(ExerciseSession.patient_id))
        ).all()
    )
    since = local_midnight(today - timedelta(days=TREND_DAYS - 1), tz)
    recent: dict[int, list[tuple[date, float | None]]] = {}
    for pid, started, value, uncertain in session.execute(
        select(
            ExerciseSession.patient_id,
            ExerciseSession.started_at,
            getattr(SessionMetricsRecord, MAIN_METRIC),
            SessionMetricsRecord.count_uncertain,
        )
        .outerjoin(SessionMetricsRecord, col(SessionMetricsRecord.session_id) == ExerciseSession.id)
        .where(col(ExerciseSession.patient_id).in_(ids), col(ExerciseSession.started_at) >= since)
        .order_by(col(ExerciseSession.started_at))
    ).all():
        usable = value is not None and not uncertain  # an uncertain count is no trend point
        recent.setdefault(pid, []).append((started.astimezone(tz).date(), float(value) if usable else None))
    alert_service.sync_no_session_alerts(
        session,
        last_days={pid: at.astimezone(tz).date() for pid, at in last.items()},
        today=today,
        planned=set(plan),
    )
    kinds = alert_service.open_alert_kinds(session, patient_ids=ids)
    week_start = today - timedelta(days=ADHERENCE_DAYS - 1)
    rows = []
    for p in patients:
        days = recent.get(pk(p), [])
        scored = tuple((d, v) for d, v in days if v is not None)
        n_plan, per_week = plan.get(pk(p), (0, 0))
        rows.append(
            CaseloadRow(
                patient=p,
                active_assignments=n_plan,
                prescribed_per_week=per_week,
                sessions_7d=sum(1 for d, _v in days if d >= week_start),
                last_session_at=last.get(pk(p)),
                trend=main_trend(scored),
                latest_value=scored[-1][1] if scored else None,
                alert_kinds=tuple(sorted(kinds.get(pk(p), []))),
            )
        )
    rows.sort(key=_sort_key(sort), reverse=descending)
    if descending:  # keep rows without a value at the end
        rows.sort(key=lambda r: _sort_key(sort)(r)[0])
    return rows
