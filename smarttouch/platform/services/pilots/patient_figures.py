"""One consented patient's numbers in a pilot, from their counted sessions
(:mod:`.counted_sessions`): adherence (:mod:`.adherence`), sessions completed vs stopped for
pain, fatigue or another reason, repetitions per session, ROM change (mean of the last 3
trusted sessions minus the first 3, Welch 95 % CI), whether it reaches the ROM MCID (10
degrees, :mod:`smarttouch.scoring.mcid`), pain and effort before and after (means of the
ratings given), the game's own numbers (score, success rate, sets completed) and the mean
ROM of each week since enrolment (:mod:`.weekly_rom`). Units: degrees; pain 0-10 NRS, effort Borg CR10."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, tzinfo

import numpy as np
from sqlmodel import Session

from smarttouch.scoring.mcid import MCID_RULES
from smarttouch.scoring.progress import RECENT_N

from ...models import Pilot, PilotArm, PilotComparator, PilotEnrolment, pk
from . import adherence, weekly_rom
from .counted_sessions import Row, baseline_rows, counted_window, feelings, pilot_sessions, zone
from .intervals import Interval, finite, mean_or_none, welch_diff

MCID_ROM_DEG = float(MCID_RULES["rom_deg"].fixed or 10.0)
GAME_METRICS = ("score", "success_rate", "sets_completed")
"""the game's own numbers, from each session's ``game_result``"""
STOP_KINDS = ("completed", "pain", "fatigue")


@dataclass(frozen=True)
class PatientOutcome:
    """One consented patient's numbers (``patient_id`` is for the page to decide whether to
    name them, :func:`.pilots.may_identify`; everyone else sees ``pseudonym``)."""

    enrolment_id: int
    patient_id: int
    pseudonym: str
    """``S01``, ``S02``... in invitation order, stable for the pilot"""
    arm: str
    withdrawn: bool
    window_start: datetime
    window_end: datetime
    sessions: int
    completed: int
    stopped_pain: int
    stopped_fatigue: int
    stopped_other: int
    prescribed: float | None
    """sessions prescribed from consent to today/withdrawal/end, week by week by the plan's
    history (:mod:`.adherence`)"""
    adherence: float | None
    """sessions / prescribed (1.0 = as prescribed)"""
    reps_per_session: float | None
    rom_sessions: int
    """trusted scored sessions with a ROM"""
    rom_first: float | None
    """mean ROM (deg) of the first 3 trusted sessions (needs 6)"""
    rom_last: float | None
    rom_change: Interval
    """rom_last - rom_first (deg) with a Welch 95 % CI"""
    improved_mcid: bool | None
    """rom_change >= 10 deg (None with fewer than 6 trusted sessions)"""
    pilot_rom: float | None
    """mean ROM (deg) over all trusted sessions in the window"""
    baseline_sessions: int
    """own_baseline: trusted sessions of the movement in the weeks before consent"""
    baseline_rom: float | None
    pain_before: float | None
    pain_after: float | None
    effort_before: float | None
    effort_after: float | None
    game_metrics: dict[str, float] = field(default_factory=dict)
    rom_by_week: dict[int, float] = field(default_factory=dict)
    """week since enrolment (1 = the first 7 days) -> mean ROM (deg) of its trusted sessions"""


def _game_metrics(rows: list[Row]) -> dict[str, float]:
    out = {}
    for key in GAME_METRICS:
        vals = [
            float(v)
            for r in rows
            if isinstance(v := (r.session.game_result or {}).get(key), (int, float))
            and not isinstance(v, bool)
        ]
        if vals:
            out[key] = float(np.mean(vals))
    return out


def patient_outcome(
    session: Session,
    *,
    pilot: Pilot,
    enrolment: PilotEnrolment,
    pseudonym: str,
    now: datetime,
    tz: tzinfo | str,
) -> PatientOutcome:
    local = zone(tz)
    window = counted_window(pilot, enrolment, now, local)
    assert window is not None  # only consented enrolments come here
    start, end = window
    rows = pilot_sessions(session, pilot=pilot, enrolment=enrolment, now=now, tz=local)
    quits = [r.session.quit_reason for r in rows]
    played = [r.session.started_at for r in rows]
    prescribed = adherence.prescribed(adherence.weeks(session, enrolment, start, end, local, played))
    roms = finite([r.trusted_rom for r in rows])
    first = last = None
    change = Interval(None, None, None, len(roms))
    improved = None
    if len(roms) >= 2 * RECENT_N:
        first, last = float(np.mean(roms[:RECENT_N])), float(np.mean(roms[-RECENT_N:]))
        change = welch_diff(roms[-RECENT_N:], roms[:RECENT_N])
        improved = (last - first) >= MCID_ROM_DEG
    reps = [float(r.metrics.reps) for r in rows if r.metrics is not None and not r.metrics.count_uncertain]
    base = (
        finite([r.trusted_rom for r in baseline_rows(session, pilot=pilot, enrolment=enrolment)])
        if pilot.comparator == PilotComparator.own_baseline
        else []
    )
    feel = feelings(session, [pk(r.session) for r in rows])
    return PatientOutcome(
        enrolment_id=pk(enrolment),
        patient_id=enrolment.patient_id,
        pseudonym=pseudonym,
        arm=enrolment.arm or PilotArm.pilot,
        withdrawn=enrolment.withdrawn_at is not None,
        window_start=start,
        window_end=end,
        sessions=len(rows),
        completed=sum(q == "completed" for q in quits),
        stopped_pain=sum(q == "pain" for q in quits),
        stopped_fatigue=sum(q == "fatigue" for q in quits),
        stopped_other=sum(q not in STOP_KINDS for q in quits),
        prescribed=prescribed,
        adherence=len(rows) / prescribed if prescribed else None,
        reps_per_session=mean_or_none(reps),
        rom_sessions=len(roms),
        rom_first=first,
        rom_last=last,
        rom_change=change,
        improved_mcid=improved,
        pilot_rom=mean_or_none(roms),
        baseline_sessions=len(base),
        baseline_rom=mean_or_none(base),
        pain_before=mean_or_none(feel["pain_before"]),
        pain_after=mean_or_none(feel["pain_after"]),
        effort_before=mean_or_none(feel["effort_before"]),
        effort_after=mean_or_none(feel["effort_after"]),
        game_metrics=_game_metrics(rows),
        rom_by_week=weekly_rom.patient_weeks(rows, start),
    )
