"""An arm's numbers in a pilot, pooled over its patients (:mod:`.patient_figures`): means of
their values with t-based 95 % CIs, and the share improving beyond the MCID with a Wilson
score interval (Wilson 1927)."""

from __future__ import annotations

from dataclasses import dataclass

from .intervals import Interval, Share, mean_ci, wilson
from .patient_figures import PatientOutcome
from .weekly_rom import WeekPoint, arm_weeks

SMALL_N = 10
"""fewer patients than this in an arm: the page says plainly that the sample is small"""


@dataclass(frozen=True)
class ArmSummary:
    """Pooled over an arm's patients: means of their values with t-based 95 % CIs."""

    arm: str
    patients: int
    withdrawn: int
    sessions: int
    completed: int
    stopped_pain: int
    stopped_fatigue: int
    stopped_other: int
    adherence: Interval
    reps_per_session: Interval
    rom_change: Interval
    improved_mcid: Share
    pain_before: Interval
    pain_after: Interval
    effort_before: Interval
    effort_after: Interval
    game_metrics: dict[str, Interval]
    small_sample: bool
    weekly_rom: list[WeekPoint]
    """mean ROM (deg) of each week since enrolment with its 95 % CI (:mod:`.weekly_rom`)"""


def arm_summary(arm: str, people: list[PatientOutcome]) -> ArmSummary:
    verdicts = [p.improved_mcid for p in people if p.improved_mcid is not None]
    keys = sorted({k for p in people for k in p.game_metrics})
    return ArmSummary(
        arm=arm,
        patients=len(people),
        withdrawn=sum(p.withdrawn for p in people),
        sessions=sum(p.sessions for p in people),
        completed=sum(p.completed for p in people),
        stopped_pain=sum(p.stopped_pain for p in people),
        stopped_fatigue=sum(p.stopped_fatigue for p in people),
        stopped_other=sum(p.stopped_other for p in people),
        adherence=mean_ci([p.adherence for p in people]),
        reps_per_session=mean_ci([p.reps_per_session for p in people]),
        rom_change=mean_ci([p.rom_change.value for p in people]),
        improved_mcid=wilson(sum(verdicts), len(verdicts)),
        pain_before=mean_ci([p.pain_before for p in people]),
        pain_after=mean_ci([p.pain_after for p in people]),
        effort_before=mean_ci([p.effort_before for p in people]),
        effort_after=mean_ci([p.effort_after for p in people]),
        game_metrics={k: mean_ci([p.game_metrics.get(k) for p in people]) for k in keys},
        small_sample=len(people) < SMALL_N,
        weekly_rom=arm_weeks([p.rom_by_week for p in people]),
    )
