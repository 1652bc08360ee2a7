"""What a challenge manager does with an authored challenge after creating it: publish, extend
(close later: the developers who submitted are told by e-mail), close, announce the results
(the hidden-split final ranking becomes public; every developer who submitted is told), and
the managers' list of every challenge with its phase and counts. Every action is audited.

E-mails are composed by the caller (``compose(kind, user, values) -> (subject, text)``, in the
recipient's language) and sent with :func:`..mail.send_mail` after the change is committed; a
recipient whose server refuses is counted, not retried.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlmodel import Session, col, select

from ...models import Challenge, ChallengeDataJob, Solution, Submission, User, utcnow
from .. import audit
from ..accounts.permissions import can_manage_challenges
from ..errors import Forbidden, NotFound
from ..mail import MailError, send_mail
from . import phases
from .authoring import FieldErrors
from .leaderboards import build_leaderboard

log = logging.getLogger(__name__)

Compose = Callable[[str, User, dict[str, Any]], tuple[str, str]]


def _require_manager(actor: User) -> None:
    if not can_manage_challenges(actor):
        raise Forbidden("only challenge managers manage challenges")


def get_challenge(session: Session, *, slug: str) -> Challenge:
    """Any challenge, drafts included (managers' pages)."""
    row = session.exec(select(Challenge).where(Challenge.slug == slug)).first()
    if row is None:
        raise NotFound(f"no challenge {slug!r}")
    return row


def latest_data_job(session: Session, *, challenge: Challenge) -> ChallengeDataJob | None:
    return session.exec(
        select(ChallengeDataJob)
        .where(ChallengeDataJob.challenge_id == challenge.id)
        .order_by(col(ChallengeDataJob.id).desc())
    ).first()


@dataclass(frozen=True)
class Delivery:
    sent: int
    failed: int


def submitters(session: Session, *, challenge: Challenge) -> list[User]:
    """Every developer who submitted to ``challenge`` (not reference rows), by name."""
    ids = select(Solution.developer_id).join(Submission, col(Submission.solution_id) == col(Solution.id))
    ids = ids.where(Solution.challenge_id == challenge.id, col(Solution.developer_id).is_not(None))
    return list(session.exec(select(User).where(col(User.id).in_(ids)).order_by(col(User.full_name))))


def _mail_all(
    users: list[User],
    *,
    settings: Mapping[str, Any],
    compose: Compose,
    kind: str,
    values: Callable[[User], dict],
) -> Delivery:
    sent = failed = 0
    for user in users:
        subject, text = compose(kind, user, values(user))
        try:
            send_mail(settings, to=user.email, subject=subject, text=text)
            sent += 1
        except MailError as exc:
            log.warning("%s mail to user %s failed: %s", kind, user.id, exc)
            failed += 1
    return Delivery(sent, failed)


def publish(session: Session, *, challenge: Challenge, actor: User) -> None:
    """Make a draft visible to developers and the public. Refused until its data is ready."""
    _require_manager(actor)
    if challenge.is_published:
        raise FieldErrors({"publish": _l("The challenge is already published.")})
    if not challenge.bundle_sha256:
        raise FieldErrors({"publish": _l("The challenge's data is not ready yet.")})
    challenge.is_published = True
    session.add(challenge)
    audit.record(
        session,
        action="challenge.published",
        actor=actor,
        target_type="challenge",
        target_id=challenge.id,
        details={"slug": challenge.slug, "bundle_sha256": challenge.bundle_sha256},
    )
    session.commit()


def extend(
    session: Session,
    *,
    challenge: Challenge,
    closes_at: dt.datetime | None,
    actor: User,
    settings: Mapping[str, Any],
    compose: Compose,
    now: dt.datetime | None = None,
) -> Delivery:
    """Move the closing date later; the developers who submitted are told by e-mail."""
    _require_manager(actor)
    now = now or utcnow()
    if challenge.results_announced_at is not None:
        raise FieldErrors({"closes_at": _l("The results are announced: the challenge cannot be extended.")})
    if closes_at is None:
        raise FieldErrors({"closes_at": _l("Give the new closing date.")})
    old = challenge.closes_at
    if (old is not None and closes_at <= old) or closes_at <= now:
        raise FieldErrors(
            {"closes_at": _l("The new closing date must be later than the current one and in the future.")}
        )
    challenge.closes_at = closes_at
    session.add(challenge)
    audit.record(
        session,
        action="challenge.extended",
        actor=actor,
        target_type="challenge",
        target_id=challenge.id,
        details={
            "slug": challenge.slug,
            "from": old.isoformat() if old else None,
            "to": closes_at.isoformat(),
        },
    )
    session.commit()
    users = submitters(session, challenge=challenge) if challenge.is_published else []
    return _mail_all(
        users,
        settings=settings,
        compose=compose,
        kind="extended",
        values=lambda u: {"challenge": challenge, "closes_at": closes_at},
    )


def close(session: Session, *, challenge: Challenge, actor: User, now: dt.datetime | None = None) -> None:
    """Close now (submissions stop; the ranking stays private until the results are announced)."""
    _require_manager(actor)
    now = now or utcnow()
    if challenge.is_closed(now):
        raise FieldErrors({"close": _l("The challenge is already closed.")})
    old = challenge.closes_at
    challenge.closes_at = now
    if challenge.final_opens_at is not None and challenge.final_opens_at > now:
        challenge.final_opens_at = None
    session.add(challenge)
    audit.record(
        session,
        action="challenge.closed",
        actor=actor,
        target_type="challenge",
        target_id=challenge.id,
        details={"slug": challenge.slug, "planned_close": old.isoformat() if old else None},
    )
    session.commit()


def announce_results(
    session: Session,
    *,
    challenge: Challenge,
    actor: User,
    settings: Mapping[str, Any],
    compose: Compose,
    now: dt.datetime | None = None,
) -> Delivery:
    """Publish the final (hidden-split) ranking and tell every developer who submitted,
    with their rank."""
    _require_manager(actor)
    now = now or utcnow()
    if not challenge.is_published or not challenge.is_closed(now):
        raise FieldErrors({"announce": _l("Close the challenge before announcing its results.")})
    if challenge.results_announced_at is not None:
        raise FieldErrors({"announce": _l("The results are already announced.")})
    challenge.results_announced_at = now
    session.add(challenge)
    board = build_leaderboard(session, challenge=challenge, now=now, split="hidden")
    ranks: dict[int, int] = {}
    developer_of = dict(
        session.exec(
            select(Solution.id, Solution.developer_id).where(Solution.challenge_id == challenge.id)
        ).all()
    )
    for row in board.rows:
        dev = developer_of.get(row.solution_id)
        if row.rank is not None and dev is not None:
            ranks[dev] = min(ranks.get(dev, row.rank), row.rank)
    audit.record(
        session,
        action="challenge.results_announced",
        actor=actor,
        target_type="challenge",
        target_id=challenge.id,
        details={"slug": challenge.slug, "ranked": sum(1 for r in board.rows if r.rank is not None)},
    )
    session.commit()
    return _mail_all(
        submitters(session, challenge=challenge),
        settings=settings,
        compose=compose,
        kind="results",
        values=lambda u: {"challenge": challenge, "rank": ranks.get(u.id or 0), "ranked": len(ranks)},
    )


@dataclass(frozen=True)
class ManagedRow:
    """One line of the managers' list."""

    challenge: Challenge
    phase: str
    developers: int
    submissions: int
    data_status: str | None


def managed_challenges(session: Session, *, now: dt.datetime) -> list[ManagedRow]:
    """Every challenge (drafts included), newest first, with its phase, how many developers
    submitted and how many submissions it has, and its latest data job's status."""
    counts = dict(
        (cid, (devs, subs))
        for cid, devs, subs in session.execute(
            sa.select(
                col(Solution.challenge_id),
                sa.func.count(sa.distinct(col(Solution.developer_id))),
                sa.func.count(col(Submission.id)),
            )
            .join(Submission, col(Submission.solution_id) == col(Solution.id))
            .where(col(Solution.is_reference).is_(False))
            .group_by(col(Solution.challenge_id))
        ).all()
    )
    jobs: dict[int, str] = {}
    for cid, status in session.execute(
        sa.select(col(ChallengeDataJob.challenge_id), col(ChallengeDataJob.status)).order_by(
            col(ChallengeDataJob.id)
        )
    ).all():
        jobs[cid] = status  # the latest wins
    rows = session.exec(
        select(Challenge).order_by(col(Challenge.created_at).desc(), col(Challenge.id).desc())
    )
    out = []
    for c in rows:
        devs, subs = counts.get(c.id, (0, 0))
        out.append(ManagedRow(c, phases.phase(c, now), int(devs), int(subs), jobs.get(c.id or 0)))
    return out


__all__ = [
    "Delivery",
    "ManagedRow",
    "announce_results",
    "close",
    "extend",
    "get_challenge",
    "latest_data_job",
    "managed_challenges",
    "publish",
    "submitters",
]
