"""Range of motion week by week since enrolment, per arm: for the pilot page's and report's
weekly chart. Week 1 is the first 7 days from the patient's consent (or the pilot's start),
week 2 the next 7, and so on. Each patient contributes the mean ROM of their trusted
sessions in that week (sessions of one patient are correlated: the patient is the unit);
the arm's point is the mean over the patients with sessions that week, with a t-based 95 %
CI (none with a single patient). Degrees."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np

from .counted_sessions import Row
from .intervals import Interval, mean_ci

WEEK = timedelta(days=7)


@dataclass(frozen=True)
class WeekPoint:
    """An arm's mean ROM (deg) in week ``week`` (1 = the first 7 days) with its 95 % CI;
    ``rom.n``: the patients behind it."""

    week: int
    rom: Interval


def patient_weeks(rows: Sequence[Row], start: datetime) -> dict[int, float]:
    """week (1-based) -> mean ROM (deg) of the patient's trusted sessions that week."""
    by_week: dict[int, list[float]] = {}
    for r in rows:
        rom = r.trusted_rom
        if rom is not None:
            by_week.setdefault((r.session.started_at - start) // WEEK + 1, []).append(rom)
    return {week: float(np.mean(values)) for week, values in sorted(by_week.items())}


def arm_weeks(people: Sequence[dict[int, float]]) -> list[WeekPoint]:
    """The arm's points from its patients' :func:`patient_weeks`, by week."""
    weeks = sorted({w for p in people for w in p})
    return [WeekPoint(w, mean_ci([p[w] for p in people if w in p])) for w in weeks]
