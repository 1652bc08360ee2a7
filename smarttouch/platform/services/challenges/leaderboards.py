"""Leaderboards of the hub: each solution's best scored submission, Kaggle style.

While a challenge is open, rows are ranked on the public split; once it closes, on the hidden
split. Ranking itself is the challenges room's pure logic
(:func:`smarttouch.challenges.leaderboard.leaderboard`); here the database rows are turned
into its entries. Reference rows (baselines) are shown among the ranked rows without a rank.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlmodel import Session, col, select

from smarttouch.challenges.bundle import ChallengeBundle, Limits, Metric
from smarttouch.challenges.leaderboard import Entry, leaderboard

from ...models import Challenge, Score, Solution, Submission, SubmissionStatus, User, pk
from ..errors import NotFound


def core_challenge(row: Challenge) -> ChallengeBundle:
    """A challenges-room ``ChallengeBundle`` carrying what ranking needs (metrics, dates), built
    from the row alone (no bundle files are read)."""
    metrics = tuple(
        Metric(
            name=m["name"],
            function=m.get("function", m["name"]),
            field=m.get("field", ""),
            higher_is_better=m.get("better") == "higher",
            primary=bool(m.get("primary")),
            label=m.get("label", m["name"]),
            params=dict(m.get("params") or {}),
        )
        for m in row.metrics
    )
    if not any(m.primary for m in metrics) and metrics:
        first = metrics[0]
        metrics = (
            Metric(
                first.name,
                first.function,
                first.field,
                first.higher_is_better,
                True,
                first.label,
                first.params,
            ),
            *metrics[1:],
        )
    return ChallengeBundle(
        root=Path("."),
        slug=row.slug,
        title=row.title,
        kind=row.kind,
        summary=row.summary,
        need_md=row.description_md,
        population=row.population,
        movement=row.movement or "",
        placement=row.placement or "",
        input_description="",
        outputs=(),
        metrics=metrics,
        limits=Limits(),
        submissions_per_day=row.max_daily_submissions,
        opens=row.opens_at,
        closes=row.closes_at,
        splits={},
    )


@dataclass(frozen=True)
class LeaderboardRow:
    """One line: ``rank`` is None for reference rows; ``values`` metric name -> value."""

    rank: int | None
    solution_id: int
    solution: str
    developer: str | None
    reference: bool
    submission_id: int
    code_sha256: str
    submitted_at: dt.datetime
    values: dict[str, float]

    def to_dict(self) -> dict[str, Any]:
        return {
            "rank": self.rank,
            "solution": self.solution,
            "developer": self.developer,
            "reference": self.reference,
            "submission_id": self.submission_id,
            "code_sha256": self.code_sha256,
            "submitted_at": self.submitted_at.isoformat(),
            "scores": self.values,
        }


@dataclass(frozen=True)
class Leaderboard:
    challenge: Challenge
    split: str
    metrics: list[dict[str, Any]]
    rows: list[LeaderboardRow]

    def to_dict(self) -> dict[str, Any]:
        return {
            "challenge": self.challenge.slug,
            "title": self.challenge.title,
            "split": self.split,
            "closed": self.split == "hidden",
            "primary_metric": self.challenge.primary_metric,
            "metrics": [
                {"name": m["name"], "label": m.get("label", m["name"]), "better": m.get("better")}
                for m in self.metrics
            ],
            "rows": [r.to_dict() for r in self.rows],
        }


def get_published_challenge(session: Session, *, slug: str) -> Challenge:
    row = session.exec(select(Challenge).where(Challenge.slug == slug)).first()
    if row is None or not row.is_published:
        raise NotFound(f"no challenge {slug!r}")
    return row


def scores_by_submission(session: Session, ids: list[int]) -> dict[int, dict[str, dict[str, float]]]:
    """submission id -> split -> metric -> value."""
    out: dict[int, dict[str, dict[str, float]]] = {i: {} for i in ids}
    if not ids:
        return out
    for s in session.exec(select(Score).where(col(Score.submission_id).in_(ids))):
        out[s.submission_id].setdefault(s.split, {})[s.metric] = s.value
    return out


def build_leaderboard(
    session: Session, *, challenge: Challenge, now: dt.datetime, split: str | None = None
) -> Leaderboard:
    """The leaderboard at ``now`` (aware UTC); ``split`` overrides the Kaggle rule (reviewers)."""
    core = core_challenge(challenge)
    chosen = split or core.leaderboard_split(now)
    rows = session.exec(
        select(Submission, Solution)
        .join(Solution, col(Solution.id) == col(Submission.solution_id))
        .where(Solution.challenge_id == challenge.id, Submission.status == SubmissionStatus.scored)
    ).all()
    scores = scores_by_submission(session, [pk(sub) for sub, _ in rows])
    by_key = {str(sub.id): (sub, sol) for sub, sol in rows}
    entries = [
        Entry(
            solution=str(sol.id),
            submission=str(sub.id),
            submitted_at=sub.created_at,
            scores=scores[pk(sub)],
            reference=sol.is_reference,
        )
        for sub, sol in rows
    ]
    developers = _developer_names(session, {sol.developer_id for _, sol in rows})
    out = []
    for r in leaderboard(core, entries, split=chosen):
        sub, sol = by_key[r.entry.submission]
        out.append(
            LeaderboardRow(
                r.rank,
                pk(sol),
                sol.name,
                developers.get(sol.developer_id),
                sol.is_reference,
                pk(sub),
                sub.code_sha256,
                sub.created_at,
                r.values,
            )
        )
    return Leaderboard(challenge, chosen, list(challenge.metrics), out)


def _developer_names(session: Session, ids: set[int | None]) -> dict[int | None, str]:
    real = [i for i in ids if i is not None]
    if not real:
        return {}
    return {u.id: u.full_name for u in session.exec(select(User).where(col(User.id).in_(real)))}
