"""Who hears of a need's news, and what they hear: the services build a :class:`NeedNotice`
after committing a change; the caller's ``notify`` callable delivers it (the hub's web layer
composes an e-mail per recipient in their language, see ``platform/web/need_mail.py``).

A need's subscribers are its proposer, the therapists who support it and everyone who wrote in
its thread, never the author of the change, only active accounts that may still read needs.
A newly filed need is told to the challenge managers and administrators instead
(:func:`managers`), not to its proposer."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlmodel import Session, col, select

from ...models import ClinicalNeed, NeedMessage, NeedSupport, Role, User
from ..accounts.permissions import can_manage_challenges, can_read_needs


@dataclass(frozen=True)
class Recipient:
    email: str
    name: str
    locale: str | None


@dataclass(frozen=True)
class NeedNotice:
    """``kind`` is the new status (``proposed`` for a need just filed, ``accepted``,
    ``declined``, ``challenge``, ``answered``) or ``message``. ``detail`` is the problem of a
    filed need, the decline reason or the message's text; ``challenge_title``
    and ``solution_id`` say what the need was linked to or answered by."""

    kind: str
    need_id: int
    actor_name: str
    recipients: tuple[Recipient, ...]
    detail: str = ""
    challenge_title: str | None = None
    solution_id: int | None = None


Notify = Callable[[NeedNotice], object]


def subscriber_ids(session: Session, need: ClinicalNeed) -> set[int]:
    """The proposer, the supporters and the thread's writers of ``need``."""
    ids = {need.proposer_id} if need.proposer_id is not None else set()
    ids.update(session.exec(select(NeedSupport.user_id).where(NeedSupport.need_id == need.id)))
    ids.update(
        i
        for i in session.exec(select(NeedMessage.author_id).where(NeedMessage.need_id == need.id))
        if i is not None
    )
    return ids


def recipients(session: Session, need: ClinicalNeed, *, exclude: User | None) -> tuple[Recipient, ...]:
    """The subscribers to tell, without ``exclude`` (the author of the change)."""
    ids = subscriber_ids(session, need) - ({exclude.id} if exclude is not None else set())
    if not ids:
        return ()
    users = session.exec(select(User).where(col(User.id).in_(ids)).order_by(col(User.id))).all()
    return tuple(
        Recipient(u.email, u.full_name, u.locale) for u in users if u.is_active and can_read_needs(u)
    )


def managers(session: Session, *, exclude: User) -> tuple[Recipient, ...]:
    """Every active challenge manager and administrator but ``exclude``."""
    users = session.exec(
        select(User)
        .where(
            col(User.is_active).is_(True),
            (col(User.role) == Role.admin) | col(User.is_challenge_manager).is_(True),
            col(User.id) != exclude.id,
        )
        .order_by(col(User.id))
    ).all()
    return tuple(Recipient(u.email, u.full_name, u.locale) for u in users if can_manage_challenges(u))


def deliver(notify: Notify | None, notice: NeedNotice) -> None:
    if notify is not None and notice.recipients:
        notify(notice)
