"""Badges a patient earns, each a small rule over their progress (a registry by key).

They reward the behaviours rehabilitation needs: starting, regularity (streaks, full weeks),
sticking with it (session counts) and measurable gains (range of motion and smoothness
beyond the MCID, as computed by :mod:`smarttouch.scoring.progress`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

from ..services.clinic.dashboard import PatientOverview


@dataclass(frozen=True)
class Badge:
    key: str
    title: object  # lazy translated string
    how: object  # how to earn it, shown while not earned
    symbol: str
    earned: Callable[[PatientOverview], bool]


def _sessions(n: int) -> Callable[[PatientOverview], bool]:
    return lambda ov: len(ov.all_points) >= n


def _weeks_in_a_row(n: int) -> Callable[[PatientOverview], bool]:
    """``n`` weeks in a row with every prescribed session done (the plan's sessions per week,
    not consecutive days: a plan of 3 a week is followed by resting the other days)."""
    return lambda ov: ov.longest_streak_weeks >= n


def _full_week(ov: PatientOverview) -> bool:
    return any(w["prescribed"] and w["done"] >= w["prescribed"] for w in ov.weeks)


def _improved(metric: str) -> Callable[[PatientOverview], bool]:
    return lambda ov: bool(ov.report["mcid"].get(metric, {}).get("improved"))


BADGES: dict[str, Badge] = {
    b.key: b
    for b in (
        Badge("first_session", _l("First session"), _l("Play your first session."), "★", _sessions(1)),
        Badge("ten_sessions", _l("10 sessions"), _l("Complete 10 sessions."), "10", _sessions(10)),
        Badge("fifty_sessions", _l("50 sessions"), _l("Complete 50 sessions."), "50", _sessions(50)),
        Badge(
            "weeks_2",
            _l("2 complete weeks in a row"),
            _l("Do all your planned sessions 2 weeks in a row."),
            "2",
            _weeks_in_a_row(2),
        ),
        Badge(
            "weeks_4",
            _l("A month on plan"),
            _l("Do all your planned sessions 4 weeks in a row."),
            "4",
            _weeks_in_a_row(4),
        ),
        Badge(
            "full_week", _l("Plan completed"), _l("Do all the sessions planned in a week."), "✓", _full_week
        ),
        Badge(
            "wider_movement",
            _l("Wider movement"),
            _l("Move clearly further than in your first sessions."),
            "↗",
            _improved("rom_deg"),
        ),
        Badge(
            "smoother_movement",
            _l("Smoother movement"),
            _l("Move clearly more smoothly than in your first sessions."),
            "~",
            _improved("sparc"),
        ),
    )
}


def badges_for(ov: PatientOverview) -> list[tuple[Badge, bool]]:
    """Every badge with whether it is earned, earned ones first."""
    rows = [(b, b.earned(ov)) for b in BADGES.values()]
    return sorted(rows, key=lambda r: not r[1])
