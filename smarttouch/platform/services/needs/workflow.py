"""A need's status, changed by challenge managers only.

``proposed`` -> ``accepted`` -> ``challenge`` (turned into an existing challenge, a draft or a
published one; a challenge created from a proposed need accepts it on the way) -> ``answered``
(:mod:`.answers`, when a solution of that challenge is approved). A proposed or accepted need
may be ``declined``, with a reason. The need holds the link (``ClinicalNeed.challenge_id``,
the one source of truth): a need is answered by one challenge, a challenge may answer several. Each change is audited and told to the need's subscribers
(not to its author) through ``notify`` once committed."""

from __future__ import annotations

from sqlmodel import Session, col, select

from ...models import Challenge, ClinicalNeed, NeedStatus, User, pk
from .. import audit
from ..errors import Invalid
from .filing import require_manager, text_errors, touch_status
from .notices import NeedNotice, Notify, deliver, recipients

#: From which statuses each change may be made.
ALLOWED_FROM = {
    NeedStatus.accepted: (NeedStatus.proposed,),
    NeedStatus.declined: (NeedStatus.proposed, NeedStatus.accepted),
    NeedStatus.challenge: (NeedStatus.proposed, NeedStatus.accepted),
}


def can_become(need: ClinicalNeed, status: NeedStatus) -> bool:
    return need.status in ALLOWED_FROM.get(status, ())


def _require_transition(need: ClinicalNeed, status: NeedStatus) -> None:
    if not can_become(need, status):
        raise Invalid(f"status: a {need.status} need cannot become {status.value}")


def _finish(
    session: Session,
    *,
    need: ClinicalNeed,
    actor: User,
    action: str,
    details: dict[str, object],
    notify: Notify | None,
    ip: str | None,
    detail: str = "",
) -> ClinicalNeed:
    audit.record(
        session,
        action=action,
        actor=actor,
        target_type="clinical_need",
        target_id=need.id,
        details=details,
        ip=ip,
    )
    session.commit()
    session.refresh(need)
    _tell(session, need=need, actor=actor, notify=notify, detail=detail)
    return need


def _tell(
    session: Session,
    *,
    need: ClinicalNeed,
    actor: User,
    notify: Notify | None,
    detail: str = "",
    challenge_title: str | None = None,
) -> None:
    """Tell ``need``'s subscribers (not ``actor``) of its new status, once committed."""
    deliver(
        notify,
        NeedNotice(
            kind=need.status,
            need_id=pk(need),
            actor_name=actor.full_name,
            recipients=recipients(session, need, exclude=actor),
            detail=detail,
            challenge_title=challenge_title,
        ),
    )


def accept(
    session: Session, *, need: ClinicalNeed, actor: User, notify: Notify | None = None, ip: str | None = None
) -> ClinicalNeed:
    require_manager(actor)
    _require_transition(need, NeedStatus.accepted)
    touch_status(need, NeedStatus.accepted)
    session.add(need)
    return _finish(session, need=need, actor=actor, action="need.accepted", details={}, notify=notify, ip=ip)


def decline(
    session: Session,
    *,
    need: ClinicalNeed,
    actor: User,
    reason: str | None,
    notify: Notify | None = None,
    ip: str | None = None,
) -> ClinicalNeed:
    """Decline ``need``; the reason is required (:class:`Invalid` ``reason: ...``)."""
    require_manager(actor)
    _require_transition(need, NeedStatus.declined)
    text = (reason or "").strip()
    errors = text_errors(session, author=actor, texts={"reason": text}, required=("reason",))
    if errors:
        raise Invalid(f"reason: {errors['reason']}")
    touch_status(need, NeedStatus.declined)
    need.decline_reason = text
    session.add(need)
    return _finish(
        session,
        need=need,
        actor=actor,
        action="need.declined",
        details={"reason_length": len(text)},
        detail=text,
        notify=notify,
        ip=ip,
    )


def linkable_challenges(session: Session) -> list[Challenge]:
    """Every challenge a need may be turned into, drafts included, by title."""
    return list(session.exec(select(Challenge).order_by(col(Challenge.title), col(Challenge.id))))


def attach(
    session: Session, *, need: ClinicalNeed, challenge: Challenge, actor: User, ip: str | None = None
) -> None:
    """Record, without committing, that ``need`` was turned into ``challenge`` (status
    ``challenge``); audited. The need holds the link: a challenge may answer several needs."""
    require_manager(actor)
    _require_transition(need, NeedStatus.challenge)
    need.challenge_id = pk(challenge)
    touch_status(need, NeedStatus.challenge)
    session.add(need)
    audit.record(
        session,
        action="need.linked",
        actor=actor,
        target_type="clinical_need",
        target_id=need.id,
        details={"challenge": challenge.slug, "challenge_id": challenge.id},
        ip=ip,
    )


def tell_linked(
    session: Session, *, need: ClinicalNeed, challenge: Challenge, actor: User, notify: Notify | None
) -> None:
    """Tell ``need``'s subscribers (not ``actor``) it became ``challenge``, once committed."""
    _tell(session, need=need, actor=actor, notify=notify, challenge_title=challenge.title)


def link_challenge(
    session: Session,
    *,
    need: ClinicalNeed,
    challenge: Challenge,
    actor: User,
    notify: Notify | None = None,
    ip: str | None = None,
) -> ClinicalNeed:
    """Turn ``need`` into an existing ``challenge`` from the need's page (a challenge written
    from a need is linked as it is created, :func:`..challenges.authoring.create_challenge`).
    Commits, then tells the subscribers."""
    attach(session, need=need, challenge=challenge, actor=actor, ip=ip)
    session.commit()
    session.refresh(need)
    tell_linked(session, need=need, challenge=challenge, actor=actor, notify=notify)
    return need


def needs_of(session: Session, challenge: Challenge) -> list[ClinicalNeed]:
    """The needs turned into ``challenge`` (answered ones included), oldest first."""
    return list(
        session.exec(
            select(ClinicalNeed)
            .where(ClinicalNeed.challenge_id == challenge.id)
            .order_by(col(ClinicalNeed.id))
        )
    )
