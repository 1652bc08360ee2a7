"""Ranking rows and daily caps."""

from __future__ import annotations

import datetime as dt

from smarttouch.challenges.leaderboard import Entry, leaderboard, submissions_left

T0 = dt.datetime(2026, 6, 1, 12, tzinfo=dt.UTC)


def entry(solution, exact, mae, minutes=0, split="public", reference=False, sub=None):
    return Entry(
        solution,
        sub or f"{solution}-{exact}-{mae}",
        T0 + dt.timedelta(minutes=minutes),
        {split: {"exact_rate": exact, "mae": mae}},
        reference,
    )


def test_best_submission_per_solution_ranked_by_primary_then_secondary(challenge):
    rows = leaderboard(
        challenge,
        [
            entry("alice", 0.6, 1.0),
            entry("alice", 0.9, 0.5, minutes=5),
            entry("bob", 0.9, 0.2, minutes=9),
            entry("carol", 0.9, 0.2, minutes=1),
            entry("peak counter", 0.3, 9.0, reference=True),
            entry("dave", 1.0, 0.0, split="hidden"),
        ],
        now=T0,
    )
    assert [(r.rank, r.entry.solution) for r in rows] == [
        (1, "carol"),
        (2, "bob"),
        (3, "alice"),
        (None, "peak counter"),
    ]
    assert rows[2].values == {"exact_rate": 0.9, "mae": 0.5}


def test_hidden_split_ranks_after_close(challenge):
    closed = dt.datetime(2031, 1, 1, tzinfo=dt.UTC)
    rows = leaderboard(
        challenge, [entry("alice", 0.9, 0.5), entry("dave", 1.0, 0.0, split="hidden")], now=closed
    )
    assert [r.entry.solution for r in rows] == ["dave"]


def test_submission_cap_rolling_day():
    times = [T0 - dt.timedelta(hours=h) for h in (30, 20, 5, 1)]
    assert submissions_left(3, times, T0) == (0, T0 - dt.timedelta(hours=20) + dt.timedelta(days=1))
    assert submissions_left(5, times, T0) == (2, None)
    assert submissions_left(3, [], T0) == (3, None)
