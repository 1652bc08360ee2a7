"""Invitations: a one-time link and code that open an account (or set a new password).

A therapist invites their own patient (the account is linked to the patient record); an
administrator invites staff or sends a password reset. The link carries a random token
(256 bits) and the patient may type a short code instead (10 letters and digits from an
alphabet without look-alikes, about 2.7e13 codes, tried under the login throttle); both are
single use, expire (:data:`INVITATION_TTL`) and are stored only as SHA-256 digests. Accepting
checks the password against the one policy (:func:`.password_policy.check_password`) first,
then claims the invitation atomically: an expired, used, revoked or unknown one, or a refused
password, stores nothing. Every creation, revocation and acceptance is audited.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import update
from sqlmodel import Session, col, select

from ...models import Invitation, Patient, Role, User, normalise_email, rowcount, utcnow
from .. import audit
from ..clinic.devices import CODE_ALPHABET, normalise_code
from ..errors import Conflict, Forbidden, Invalid, NotFound
from .bearer_tokens import MAX_TOKEN_CHARS, digest
from .password_policy import check_password
from .passwords import hash_password
from .users import end_web_sessions, get_by_email

INVITATION_TTL = timedelta(days=7)
RESET_TTL = timedelta(days=2)
CODE_LENGTH = 10


class Purpose(StrEnum):
    invite = "invite"
    reset = "reset"
    team = "team"
    """a developer joins a team (:mod:`..challenges.teams`); never opens an account"""
    verify = "verify"
    """a developer's own sign-up proves its e-mail address (:mod:`.signup`)"""
    forgot = "forgot"
    """a password reset the account's owner asked for by e-mail (:mod:`.signup`)"""


#: What the account pages (``/invite``, the typed code) accept: not team invitations, nor the
#: links of :mod:`.signup` (whose code is drawn like every row's and never shown).
ACCOUNT_PURPOSES = (Purpose.invite, Purpose.reset)


class Refusal(StrEnum):
    """Why an invitation cannot be used (each has its own page text)."""

    unknown = "unknown"
    expired = "expired"
    used = "used"
    revoked = "revoked"


class InvitationRefused(Invalid):
    """The link or code is unknown (or tampered with), expired, used or revoked."""

    def __init__(self, reason: Refusal) -> None:
        super().__init__(f"invitation: {reason.value}")
        self.reason = reason


@dataclass(frozen=True)
class IssuedInvitation:
    """What is shown once: the link's token and the code (formatted XXXXX-XXXXX)."""

    token: str
    code: str
    invitation: Invitation


def format_code(raw: str) -> str:
    return f"{raw[:5]}-{raw[5:]}"


def issue(session: Session, row: Invitation, *, prefix: str = "") -> IssuedInvitation:
    """Draw a fresh link token (starting with ``prefix``) and code for ``row`` (not yet added),
    store their digests, flush."""
    for _ in range(10):
        token = prefix + secrets.token_urlsafe(32)
        raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
        clash = session.exec(
            select(Invitation.id).where(
                (col(Invitation.token_hash) == digest(token)) | (col(Invitation.code_hash) == digest(raw))
            )
        ).first()
        if clash is None:
            row.token_hash, row.code_hash = digest(token), digest(raw)
            session.add(row)
            session.flush()
            return IssuedInvitation(token, format_code(raw), row)
    raise Conflict("could not draw a fresh invitation code")  # pragma: no cover - 2^-256


def issue_for_account(
    session: Session,
    *,
    purpose: Purpose,
    user: User,
    now: datetime,
    ttl: timedelta,
    actor: User | None = None,
    prefix: str = "",
) -> IssuedInvitation:
    """:func:`issue` an invitation of ``purpose`` bound to the existing account ``user`` (its
    e-mail, role, name and language copied onto the row), valid for ``ttl`` from ``now``."""
    row = Invitation(
        purpose=purpose,
        role=user.role,
        email=user.email,
        full_name=user.full_name,
        locale=user.locale,
        user_id=user.id,
        created_by_id=actor.id if actor else None,
        created_at=now,
        expires_at=now + ttl,
        token_hash="",
        code_hash="",
    )
    return issue(session, row, prefix=prefix)


def _revoke_open(session: Session, *, now: datetime, **where: int | None) -> None:
    conds = [col(getattr(Invitation, k)) == v for k, v in where.items()]
    session.execute(
        update(Invitation)
        .where(*conds, col(Invitation.used_at).is_(None), col(Invitation.revoked_at).is_(None))
        .values(revoked_at=now)
    )


def _check_email_free(session: Session, email: str) -> str:
    try:
        email = normalise_email(email)
    except ValueError:
        raise Invalid("email: not a valid e-mail address") from None
    if get_by_email(session, email=email) is not None:
        raise Conflict(f"email: an account with e-mail {email} already exists")
    return email


def invite_patient(
    session: Session,
    *,
    actor: User | None,
    patient: Patient,
    email: str,
    locale: str | None = None,
    ttl: timedelta = INVITATION_TTL,
    ip: str | None = None,
) -> IssuedInvitation:
    """A new invitation for ``patient``'s own account, by the patient's therapist (or an
    administrator; ``actor`` None is the command line). Earlier open invitations of the patient
    stop working. :class:`Conflict` if the patient already has an account or the e-mail is
    taken."""
    if actor is not None and not (
        actor.role == Role.admin or (actor.role == Role.therapist and patient.therapist_id == actor.id)
    ):
        raise NotFound(f"patient {patient.id} not found")
    if patient.user_id is not None:
        raise Conflict("the patient already has an account: an administrator can reset its password")
    if locale not in (None, "en", "it"):
        raise Invalid("locale: expected en or it")
    email = _check_email_free(session, email)
    now = utcnow()
    _revoke_open(session, now=now, patient_id=patient.id)
    issued = issue(
        session,
        Invitation(
            purpose=Purpose.invite,
            role=Role.patient,
            email=email,
            full_name=patient.display_name or patient.code,
            locale=locale,
            patient_id=patient.id,
            created_by_id=actor.id if actor else None,
            created_at=now,
            expires_at=now + ttl,
            token_hash="",
            code_hash="",
        ),
    )
    audit.record(
        session,
        action="invitation.created",
        actor=actor,
        patient_id=patient.id,
        target_type="invitation",
        target_id=issued.invitation.id,
        details={"role": Role.patient.value, "email": email, "expires_at": issued.invitation.expires_at},
        ip=ip,
    )
    session.commit()
    return issued


def invite_staff(
    session: Session,
    *,
    actor: User | None,
    email: str,
    full_name: str,
    role: str,
    locale: str | None = None,
    ttl: timedelta = INVITATION_TTL,
    ip: str | None = None,
) -> IssuedInvitation:
    """An administrator's invitation for a therapist, developer or administrator account."""
    if actor is not None and actor.role != Role.admin:
        raise Forbidden("only administrators invite staff")
    if role not in (Role.therapist, Role.developer, Role.admin):
        raise Invalid("role: patients are invited from their patient record")
    full_name = full_name.strip()
    if not full_name or len(full_name) > 120:
        raise Invalid("full_name: give a name of 1 to 120 characters")
    if locale not in (None, "en", "it"):
        raise Invalid("locale: expected en or it")
    email = _check_email_free(session, email)
    now = utcnow()
    issued = issue(
        session,
        Invitation(
            purpose=Purpose.invite,
            role=role,
            email=email,
            full_name=full_name,
            locale=locale,
            created_by_id=actor.id if actor else None,
            created_at=now,
            expires_at=now + ttl,
            token_hash="",
            code_hash="",
        ),
    )
    audit.record(
        session,
        action="invitation.created",
        actor=actor,
        target_type="invitation",
        target_id=issued.invitation.id,
        details={"role": role, "email": email, "expires_at": issued.invitation.expires_at},
        ip=ip,
    )
    session.commit()
    return issued


def password_reset(
    session: Session, *, actor: User | None, user: User, ttl: timedelta = RESET_TTL, ip: str | None = None
) -> IssuedInvitation:
    """An administrator's one-time link for ``user`` to choose a new password. The account's
    web logins end at once; earlier reset links stop working."""
    if actor is not None and actor.role != Role.admin:
        raise Forbidden("only administrators reset passwords")
    if not user.is_active:
        raise Invalid("account: reactivate the account before resetting its password")
    now = utcnow()
    _revoke_open(session, now=now, user_id=user.id)
    end_web_sessions(user)
    session.add(user)
    issued = issue_for_account(session, purpose=Purpose.reset, user=user, actor=actor, now=now, ttl=ttl)
    audit.record(
        session,
        action="user.password_reset_issued",
        actor=actor,
        target_type="user",
        target_id=user.id,
        details={"invitation_id": issued.invitation.id, "expires_at": issued.invitation.expires_at},
        ip=ip,
    )
    session.commit()
    return issued


def find(
    session: Session,
    *,
    token: str | None = None,
    code: str | None = None,
    purposes: tuple[Purpose, ...] = ACCOUNT_PURPOSES,
    now: datetime | None = None,
) -> Invitation:
    """The usable invitation of one of ``purposes`` for a link ``token`` or a typed ``code``;
    :class:`InvitationRefused` says why not."""
    if token is not None:
        if not token or len(token) > MAX_TOKEN_CHARS:
            raise InvitationRefused(Refusal.unknown)
        where = col(Invitation.token_hash) == digest(token)
    else:
        raw = normalise_code(code or "")
        if len(raw) != CODE_LENGTH:
            raise InvitationRefused(Refusal.unknown)
        where = col(Invitation.code_hash) == digest(raw)
    row = session.exec(
        select(Invitation)
        .where(where, col(Invitation.purpose).in_([p.value for p in purposes]))
        .execution_options(populate_existing=True)
    ).first()
    if row is None:
        raise InvitationRefused(Refusal.unknown)
    if row.used_at is not None:
        raise InvitationRefused(Refusal.used)
    if row.revoked_at is not None:
        raise InvitationRefused(Refusal.revoked)
    if row.expires_at <= (now or utcnow()):
        raise InvitationRefused(Refusal.expired)
    return row


def accept(
    session: Session,
    *,
    invitation: Invitation,
    password: str,
    password_profile: str = "default",
    ip: str | None = None,
) -> User:
    """Use the invitation: create the account (linked to its patient) or set the new password.

    The password policy is checked before anything is written (:class:`WeakPassword`); the
    invitation is claimed atomically, so a second use of the same link fails
    (:class:`InvitationRefused`) and leaves no trace."""
    check_password(password, email=invitation.email, full_name=invitation.full_name)
    now = utcnow()
    claimed = session.execute(
        update(Invitation)
        .where(
            col(Invitation.id) == invitation.id,
            col(Invitation.used_at).is_(None),
            col(Invitation.revoked_at).is_(None),
            col(Invitation.expires_at) > now,
        )
        .values(used_at=now)
    )
    if rowcount(claimed) != 1:
        session.rollback()
        raise InvitationRefused(Refusal.used)
    if invitation.purpose == Purpose.reset:
        user = session.get(User, invitation.user_id)
        if user is None:
            session.rollback()
            raise InvitationRefused(Refusal.revoked)
        user.password_hash = hash_password(password, password_profile)
        end_web_sessions(user)
        action = "user.password_reset"
    else:
        if get_by_email(session, email=invitation.email) is not None:
            session.rollback()
            raise Conflict(f"email: an account with e-mail {invitation.email} already exists")
        patient = session.get(Patient, invitation.patient_id) if invitation.patient_id else None
        if invitation.patient_id is not None and (patient is None or patient.user_id is not None):
            session.rollback()
            raise InvitationRefused(Refusal.revoked)
        user = User(
            email=invitation.email,
            full_name=invitation.full_name,
            role=invitation.role,
            locale=invitation.locale,
            password_hash=hash_password(password, password_profile),
        )
        session.add(user)
        session.flush()
        if patient is not None:
            patient.user_id = user.id
            session.add(patient)
        action = "invitation.accepted"
    session.add(user)
    session.flush()
    audit.record(
        session,
        action=action,
        actor=user,
        patient_id=invitation.patient_id,
        target_type="invitation",
        target_id=invitation.id,
        details={"role": user.role, "user_id": user.id},
        ip=ip,
    )
    session.commit()
    session.refresh(user)
    return user


def revoke(session: Session, *, actor: User, invitation_id: int, ip: str | None = None) -> Invitation:
    """Withdraw an open invitation (its creator's patient's therapist, or an administrator)."""
    row = session.get(Invitation, invitation_id)
    if row is None:
        raise NotFound(f"invitation {invitation_id} not found")
    if actor.role != Role.admin:
        patient = session.get(Patient, row.patient_id) if row.patient_id else None
        if patient is None or patient.therapist_id != actor.id:
            raise NotFound(f"invitation {invitation_id} not found")
    if row.used_at is None and row.revoked_at is None:
        row.revoked_at = utcnow()
        session.add(row)
        audit.record(
            session,
            action="invitation.revoked",
            actor=actor,
            patient_id=row.patient_id,
            target_type="invitation",
            target_id=row.id,
            ip=ip,
        )
        session.commit()
    return row


def open_invitations(session: Session, *, patient_id: int) -> list[Invitation]:
    """The patient's invitations not yet used, revoked or expired, newest first."""
    return list(
        session.exec(
            select(Invitation)
            .where(
                Invitation.patient_id == patient_id,
                col(Invitation.used_at).is_(None),
                col(Invitation.revoked_at).is_(None),
                col(Invitation.expires_at) > utcnow(),
            )
            .order_by(col(Invitation.created_at).desc())
        )
    )


def create_patient_account(
    session: Session,
    *,
    patient: Patient,
    email: str,
    password: str,
    full_name: str | None = None,
    locale: str | None = None,
    actor: User | None = None,
    password_profile: str = "default",
) -> User:
    """A patient account linked to ``patient`` at once (the command line's
    ``user create --role patient --patient CODE``); same checks as an accepted invitation."""
    if patient.user_id is not None:
        raise Conflict(f"patient {patient.code} already has an account")
    if locale not in (None, "en", "it"):
        raise Invalid("locale: expected en or it")
    email = _check_email_free(session, email)
    name = (full_name or patient.display_name or patient.code).strip()[:120]
    check_password(password, email=email, full_name=name)
    user = User(
        email=email,
        full_name=name,
        role=Role.patient,
        locale=locale,
        password_hash=hash_password(password, password_profile),
    )
    session.add(user)
    session.flush()
    patient.user_id = user.id
    session.add(patient)
    audit.record(
        session,
        action="user.created",
        actor=actor,
        patient_id=patient.id,
        target_type="user",
        target_id=user.id,
        details={"email": email, "role": Role.patient.value, "patient": patient.code},
    )
    session.commit()
    session.refresh(user)
    return user
