"""A patient's progress, computed in ONE place from the stored sessions.

The scoring room's progress functions (:mod:`smarttouch.scoring.progress`) work on plain
per-session records; this module turns database rows into those records
(:func:`session_record`, :func:`session_facts`) and the scoring room's analysis into rows
(:func:`metrics_row`). The device API's summary screen calls :func:`progress_summary`; the
alerts themselves are stored by :mod:`.alerts`.

Units as in :class:`~smarttouch.platform.models.SessionMetricsRecord`: degrees, deg/s, seconds;
SPARC/LDLJ dimensionless. A session's *day* is its start date in the hub's time zone.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date, datetime, tzinfo
from functools import cached_property, lru_cache
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.orm import aliased, defer
from sqlmodel import Session, col, select

from smarttouch.scoring import progress as scoring_progress
from smarttouch.scoring.mcid import MCID_RULES
from smarttouch.scoring.progress import RECENT_N, SessionRecord

from ...models import Activity, ExerciseSession, Patient, SessionMetricsRecord, orm_attr, pk
from .patients import current_plan

#: SessionMetricsRecord columns that feed trends, MCID flags and decline alerts.
TREND_METRICS = ("reps", "rom_deg", "rom_deg_mean", "peak_speed_dps", "sparc", "ldlj", "tremor_amplitude_deg")
#: the baseline sessions a metric's MCID is set from (scoring's ``_mcid_series``)
BASELINE_N = RECENT_N
#: analysis keys stored in their own SessionMetricsRecord column (the rest go to ``extra``).
_COLUMN_KEYS = {
    "reps",
    "rom_deg",
    "rom_deg_mean",
    "peak_speed_dps",
    "sparc",
    "ldlj",
    "tremor_power_ratio",
    "tremor_freq_hz",
    "tremor_amplitude_deg",
    "duration_s",
    "active_time_s",
    "quality",
    "rep_table",
    "sets",
    "count_uncertain",
    "uncertain_reason",
}


def _zone(tz: tzinfo | str) -> tzinfo:
    return ZoneInfo(tz) if isinstance(tz, str) else tz


def local_day(moment: datetime, tz: tzinfo | str) -> date:
    """The calendar day of ``moment`` (aware) in time zone ``tz``."""
    return moment.astimezone(_zone(tz)).date()


def _finite(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value) if math.isfinite(value) else None


# ------------------------------------------------------------------ rows <-> records
def metrics_row(
    session_id: int, analysis: dict[str, Any], analyzer: str = "smarttouch.scoring"
) -> SessionMetricsRecord:
    """A SessionMetricsRecord row from ``smarttouch.scoring.analyze(...).to_dict()``."""
    return SessionMetricsRecord(**metrics_values(session_id, analysis, analyzer))


def metrics_values(
    session_id: int, analysis: dict[str, Any], analyzer: str = "smarttouch.scoring"
) -> dict[str, Any]:
    """The column values of :func:`metrics_row` (all but ``id``, ``algorithm_version`` and
    ``computed_at``), for writers that do not build the ORM object (the scoring job)."""

    def num(key: str) -> float:
        """A metric stored in a non-null column: 0.0 when missing or not finite."""
        value = _finite(analysis.get(key))
        return 0.0 if value is None else value

    def optional(key: str) -> float | None:
        """A metric stored in a nullable column: None when missing or not finite."""
        return _finite(analysis.get(key))

    return dict(
        session_id=session_id,
        reps=int(analysis.get("reps") or 0),
        rom_deg=num("rom_deg"),
        rom_deg_mean=num("rom_deg_mean"),
        peak_speed_dps=num("peak_speed_dps"),
        sparc=optional("sparc"),
        ldlj=optional("ldlj"),
        tremor_power_ratio=optional("tremor_power_ratio"),
        tremor_freq_hz=optional("tremor_freq_hz"),
        tremor_amplitude_deg=optional("tremor_amplitude_deg"),
        duration_s=num("duration_s"),
        active_time_s=num("active_time_s"),
        quality_flags=dict(analysis.get("quality") or {}),
        per_rep=list(analysis.get("rep_table") or []),
        sets=list(analysis.get("sets") or []),
        count_uncertain=bool(analysis.get("count_uncertain")),
        uncertain_reason=analysis.get("uncertain_reason") or None,
        extra={k: v for k, v in analysis.items() if k not in _COLUMN_KEYS},
        analyzer=analyzer,
    )


def record_metrics(metrics: SessionMetricsRecord | None) -> dict[str, float]:
    """The trend metrics of a row as scoring's record expects them (finite values only)."""
    if metrics is None:
        return {}
    out = {}
    for key in TREND_METRICS:
        value = _finite(getattr(metrics, key, None))
        if value is not None:
            out[key] = value
    return out


def record_of(day: date, row: ExerciseSession, metrics: SessionMetricsRecord | None) -> SessionRecord:
    """Scoring's plain record of one stored session on local ``day``: the one place where rows
    become records. An uncertain repetition count travels with it, so scoring leaves the
    session out of trends, MCID verdicts and decline alerts (adherence still counts it)."""
    return SessionRecord(
        day=day,
        metrics=record_metrics(metrics),
        quit_reason=row.quit_reason,
        count_uncertain=bool(metrics.count_uncertain) if metrics is not None else False,
        uncertain_reason=metrics.uncertain_reason if metrics is not None else None,
    )


def session_record(
    row: ExerciseSession, metrics: SessionMetricsRecord | None, tz: tzinfo | str
) -> SessionRecord:
    """Scoring's plain record of one stored session."""
    return record_of(local_day(row.started_at, tz), row, metrics)


# ------------------------------------------------------------------ reading sessions
@dataclass(frozen=True)
class SessionEntry:
    """One stored session with its metrics (None until scored) and activity key."""

    session: ExerciseSession
    metrics: SessionMetricsRecord | None
    activity_key: str | None
    day: date

    @cached_property
    def record(self) -> SessionRecord:
        """Scoring's plain record of this session (built once: a page reads it for the
        alerts, the period and the streaks)."""
        return record_of(self.day, self.session, self.metrics)


def patient_sessions(
    session: Session, *, patient_id: int, tz: tzinfo | str, limit: int | None = None
) -> list[SessionEntry]:
    """The patient's sessions, oldest first (the newest ``limit`` when given).

    The bulky columns no reader of these entries uses (game events, phases, calibration,
    the device's own numbers, per-repetition rows, quality flags, extra analysis keys) are
    not loaded: a year of daily sessions is 365 rows, and each JSON column costs a parse a
    row (a reader that still asks for one gets it loaded then).
    """
    stmt = (
        select(ExerciseSession, SessionMetricsRecord, Activity.key)
        .outerjoin(SessionMetricsRecord, col(SessionMetricsRecord.session_id) == ExerciseSession.id)
        .outerjoin(Activity, col(Activity.id) == ExerciseSession.activity_id)
        .where(ExerciseSession.patient_id == patient_id)
        .options(
            defer(orm_attr(ExerciseSession.game_events)),
            defer(orm_attr(ExerciseSession.phases)),
            defer(orm_attr(ExerciseSession.calibration)),
            defer(orm_attr(ExerciseSession.client_metrics)),
            defer(orm_attr(SessionMetricsRecord.per_rep)),
            defer(orm_attr(SessionMetricsRecord.quality_flags)),
            defer(orm_attr(SessionMetricsRecord.extra)),
        )
        .order_by(col(ExerciseSession.started_at).desc(), col(ExerciseSession.id).desc())
    )
    if limit is not None:
        stmt = stmt.limit(limit)
    rows = session.exec(stmt).all()
    return [SessionEntry(s, m, key, local_day(s.started_at, tz)) for s, m, key in reversed(rows)]


# ------------------------------------------------------------------ the summary
@dataclass(frozen=True)
class ProgressSummary:
    """Everything known about a patient's progress on ``today``.

    sessions: every stored session, oldest first. records: the same as scoring records.
    sessions_per_week: prescribed sessions per week (sum over today's assignments).
    report: :func:`smarttouch.scoring.progress.progress_report` (trends, adherence per week,
    streaks, MCID flags, alerts, quit reasons). alerts: the scoring alerts as of ``today``.
    """

    patient_id: int
    today: date
    sessions: list[SessionEntry]
    records: list[SessionRecord]
    sessions_per_week: int
    report: dict[str, Any]
    alerts: list[scoring_progress.Alert] = field(default_factory=list)

    @property
    def sessions_today(self) -> int:
        return sum(1 for e in self.sessions if e.day == self.today)

    @property
    def this_week(self) -> dict[str, Any]:
        """This week's adherence: ``{"week_start", "done", "prescribed"}``."""
        weeks = self.report.get("adherence") or []
        if weeks:
            return weeks[-1]
        return {"week_start": self.today.isoformat(), "done": 0, "prescribed": self.sessions_per_week}


def prescribed_per_week(session: Session, *, patient: Patient, today: date) -> int:
    return sum(a.sessions_per_week for a, _ in current_plan(session, patient=patient, today=today))


def progress_summary(session: Session, *, patient: Patient, today: date, tz: tzinfo | str) -> ProgressSummary:
    """The patient's progress computed from all their stored sessions."""
    entries = patient_sessions(session, patient_id=pk(patient), tz=tz)
    records = [e.record for e in entries]
    per_week = prescribed_per_week(session, patient=patient, today=today)
    report = scoring_progress.progress_report(records, per_week, today)
    return ProgressSummary(
        patient_id=pk(patient),
        today=today,
        sessions=entries,
        records=records,
        sessions_per_week=per_week,
        report=report,
        alerts=scoring_progress.alerts(records, today),
    )


def session_facts(entries: list[SessionEntry]) -> list[Any]:
    """The sessions as :class:`.alerts.SessionFact` (id + scoring record), oldest first."""
    from .alerts import SessionFact

    return [SessionFact(session_id=pk(e.session), record=e.record) for e in entries]


def _fact_columns(e: Any = ExerciseSession, m: Any = SessionMetricsRecord) -> list[Any]:
    """The columns a :class:`.alerts.SessionFact` is built from (:func:`_facts_of`), of
    ``e`` and ``m`` (the session and metrics tables, or aliases of them)."""
    return [
        col(e.id).label("id"),
        col(e.started_at).label("started_at"),
        col(e.quit_reason).label("quit_reason"),
        col(m.id).label("metrics_id"),
        col(m.count_uncertain).label("count_uncertain"),
        col(m.uncertain_reason).label("uncertain_reason"),
        *[orm_attr(getattr(m, key)).label(key) for key in TREND_METRICS],
    ]


def _facts_of(rows: Any, tz: tzinfo | str) -> list[Any]:
    """:class:`.alerts.SessionFact`\\ s of rows of :func:`_fact_columns`, in the rows' order."""
    from .alerts import SessionFact

    zone = _zone(tz)
    facts = []
    for sid, started_at, quit_reason, metrics_id, uncertain, reason, *values in rows:
        scored = metrics_id is not None
        metrics = {}
        if scored:
            for key, value in zip(TREND_METRICS, values, strict=True):
                number = _finite(value)
                if number is not None:
                    metrics[key] = number
        record = SessionRecord(
            day=started_at.astimezone(zone).date(),
            metrics=metrics,
            quit_reason=quit_reason,
            count_uncertain=bool(uncertain) if scored else False,
            uncertain_reason=reason if scored else None,
        )
        facts.append(SessionFact(session_id=int(sid), record=record))
    return facts


def patient_facts(session: Session, *, patient_id: int, tz: tzinfo | str) -> list[Any]:
    """``session_facts(patient_sessions(...))`` read as plain columns, oldest first: the same
    records without building two ORM objects (and parsing their JSON columns) per stored
    session. Every session of the patient: the alerts need only :func:`alert_facts`."""
    m = SessionMetricsRecord
    stmt = (
        sa.select(*_fact_columns())
        .outerjoin(m, col(m.session_id) == ExerciseSession.id)
        .where(col(ExerciseSession.patient_id) == patient_id)
        .order_by(col(ExerciseSession.started_at).desc(), col(ExerciseSession.id).desc())
    )
    return _facts_of(reversed(session.execute(stmt).all()), tz)


@lru_cache(maxsize=1)
def _alert_window() -> Any:
    """The statement of :func:`alert_facts` (built once: building it costs more than running
    it), with the bound parameter ``patient_id``. Short, with constants written in and few
    parameters, so that the driver keeps it parsed too (psycopg: up to 4096 characters and 50
    parameters)."""
    from .feelings import newest_pain_session

    e = aliased(ExerciseSession, name="e")
    m = aliased(SessionMetricsRecord, name="m")
    one: Any = sa.literal_column("1")
    zero: Any = sa.literal_column("0")

    def usable(metric: str) -> Any:
        """The session's ``metric`` may enter a decline: scored, count not uncertain (NULL
        when not scored), the value present and finite (``v - v = 0`` is false for NULL,
        NaN and +-inf on PostgreSQL and SQLite): what :func:`_facts_of` keeps and
        scoring's ``_trusted`` lets in."""
        value = orm_attr(getattr(m, metric))
        return sa.case((sa.and_(col(m.count_uncertain).is_(False), value - value == zero), one), else_=zero)

    flags = [usable(metric).label(f"u{i}") for i, metric in enumerate(MCID_RULES)]
    scored = (
        sa.select(*_fact_columns(e, m), *flags)
        .outerjoin(m, col(m.session_id) == e.id)
        .where(col(e.patient_id) == sa.bindparam("patient_id", type_=sa.Integer()))
        .subquery("h")
    )
    h = scored.c
    # (started_at, id) is unique: the default frame (up to the current row's peers) is the
    # rows up to the current one
    counted = [sa.func.row_number().over(order_by=(h.started_at.desc(), h.id.desc())).label("n")]
    for i in range(len(MCID_RULES)):
        counted += [
            sa.func.sum(h[f"u{i}"]).over(order_by=(h.started_at, h.id)).label(f"f{i}"),
            sa.func.sum(h[f"u{i}"]).over(order_by=(h.started_at.desc(), h.id.desc())).label(f"b{i}"),
        ]
    ranked = sa.select(*scored.c, *counted).subquery("w")
    c = ranked.c
    first: Any = sa.literal_column(str(BASELINE_N))
    last: Any = sa.literal_column(str(2 * RECENT_N))
    keep = [
        sa.and_(c[f"u{i}"] == one, sa.or_(c[f"f{i}"] <= first, c[f"b{i}"] <= last))
        for i in range(len(MCID_RULES))
    ]
    pain = newest_pain_session(sa.bindparam("patient_id", type_=sa.Integer()))
    return (
        sa.select(*[c[column.name] for column in _fact_columns()])
        .where(sa.or_(c.n == one, c.id == pain, *keep))
        .order_by(c.started_at, c.id)
    )


def alert_facts(session: Session, *, patient_id: int, tz: tzinfo | str) -> list[Any]:
    """The facts every alert source reads (:mod:`.alerts`), oldest first, in one statement
    whose size does not grow with the patient's history: the newest session (no session,
    pain stop), per decline metric the first :data:`BASELINE_N` and the last ``2 *
    RECENT_N`` sessions whose value may enter a decline (the MCID's baseline, the two means
    compared), and the newest session with a pain rating (the pain rise's day). Any superset
    of these, in order, gives the sources the same findings as :func:`patient_facts` (a
    decline reads the first 3 and the last 6 of a metric's usable values, and whether there
    are at least 6): tests/platform/test_alert_facts.py checks it on random histories."""
    rows = session.execute(_alert_window(), {"patient_id": patient_id}).all()
    return _facts_of(rows, tz)
