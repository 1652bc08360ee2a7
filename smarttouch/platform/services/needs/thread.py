"""A need's discussion: therapists and challenge managers write; each message is audited
(its id and length, not its words) and told to the need's subscribers, not to its writer."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, select

from ...models import ClinicalNeed, NeedMessage, User, pk
from .. import audit
from ..errors import Invalid
from .filing import require_reader, text_errors
from .notices import NeedNotice, Notify, deliver, recipients


@dataclass(frozen=True)
class ThreadMessage:
    body: str
    author: str | None
    author_id: int | None
    created_at: datetime


def thread(session: Session, *, reader: User, need: ClinicalNeed) -> list[ThreadMessage]:
    """The need's messages, oldest first."""
    require_reader(reader)
    rows = session.exec(
        select(NeedMessage, User)
        .outerjoin(User, col(User.id) == col(NeedMessage.author_id))
        .where(NeedMessage.need_id == need.id)
        .order_by(col(NeedMessage.created_at), col(NeedMessage.id))
    ).all()
    return [ThreadMessage(m.body, u.full_name if u else None, m.author_id, m.created_at) for m, u in rows]


def post(
    session: Session,
    *,
    author: User,
    need: ClinicalNeed,
    body: str | None,
    notify: Notify | None = None,
    ip: str | None = None,
) -> NeedMessage:
    """Add a message to ``need``'s thread; :class:`Invalid` ``body: <code>`` (``required``,
    ``too_long``, ``names_patient``) stores nothing."""
    require_reader(author)
    text = (body or "").strip()
    errors = text_errors(session, author=author, texts={"body": text}, required=("body",))
    if errors:
        raise Invalid(f"body: {errors['body']}")
    message = NeedMessage(need_id=pk(need), author_id=pk(author), body=text)
    session.add(message)
    session.flush()
    audit.record(
        session,
        action="need.message",
        actor=author,
        target_type="clinical_need",
        target_id=need.id,
        details={"message": message.id, "length": len(text)},
        ip=ip,
    )
    session.commit()
    session.refresh(message)
    deliver(
        notify,
        NeedNotice(
            kind="message",
            need_id=pk(need),
            actor_name=author.full_name,
            recipients=recipients(session, need, exclude=author),
            detail=text,
        ),
    )
    return message
