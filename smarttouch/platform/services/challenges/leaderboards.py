"""Leaderboards of the hub: each solution's best scored submission, Kaggle style.

While a challenge is open, rows are ranked on the public split; once it closes, on the hidden
split (a challenge that holds its results: once a manager announces them). Ranking itself is the challenges room's pure logic
(:func:`smarttouch.challenges.leaderboard.leaderboard`); here the database rows are turned
into its entries. Reference rows (baselines) are shown among the ranked rows without a rank.
A team's members are one competitor: the team's best submission is shown once, under the
team's name (:mod:`.teams`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from smarttouch.challenges.bundle import ChallengeBundle, Limits, Metric
from smarttouch.challenges.leaderboard import Entry, leaderboard

from ...models import Challenge, Score, Solution, Submission, SubmissionStatus, Team, TeamMember, User
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
    team: str | None = None
    """the team's name when the developer competes in a team"""

    def to_dict(self) -> dict[str, Any]:
        return {
            "rank": self.rank,
            "solution": self.solution,
            "developer": self.developer,
            "team": self.team,
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
    """submission id -> split -> metric -> value (read as plain columns: no row objects)."""
    out: dict[int, dict[str, dict[str, float]]] = {i: {} for i in ids}
    if not ids:
        return out
    rows = session.exec(
        select(Score.submission_id, Score.split, Score.metric, Score.value).where(
            col(Score.submission_id).in_(ids)
        )
    )
    for submission_id, split, metric, value in rows:
        out[submission_id].setdefault(split, {})[metric] = value
    return out


def build_leaderboard(
    session: Session, *, challenge: Challenge, now: dt.datetime, split: str | None = None
) -> Leaderboard:
    """The leaderboard at ``now`` (aware UTC); ``split`` overrides the Kaggle rule (reviewers)."""
    core = core_challenge(challenge)
    chosen = split or ("hidden" if challenge.results_public(now) else "public")
    # plain columns, not row objects: a busy challenge has thousands of scored submissions
    rows = session.execute(
        sa.select(
            col(Submission.id),
            col(Submission.created_at),
            col(Submission.code_sha256),
            col(Solution.id),
            col(Solution.name),
            col(Solution.developer_id),
            col(Solution.is_reference),
            col(Submission.status),
        )
        .join(Solution, col(Solution.id) == col(Submission.solution_id))
        .where(col(Solution.challenge_id) == challenge.id)
    ).all()
    # the status is tested here, not in SQL: with it in the WHERE clause SQLite walks the
    # status index over every challenge's scored submissions instead of this challenge's
    scored = [tuple(r[:7]) for r in rows if r[7] == SubmissionStatus.scored]
    scores = scores_by_submission(session, [int(r[0]) for r in scored])
    by_key = {str(r[0]): r for r in scored}
    in_team = _teams(session, challenge_id=challenge.id)
    entries = [
        Entry(
            # a team's members are one competitor: their solutions share one slot
            solution=f"team:{in_team[dev][0]}" if dev in in_team else str(sol_id),
            submission=str(sub_id),
            submitted_at=created_at,
            scores=scores[int(sub_id)],
            reference=is_reference,
        )
        for sub_id, created_at, _sha, sol_id, _name, dev, is_reference in scored
    ]
    developers = _developer_names(session, {r[5] for r in scored})
    out = []
    for r in leaderboard(core, entries, split=chosen):
        sub_id, created_at, sha, sol_id, name, developer_id, is_reference = by_key[r.entry.submission]
        out.append(
            LeaderboardRow(
                r.rank,
                int(sol_id),
                name,
                developers.get(developer_id),
                is_reference,
                int(sub_id),
                sha,
                created_at,
                r.values,
                in_team[developer_id][1] if developer_id in in_team else None,
            )
        )
    return Leaderboard(challenge, chosen, list(challenge.metrics), out)


def _developer_names(session: Session, ids: set[int | None]) -> dict[int | None, str]:
    real = [i for i in ids if i is not None]
    if not real:
        return {}
    return dict(session.exec(select(User.id, User.full_name).where(col(User.id).in_(real))).all())


def _teams(session: Session, *, challenge_id: int | None) -> dict[int | None, tuple[int, str]]:
    """developer id -> (team id, team name) for the challenge's team members."""
    rows = session.execute(
        sa.select(col(TeamMember.user_id), col(Team.id), col(Team.name))
        .join(Team, col(Team.id) == col(TeamMember.team_id))
        .where(col(TeamMember.challenge_id) == challenge_id)
    ).all()
    return {user_id: (team_id, name) for user_id, team_id, name in rows}
