"""Which sessions a pilot counts: those of each consented patient from the consent (or the
pilot's start, if later) to the withdrawal, the pilot's end or now, of the pilot's movement
and the patient's arm's game (the solution, or the built-in comparator game). A patient who
withdrew keeps the sessions before the withdrawal; nothing after it is used. ROM numbers use
only scored sessions whose repetition count is trusted (as everywhere on the hub,
:mod:`smarttouch.scoring.progress`). For ``own_baseline`` pilots, the baseline is the
patient's sessions of the movement in the weeks before consent."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select

from ...models import ExerciseSession, Pilot, PilotEnrolment, SessionFeeling, SessionMetricsRecord
from . import enrolment as pilot_enrolment
from . import pilots

FEELINGS = ("pain_before", "pain_after", "effort_before", "effort_after")


def zone(tz: tzinfo | str) -> tzinfo:
    return ZoneInfo(tz) if isinstance(tz, str) else tz


@dataclass(frozen=True)
class Row:
    """A stored session with its metrics (None: not scored)."""

    session: ExerciseSession
    metrics: SessionMetricsRecord | None

    @property
    def trusted_rom(self) -> float | None:
        m = self.metrics
        if m is None or m.count_uncertain or not math.isfinite(m.rom_deg):
            return None
        return float(m.rom_deg)


def _sessions(session: Session, patient_id: int, start: datetime, end: datetime) -> list[Row]:
    rows = session.exec(
        select(ExerciseSession, SessionMetricsRecord)
        .outerjoin(SessionMetricsRecord, col(SessionMetricsRecord.session_id) == ExerciseSession.id)
        .where(
            ExerciseSession.patient_id == patient_id,
            col(ExerciseSession.started_at) >= start,
            col(ExerciseSession.started_at) < end,
        )
        .order_by(col(ExerciseSession.started_at), col(ExerciseSession.id))
    ).all()
    return [Row(s, m) for s, m in rows]


def counted_window(
    pilot: Pilot, enrolment: PilotEnrolment, now: datetime, tz: tzinfo | str
) -> tuple[datetime, datetime] | None:
    """The enrolment's counted period so far (start, end), None before consent."""
    window = pilots.data_window(enrolment, pilot, zone(tz))
    if window is None:
        return None
    return window[0], min(window[1], now)


def pilot_sessions(
    session: Session, *, pilot: Pilot, enrolment: PilotEnrolment, now: datetime, tz: tzinfo | str
) -> list[Row]:
    """The enrolment's counted sessions (see the module docstring), oldest first."""
    window = counted_window(pilot, enrolment, now, tz)
    if window is None or enrolment.arm is None:
        return []
    activity_id = pilot_enrolment.arm_activity_id(pilot, enrolment.arm)
    return [
        r
        for r in _sessions(session, enrolment.patient_id, *window)
        if r.session.activity_id == activity_id and r.session.movement in (pilot.movement, None)
    ]


def baseline_rows(session: Session, *, pilot: Pilot, enrolment: PilotEnrolment) -> list[Row]:
    """own_baseline: the patient's sessions of the movement in the weeks before consent."""
    if enrolment.consented_at is None:
        return []
    start = enrolment.consented_at - timedelta(weeks=pilots.BASELINE_WEEKS)
    rows = _sessions(session, enrolment.patient_id, start, enrolment.consented_at)
    return [r for r in rows if r.session.movement == pilot.movement]


def feelings(session: Session, session_ids: list[int]) -> dict[str, list[float]]:
    """The pain (0-10 NRS) and effort (Borg CR10) ratings given before and after the sessions."""
    out: dict[str, list[float]] = {k: [] for k in FEELINGS}
    if not session_ids:
        return out
    for f in session.exec(select(SessionFeeling).where(col(SessionFeeling.session_id).in_(session_ids))):
        if f.value is None or f.skipped:
            continue
        kind = "pain" if f.scale == "pain_nrs" else "effort"
        out[f"{kind}_{f.moment}"].append(float(f.value))
    return out
