"""What anyone may read without logging in: published challenges (open, upcoming, closed),
their public leaderboards (display names only, never e-mails; the hidden split only once a
challenge has closed) and the approved solutions of the catalogue, plus the list of public
pages for ``/sitemap.xml``."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlmodel import Session, col, select

from ...models import Challenge, Review, ReviewDecision, Solution, Submission, User, pk
from ..errors import NotFound
from .leaderboards import scores_by_submission


@dataclass(frozen=True)
class ChallengeCard:
    """What the list shows of a challenge (read without its description, data contract and
    metrics, which the list does not need)."""

    slug: str
    title: str
    summary: str
    kind: str
    movement: str | None
    opens_at: dt.datetime | None
    closes_at: dt.datetime | None


@dataclass(frozen=True)
class ChallengeList:
    open: list[ChallengeCard] = field(default_factory=list)
    upcoming: list[ChallengeCard] = field(default_factory=list)
    closed: list[ChallengeCard] = field(default_factory=list)


def list_challenges(session: Session, *, now: dt.datetime) -> ChallengeList:
    """Every published challenge at ``now``: open (closing soonest first), upcoming (opening
    soonest first), closed (most recently closed first)."""
    rows = session.execute(
        sa.select(
            col(Challenge.slug),
            col(Challenge.title),
            col(Challenge.summary),
            col(Challenge.kind),
            col(Challenge.movement),
            col(Challenge.opens_at),
            col(Challenge.closes_at),
        )
        .where(col(Challenge.is_published).is_(True))
        .order_by(col(Challenge.title))
    ).all()
    out = ChallengeList()
    for c in (ChallengeCard(*row) for row in rows):
        if c.opens_at is not None and now < c.opens_at:
            out.upcoming.append(c)
        elif c.closes_at is not None and c.closes_at <= now:
            out.closed.append(c)
        else:
            out.open.append(c)
    far = dt.datetime.max.replace(tzinfo=dt.UTC)
    out.open.sort(key=lambda c: c.closes_at or far)
    out.upcoming.sort(key=lambda c: c.opens_at or far)
    out.closed.sort(key=lambda c: c.closes_at or far, reverse=True)
    return out


def visible_splits(challenge: Challenge, now: dt.datetime) -> tuple[str, ...]:
    """The data splits whose scores the public may see: the hidden one only once closed (and
    announced, for a challenge that holds its results)."""
    return ("public", "hidden") if challenge.results_public(now) else ("public",)


@dataclass(frozen=True)
class ApprovedSolution:
    """A solution in the catalogue: its latest approved submission and where it came from."""

    solution: Solution
    submission: Submission
    challenge: Challenge
    developer: str | None
    approved_at: dt.datetime
    scores: dict[str, dict[str, float]]
    """split -> metric -> value, only the splits the public may see"""


def _approved_rows(
    session: Session, *, solution_id: int | None = None
) -> list[tuple[Review, Submission, Solution, Challenge]]:
    stmt = (
        select(Review, Submission, Solution, Challenge)
        .join(Submission, col(Submission.id) == col(Review.submission_id))
        .join(Solution, col(Solution.id) == col(Submission.solution_id))
        .join(Challenge, col(Challenge.id) == col(Solution.challenge_id))
        .where(col(Challenge.is_published).is_(True))
        .order_by(col(Review.created_at), col(Review.id))
    )
    if solution_id is not None:
        stmt = stmt.where(col(Solution.id) == solution_id)
    latest: dict[int, tuple[Review, Submission, Solution, Challenge]] = {}
    for review, sub, sol, ch in session.exec(stmt):
        latest[pk(sub)] = (review, sub, sol, ch)  # the latest review of each submission decides
    by_solution: dict[int, tuple[Review, Submission, Solution, Challenge]] = {}
    for row in latest.values():
        if row[0].decision == ReviewDecision.approved:
            by_solution[pk(row[2])] = row  # ordered by review time: the last approval wins
    return list(by_solution.values())


def approved_solutions(
    session: Session, *, now: dt.datetime, solution_id: int | None = None
) -> list[ApprovedSolution]:
    """The catalogue: each solution whose latest reviewed submission approval stands, newest first."""
    rows = _approved_rows(session, solution_id=solution_id)
    scores = scores_by_submission(session, [pk(sub) for _, sub, _, _ in rows])
    dev_ids = {sol.developer_id for _, _, sol, _ in rows if sol.developer_id is not None}
    names = (
        {u.id: u.full_name for u in session.exec(select(User).where(col(User.id).in_(dev_ids)))}
        if dev_ids
        else {}
    )
    out = [
        ApprovedSolution(
            solution=sol,
            submission=sub,
            challenge=ch,
            developer=names.get(sol.developer_id),
            approved_at=review.created_at,
            scores={s: v for s, v in scores[pk(sub)].items() if s in visible_splits(ch, now)},
        )
        for review, sub, sol, ch in rows
    ]
    return sorted(out, key=lambda a: a.approved_at, reverse=True)


def approved_solution(session: Session, *, solution_id: int, now: dt.datetime) -> ApprovedSolution:
    """One catalogue entry; :class:`NotFound` unless the solution is approved."""
    found = approved_solutions(session, now=now, solution_id=solution_id)
    if not found:
        raise NotFound(f"no approved solution {solution_id}")
    return found[0]
