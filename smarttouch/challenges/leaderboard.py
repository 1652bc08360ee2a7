"""Leaderboard ranking and daily submission caps: pure logic the hub calls with its rows.

Ranking follows the challenge: each solution's best scored submission on the leaderboard split
(public while open, hidden once closed), ordered by the primary metric in its direction, then
by the other metrics in declaration order, then by the earlier submission. Reference rows
(baselines) are placed among them by the same order but take no rank.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable
from dataclasses import dataclass, field

from smarttouch.challenges.bundle import ChallengeBundle

DAY = dt.timedelta(days=1)


@dataclass(frozen=True)
class Entry:
    """One scored submission as the hub knows it.

    Attributes:
        solution: the solution's identity (one row per solution).
        submission: the submission's identity (its code sha256).
        submitted_at: when it was submitted (timezone-aware).
        scores: split -> metric name -> value.
        reference: a baseline shown for comparison, not ranked.
    """

    solution: str
    submission: str
    submitted_at: dt.datetime
    scores: dict[str, dict[str, float]] = field(default_factory=dict)
    reference: bool = False


@dataclass(frozen=True)
class Row:
    """A leaderboard line: ``rank`` is 1-based, None for reference rows."""

    rank: int | None
    entry: Entry
    values: dict[str, float]


def _key(challenge: ChallengeBundle, entry: Entry, split: str) -> tuple:
    values = entry.scores[split]
    metrics = [challenge.primary_metric] + [m for m in challenge.metrics if not m.primary]
    key = []
    for m in metrics:
        v = values.get(m.name, math.nan)
        v = math.inf if math.isnan(v) else (-v if m.higher_is_better else v)
        key.append(v)
    return (*key, entry.submitted_at)


def leaderboard(
    challenge: ChallengeBundle,
    entries: Iterable[Entry],
    *,
    split: str | None = None,
    now: dt.datetime | None = None,
) -> list[Row]:
    """The ordered leaderboard rows of ``challenge`` (see module docstring)."""
    split = split or challenge.leaderboard_split(now)
    best: dict[tuple[bool, str], Entry] = {}
    for entry in entries:
        if split not in entry.scores:
            continue
        slot = (entry.reference, entry.solution)
        if slot not in best or _key(challenge, entry, split) < _key(challenge, best[slot], split):
            best[slot] = entry
    ordered = sorted(best.values(), key=lambda e: _key(challenge, e, split))
    rows, rank = [], 0
    for entry in ordered:
        if not entry.reference:
            rank += 1
        rows.append(Row(None if entry.reference else rank, entry, dict(entry.scores[split])))
    return rows


def submissions_left(
    cap: int, previous: Iterable[dt.datetime], now: dt.datetime
) -> tuple[int, dt.datetime | None]:
    """(submissions still allowed, when the next one frees up) under ``cap`` per rolling 24 h.

    ``previous`` are the developer's earlier submission times for this challenge."""
    recent = sorted(t for t in previous if now - DAY < t <= now)
    left = max(0, cap - len(recent))
    return left, (None if left else recent[len(recent) - cap] + DAY)
