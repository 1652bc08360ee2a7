"""A challenge's data-use terms: a developer accepts them (the time and the terms version are
recorded) before downloading the challenge's data or submitting to it. The web page, the API
and the command line (which goes through the API) all submit through
:func:`.submissions.submit`, which calls :func:`require_accepted`."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from ...models import Challenge, Role, TermsAcceptance, User, pk, utcnow
from .. import audit
from ..errors import Forbidden

#: Where a developer reads and accepts a challenge's terms (the developer blueprint's page).
TERMS_PATH = "/developer/challenges/{slug}/terms"


class TermsNotAccepted(Forbidden):
    """The developer has not accepted the challenge's current data-use terms."""

    code = "terms_not_accepted"

    def __init__(self, challenge: Challenge) -> None:
        super().__init__(
            f"accept the data-use terms of challenge {challenge.slug} (version {challenge.terms_version}) "
            f"first, on its page of the hub: {TERMS_PATH.format(slug=challenge.slug)}"
        )
        self.slug = challenge.slug


def accepted_at(session: Session, *, user: User, challenge: Challenge) -> datetime | None:
    """When ``user`` accepted the current version of ``challenge``'s terms (None: not yet)."""
    row = session.exec(
        select(TermsAcceptance).where(
            TermsAcceptance.user_id == user.id,
            TermsAcceptance.challenge_id == challenge.id,
            TermsAcceptance.terms_version == challenge.terms_version,
        )
    ).first()
    return row.accepted_at if row else None


def needs_acceptance(session: Session, *, user: User, challenge: Challenge) -> bool:
    """Developers accept each challenge's terms; hub staff (therapists, admins) do not."""
    return user.role == Role.developer and accepted_at(session, user=user, challenge=challenge) is None


def require_accepted(session: Session, *, user: User, challenge: Challenge) -> None:
    """:class:`TermsNotAccepted` unless ``user`` may use ``challenge``'s data."""
    if needs_acceptance(session, user=user, challenge=challenge):
        raise TermsNotAccepted(challenge)


def accept(
    session: Session, *, user: User, challenge: Challenge, ip: str | None = None, now: datetime | None = None
) -> datetime:
    """Record that ``user`` accepts the current terms of ``challenge`` (again: no change);
    audited. Returns the time of acceptance."""
    if user.role != Role.developer:
        raise Forbidden("only developers accept a challenge's data-use terms")
    already = accepted_at(session, user=user, challenge=challenge)
    if already is not None:
        return already
    now = now or utcnow()
    try:
        with session.begin_nested():
            row = TermsAcceptance(
                user_id=pk(user),
                challenge_id=pk(challenge),
                terms_version=challenge.terms_version,
                accepted_at=now,
                ip=ip,
            )
            session.add(row)
    except IntegrityError:  # a second click in another tab got there first
        session.rollback()
        return accepted_at(session, user=user, challenge=challenge) or now
    audit.record(
        session,
        action="challenge.terms_accepted",
        actor=user,
        target_type="challenge",
        target_id=challenge.id,
        details={"challenge": challenge.slug, "terms_version": challenge.terms_version},
        ip=ip,
    )
    session.commit()
    return now
