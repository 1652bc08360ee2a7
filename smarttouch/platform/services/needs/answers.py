"""The loop closes: when a solution is approved into the catalogue, every need turned into that
solution's challenge (and not answered yet) becomes ``answered``, linked to the catalogue
entry; the catalogue shows which challenge produced an entry and which needs it answers.

:func:`answer_linked_needs` runs inside the approval's transaction (its audit lines land with
the review) and returns the notices to deliver once the approval is committed."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from sqlmodel import Session, col, select

from ...models import Challenge, ClinicalNeed, NeedStatus, Solution, User, pk, utcnow
from .. import audit
from ..challenges.public import approved_solutions
from .filing import touch_status
from .notices import NeedNotice, recipients


def answer_linked_needs(
    session: Session, *, solution: Solution, challenge: Challenge, actor: User, ip: str | None = None
) -> list[NeedNotice]:
    """Mark the needs linked to ``challenge`` answered by ``solution`` (not committed)."""
    needs = session.exec(
        select(ClinicalNeed).where(
            ClinicalNeed.challenge_id == challenge.id, ClinicalNeed.status == NeedStatus.challenge
        )
    ).all()
    notices = []
    for need in needs:
        touch_status(need, NeedStatus.answered)
        need.solution_id = pk(solution)
        need.answered_at = utcnow()
        session.add(need)
        audit.record(
            session,
            action="need.answered",
            actor=actor,
            target_type="clinical_need",
            target_id=need.id,
            details={"challenge": challenge.slug, "solution_id": solution.id},
            ip=ip,
        )
        notices.append(
            NeedNotice(
                kind=NeedStatus.answered.value,
                need_id=pk(need),
                actor_name=actor.full_name,
                recipients=recipients(session, need, exclude=actor),
                challenge_title=challenge.title,
                solution_id=solution.id,
            )
        )
    return notices


def reopen_withdrawn(session: Session, *, solution: Solution, actor: User, ip: str | None = None) -> int:
    """A later review took ``solution`` out of the catalogue: the needs it answered go back to
    ``challenge`` (a later approval of that challenge answers them again). Not committed;
    returns how many were reopened."""
    needs = session.exec(
        select(ClinicalNeed).where(
            ClinicalNeed.solution_id == solution.id, ClinicalNeed.status == NeedStatus.answered
        )
    ).all()
    if not needs or approved_solutions(session, now=utcnow(), solution_id=pk(solution)):
        return 0
    for need in needs:
        touch_status(need, NeedStatus.challenge)
        need.solution_id = None
        need.answered_at = None
        session.add(need)
        audit.record(
            session,
            action="need.reopened",
            actor=actor,
            target_type="clinical_need",
            target_id=need.id,
            details={"solution_id": solution.id},
            ip=ip,
        )
    return len(needs)


@dataclass(frozen=True)
class AnsweredNeed:
    """What the catalogue may show of a need: its vocabulary codes, no free text (the public
    page never shows what a therapist wrote)."""

    id: int
    condition: str
    movement: str | None


def answered_needs(session: Session, *, challenge_ids: list[int]) -> dict[int, list[AnsweredNeed]]:
    """challenge id -> the needs its solutions answered, oldest first."""
    if not challenge_ids:
        return {}
    rows = session.exec(
        select(ClinicalNeed)
        .where(col(ClinicalNeed.challenge_id).in_(challenge_ids), ClinicalNeed.status == NeedStatus.answered)
        .order_by(col(ClinicalNeed.id))
    ).all()
    out: dict[int, list[AnsweredNeed]] = defaultdict(list)
    for need in rows:
        if need.challenge_id is not None:
            out[need.challenge_id].append(AnsweredNeed(pk(need), need.condition, need.movement))
    return dict(out)


@dataclass(frozen=True)
class Origin:
    """Where a catalogue entry came from: the challenge that produced it and the needs it
    answers."""

    challenge_slug: str
    challenge_title: str
    challenge_published: bool
    needs: list[AnsweredNeed]


def origins(session: Session, *, solution_ids: list[int]) -> dict[int, Origin]:
    """solution id -> its :class:`Origin` (solutions that do not exist are left out)."""
    if not solution_ids:
        return {}
    rows = session.exec(
        select(Solution.id, Challenge)
        .join(Challenge, col(Challenge.id) == col(Solution.challenge_id))
        .where(col(Solution.id).in_(solution_ids))
    ).all()
    needs = answered_needs(session, challenge_ids=[pk(ch) for _, ch in rows])
    return {
        int(sid): Origin(ch.slug, ch.title, ch.is_published, needs.get(pk(ch), []))
        for sid, ch in rows
        if sid is not None
    }


def solution_id_of_activity(key: str) -> int | None:
    """The solution behind a catalogue activity ``solution-<id>`` (None for a built-in game)."""
    prefix, _, number = key.partition("-")
    return int(number) if prefix == "solution" and number.isdigit() and len(number) < 10 else None
