"""A patient's progress report for a chosen period: the data, and its CSV export.

The numbers are :func:`smarttouch.scoring.progress.progress_report` over the sessions of the
period (trends per week with 95 % CI, weekly adherence, streaks, MCID flags), plus the plan
and the alerts raised in the period. The plan is the one of the period: each week's
prescription, each target and each session's exercise terms come from the version in force
on that day (:mod:`.plan_versions`), so a report for a past period reads the same after any
later edit. The PDF layout lives with the web pages
(:mod:`smarttouch.platform.reports.pdf`); the CSV has one row per session with stable English
column names (units in the names) so spreadsheets and scripts can rely on them.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select

from smarttouch.scoring import progress as scoring

from ...i18n import units
from ...models import Alert, AssignmentVersion, Patient, pk
from ..errors import Invalid
from . import plan_versions
from .caseload import local_midnight
from .dashboard import SessionPoint, load_points
from .plan_versions import PlanHistory, Span

MAX_DAYS = 3 * 366
CSV_COLUMNS = (
    "session_id",
    "date",
    "start_time",
    "activity",
    "movement",
    "side",
    "sensor_site",
    "status",
    "quit_reason",
    "reps",
    "reps_per_set",
    "count_uncertain",
    "uncertain_reason",
    "rom_deg",
    "rom_deg_mean",
    "peak_speed_dps",
    "sparc",
    "ldlj",
    "tremor_amplitude_deg",
    "tremor_power_ratio",
    "duration_s",
    "game_score",
    "plan_version",
    "target_rom_deg",
    "activity_key",
)


@dataclass
class PeriodReport:
    patient: Patient
    start: date
    end: date
    tz: ZoneInfo
    points: list[SessionPoint]
    summary: dict[str, Any]  # scoring's progress_report
    weeks: list[dict[str, Any]]  # week_start, done, prescribed
    history: PlanHistory
    plan: list[Span]  # every version in force during the period, with its days
    alerts: list[Alert]
    longest_weeks: int = 0  # longest run of weeks in the period that met their prescription

    @property
    def done(self) -> int:
        return sum(w["done"] for w in self.weeks)

    @property
    def prescribed(self) -> int:
        return sum(w["prescribed"] for w in self.weeks)


def check_period(start: date, end: date) -> None:
    if end < start:
        raise Invalid(f"the period ends ({end}) before it starts ({start})")
    if (end - start).days > MAX_DAYS:
        raise Invalid(f"the period is longer than {MAX_DAYS} days; choose a shorter one")


def period_report(
    session: Session, *, patient: Patient, start: date, end: date, tz: ZoneInfo
) -> PeriodReport:
    """The report of ``patient`` from ``start`` to ``end`` (local days, inclusive)."""
    check_period(start, end)
    history = plan_versions.load_history(session, patient=patient)
    points = [p for p in load_points(session, patient_id=pk(patient), tz=tz, since=start) if p.day <= end]
    records = [p.record() for p in points]
    per_week = sum(v.sessions_per_week for v, _ in history.current_on(end))
    summary = scoring.progress_report(records, per_week, end, start=start)
    alerts = list(
        session.exec(
            select(Alert)
            .where(
                Alert.patient_id == patient.id,
                col(Alert.created_at) >= local_midnight(start, tz),
                col(Alert.created_at) < local_midnight(end + timedelta(days=1), tz),
            )
            .order_by(col(Alert.created_at))
        )
    )
    return PeriodReport(
        patient,
        start,
        end,
        tz,
        points,
        summary,
        history.adherence_weeks(records, start, end),
        history,
        history.spans(start, end),
        alerts,
        scoring.week_streak(records, history.prescribed_in_week, end, first=start)[1],
    )


def session_terms(report: PeriodReport, point: SessionPoint) -> AssignmentVersion | None:
    """The terms of the session's exercise on the session's day (None: not from the plan)."""
    if point.assignment_id is None or point.assignment_id not in report.history.versions:
        return None
    return report.history.version_on(point.assignment_id, point.day)


def report_csv(
    report: PeriodReport, *, locale: str = "en", activity_names: Mapping[int, str] | None = None
) -> str:
    """One row per session of the period (CSV, UTF-8). ``activity`` is the activity's name in
    the reader's language (``activity_names``, by activity id; ``activity_key`` keeps the
    stable key for scripts). Dates and numbers follow the hub's one locale formatter
    (:mod:`smarttouch.platform.i18n.units`) where a spreadsheet reads them as such: in
    Italian ``03/12/2026`` and ``55,6`` with ``;`` between fields (as spreadsheets set to
    Italian expect); in English ISO days (``2026-12-03``) and ``55.6`` with ``,``. Column names
    are stable English with the unit in the name. ``reps_per_set`` is the hub's count of each
    play set joined by ``;`` (empty without phases); ``count_uncertain`` is 1 when the count is
    left out of trends and verdicts, with ``uncertain_reason``."""
    activities = {act.id: act for _, act in report.history.plan}
    names = activity_names or {}
    lang = locale.split("_")[0]
    comma = lang == "it"
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n", delimiter=";" if comma else ",")
    writer.writerow(CSV_COLUMNS)

    def num(value: float | None, digits: int = 2) -> str:
        if value is None:
            return ""
        return (
            units.number(value, digits, locale=lang).replace("\u202f", "").replace("." if comma else ",", "")
        )

    for p in report.points:
        local = p.started_at.astimezone(report.tz)
        act = activities.get(p.activity_id)
        terms = session_terms(report, p)
        m = p.metrics
        writer.writerow(
            [
                p.id,
                units.day(p.day, locale=lang) if comma else p.day.isoformat(),
                local.strftime("%H:%M"),
                (names.get(act.id, act.title) if act.id is not None else act.title) if act else "",
                terms.movement if terms else "",
                p.side or "",
                p.placement or "",
                p.status,
                p.quit_reason or "",
                num(m.get("reps"), 0),
                ";".join(str(n) for n in p.reps_per_set),
                "1" if p.count_uncertain else "0",
                p.uncertain_reason or "",
                num(m.get("rom_deg")),
                num(m.get("rom_deg_mean")),
                num(m.get("peak_speed_dps")),
                num(m.get("sparc"), 3),
                num(m.get("ldlj"), 3),
                num(m.get("tremor_amplitude_deg"), 3),
                num(p.tremor_power_ratio, 3),
                num(p.duration_s),
                num(p.game_score, 0),
                terms.version if terms else "",
                num(terms.target_rom_deg, 0) if terms else "",
                act.key if act else "",
            ]
        )
    return out.getvalue()
