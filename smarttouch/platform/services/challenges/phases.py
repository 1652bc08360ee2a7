"""A challenge's phases: development (ranked on the public split) from ``opens_at``, final
(ranked on the hidden split, its own daily cap) from ``final_opens_at``, closed from
``closes_at``, and for challenges that hold their results, announced once a manager says so."""

from __future__ import annotations

import datetime as dt

from ...models import Challenge

PHASES = ("draft", "upcoming", "development", "final", "closed", "announced")


def phase(challenge: Challenge, now: dt.datetime) -> str:
    """One of :data:`PHASES` at ``now`` (aware UTC)."""
    if not challenge.is_published:
        return "draft"
    if challenge.opens_at is not None and now < challenge.opens_at:
        return "upcoming"
    if challenge.is_closed(now):
        return "announced" if challenge.results_announced_at is not None else "closed"
    if challenge.final_opens_at is not None and now >= challenge.final_opens_at:
        return "final"
    return "development"


def daily_cap(challenge: Challenge, now: dt.datetime) -> int:
    """Submissions a developer may make per 24 hours at ``now``: the final phase's own cap
    while it runs, else the challenge's."""
    final = challenge.final_opens_at is not None and now >= challenge.final_opens_at
    if final and challenge.final_daily_submissions is not None:
        return challenge.final_daily_submissions
    return challenge.max_daily_submissions


__all__ = ["PHASES", "daily_cap", "phase"]
