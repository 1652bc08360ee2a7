"""Developers join by themselves: sign-up with e-mail verification, and password reset by
e-mail for every account.

Links sent by e-mail are invitation rows (:mod:`.invitations`) of purpose ``verify`` or
``forgot``, bound to the account (``user_id``): only the SHA-256 of the secret is stored, a
link works once (it is claimed with an atomic ``UPDATE ... WHERE used_at IS NULL``) and
expires (:data:`VERIFY_TTL`, :data:`RESET_TTL`); a newer link of the same kind makes the
older unused ones expire, and an administrator may revoke one. Their secrets start with
:data:`TOKEN_PREFIX`; the typed code every invitation row has is never shown for them, and
the pages that take a typed code do not take these purposes.

Nobody learns from these pages whether an e-mail address has an account: sign-up and reset
answer the same way, send one message either way ("verify your address" or "you already
have an account"; "reset your password" or "there is no account for this address") and hash
a password on both paths of the sign-up, so the answer takes comparable time. Attempts are
limited per e-mail address and per client address with the login throttle's counters
(:mod:`.throttle`), under keys of their own.

The messages' wording comes from the caller (``compose``), so the view can write them in the
page's language; links come from ``link`` (absolute URLs on the hub's ``BASE_URL``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import update
from sqlmodel import Session, col, select

from ...models import Invitation, Role, User, UserCreate, rowcount, utcnow
from .. import audit
from ..errors import Invalid, ServiceError
from ..mail import send_mail
from . import invitations, throttle, users
from .bearer_tokens import MAX_TOKEN_CHARS
from .invitations import InvitationRefused, Purpose, Refusal
from .password_policy import check_password
from .passwords import hash_password

VERIFY_TTL = timedelta(hours=48)
RESET_TTL = timedelta(hours=1)
#: Sign-ups and reset requests: 5 per e-mail address and 25 per client address an hour.
ATTEMPTS_POLICY = throttle.ThrottlePolicy(free=5, lock=5, lock_minutes=60)
TOKEN_PREFIX = "stl_"

#: (kind of message, link or None) -> (subject, text). Kinds: ``verify``, ``registered``
#: (a second sign-up), ``reset``, ``reset_unknown`` (no account), ``reset_disabled``.
Compose = Callable[[str, str | None], tuple[str, str]]
#: (page, token or None) -> absolute URL. Pages: ``verify``, ``reset``, ``forgot``, ``login``.
LinkFor = Callable[[str, str | None], str]


class Throttled(ServiceError):
    """Too many sign-ups or reset requests for this address or from this client."""

    status = 429
    code = "rate_limited"

    def __init__(self, message: str, retry_after_s: int) -> None:
        super().__init__(message)
        self.retry_after_s = retry_after_s


class LinkInvalid(Invalid):
    """A verification or reset link that is unknown (or tampered with), used, or expired;
    ``reason`` says which."""

    def __init__(self, reason: str) -> None:
        super().__init__(f"link: {reason}")
        self.reason = reason


def _attempt(session: Session, *, action: str, email: str, ip: str | None, now: datetime) -> None:
    """Count one attempt of ``action`` for ``email`` and ``ip``; :class:`Throttled` when over."""
    keys = [f"{action}:{email.strip().lower()[:254]}"]
    if ip:
        keys.append(f"ip:{action}:{ip}")
    verdict = throttle.check(session, keys=keys, now=now, policy=ATTEMPTS_POLICY)
    if not verdict.allowed:
        audit.record(
            session, action=f"{action}.throttled", details={"email": email.strip().lower()[:254]}, ip=ip
        )
        session.commit()
        raise Throttled(f"too many attempts: try again in {verdict.retry_after_s} s", verdict.retry_after_s)
    throttle.record_failure(session, keys=keys, now=now, policy=ATTEMPTS_POLICY)


def _new_link(session: Session, *, user: User, purpose: Purpose, ttl: timedelta, now: datetime) -> str:
    """A fresh single-use link secret for ``user``; older unused links of ``purpose`` expire."""
    session.execute(
        update(Invitation)
        .where(
            col(Invitation.user_id) == user.id,
            col(Invitation.purpose) == purpose,
            col(Invitation.used_at).is_(None),
            col(Invitation.expires_at) > now,
        )
        .values(expires_at=now)
    )
    return invitations.issue_for_account(
        session, purpose=purpose, user=user, now=now, ttl=ttl, prefix=TOKEN_PREFIX
    ).token


def find_link(session: Session, *, token: str, purpose: Purpose, now: datetime | None = None) -> Invitation:
    """The usable link of ``purpose`` whose secret is ``token`` (not consumed);
    :class:`LinkInvalid` for an unknown, tampered, used or expired (or revoked) one."""
    if not token.startswith(TOKEN_PREFIX) or len(token) > MAX_TOKEN_CHARS:
        raise LinkInvalid("unknown")
    try:
        return invitations.find(session, token=token, purposes=(purpose,), now=now)
    except InvitationRefused as exc:
        raise LinkInvalid("expired" if exc.reason == Refusal.revoked else exc.reason.value) from None


def _claim(session: Session, row: Invitation, now: datetime) -> None:
    claimed = session.execute(
        update(Invitation)
        .where(
            col(Invitation.id) == row.id,
            col(Invitation.used_at).is_(None),
            col(Invitation.revoked_at).is_(None),
        )
        .values(used_at=now)
    )
    if rowcount(claimed) != 1:
        session.rollback()
        raise LinkInvalid("used")


def _mail(settings: Mapping[str, Any], to: str, compose: Compose, kind: str, link: str | None) -> None:
    subject, text = compose(kind, link)
    send_mail(settings, to=to, subject=subject, text=text)


def sign_up(
    session: Session,
    *,
    full_name: str,
    email: str,
    password: str,
    locale: str | None,
    settings: Mapping[str, Any],
    compose: Compose,
    link: LinkFor,
    ip: str | None = None,
    password_profile: str = "default",
    now: datetime | None = None,
) -> None:
    """A developer signs up: a new inactive account and a verification link by e-mail.

    When the address already has an account, nothing changes and the message says so (an
    account still waiting for verification gets a fresh link instead). Raises
    :class:`~..errors.Invalid` (name, e-mail), :class:`.WeakPassword`, :class:`Throttled`,
    :class:`~..mail.MailError`; nothing is stored on any of them but the attempt counter."""
    now = now or utcnow()
    data = users.validate_user(
        email=email, full_name=full_name, role=Role.developer, password=password, locale=locale
    )
    check_password(data.password, email=data.email, full_name=data.full_name)
    _attempt(session, action="signup", email=data.email, ip=ip, now=now)
    password_hash = hash_password(data.password, password_profile)  # on both paths: same cost
    existing = users.get_by_email(session, email=data.email)
    if existing is None:
        user = _create_inactive(session, data=data, password_hash=password_hash, ip=ip)
        kind, token = (
            "verify",
            _new_link(session, user=user, purpose=Purpose.verify, ttl=VERIFY_TTL, now=now),
        )
    elif not existing.is_active and existing.email_verified_at is None and _pending_signup(session, existing):
        user, kind = existing, "verify"
        token = _new_link(session, user=user, purpose=Purpose.verify, ttl=VERIFY_TTL, now=now)
        audit.record(
            session, action="signup.link_resent", actor=None, target_type="user", target_id=user.id, ip=ip
        )
    else:
        user, kind, token = existing, "registered", None
        audit.record(session, action="signup.duplicate", target_type="user", target_id=user.id, ip=ip)
    session.commit()
    _mail(settings, user.email, compose, kind, link("verify", token) if token else link("forgot", None))


def _pending_signup(session: Session, user: User) -> bool:
    """Whether ``user`` is a sign-up that never verified (not an account an operator disabled)."""
    return (
        session.exec(
            select(Invitation.id).where(Invitation.user_id == user.id, Invitation.purpose == Purpose.verify)
        ).first()
        is not None
    )


def _create_inactive(session: Session, *, data: UserCreate, password_hash: str, ip: str | None) -> User:
    user = User(
        email=data.email,
        full_name=data.full_name,
        role=Role.developer,
        locale=data.locale,
        password_hash=password_hash,
        is_active=False,
    )
    session.add(user)
    session.flush()
    audit.record(
        session,
        action="user.signed_up",
        actor=None,
        target_type="user",
        target_id=user.id,
        details={"email": user.email, "role": user.role},
        ip=ip,
    )
    return user


def verify_email(session: Session, *, token: str, ip: str | None = None, now: datetime | None = None) -> User:
    """Follow a verification link: the account becomes active. :class:`LinkInvalid` otherwise."""
    now = now or utcnow()
    row = find_link(session, token=token, purpose=Purpose.verify, now=now)
    _claim(session, row, now)
    user = session.get(User, row.user_id)
    if user is None:  # pragma: no cover - the link cascades with its account
        raise LinkInvalid("unknown")
    user.is_active = True
    user.email_verified_at = now
    session.add(user)
    audit.record(
        session, action="user.email_verified", actor=user, target_type="user", target_id=user.id, ip=ip
    )
    session.commit()
    session.refresh(user)
    return user


def request_reset(
    session: Session,
    *,
    email: str,
    settings: Mapping[str, Any],
    compose: Compose,
    link: LinkFor,
    ip: str | None = None,
    now: datetime | None = None,
) -> None:
    """Someone asks for a password reset for ``email``: one message goes to that address,
    whatever the account's state (a reset link; a verification link for a sign-up not
    verified yet; "this account is disabled"; "there is no account for this address").
    Raises :class:`~..errors.Invalid` for a malformed address, :class:`Throttled`."""
    now = now or utcnow()
    try:
        address = users.validate_user(email=email, full_name="x", role=Role.developer, password="").email
    except Invalid:
        raise Invalid("email: not a valid e-mail address") from None
    _attempt(session, action="reset", email=address, ip=ip, now=now)
    user = users.get_by_email(session, email=address)
    token: str | None = None
    if user is None:
        kind = "reset_unknown"
    elif user.is_active:
        kind, token = (
            "reset",
            _new_link(session, user=user, purpose=Purpose.forgot, ttl=RESET_TTL, now=now),
        )
    elif user.email_verified_at is None and _pending_signup(session, user):
        kind, token = (
            "verify",
            _new_link(session, user=user, purpose=Purpose.verify, ttl=VERIFY_TTL, now=now),
        )
    else:
        kind = "reset_disabled"
    audit.record(
        session,
        action="password_reset.requested",
        target_type="user" if user else None,
        target_id=user.id if user else None,
        details={"email": address, "sent": kind},
        ip=ip,
    )
    session.commit()
    page = {"reset": "reset", "verify": "verify"}.get(kind)
    _mail(settings, address, compose, kind, link(page, token) if page else link("login", None))


def reset_password(
    session: Session,
    *,
    token: str,
    password: str,
    ip: str | None = None,
    password_profile: str = "default",
    now: datetime | None = None,
) -> User:
    """Set a new password through a reset link: every web login of the account ends.
    :class:`LinkInvalid` or :class:`.WeakPassword` (the link stays usable) otherwise."""
    now = now or utcnow()
    row = find_link(session, token=token, purpose=Purpose.forgot, now=now)
    user = session.get(User, row.user_id)
    if user is None or not user.is_active:
        raise LinkInvalid("unknown")
    check_password(password, email=user.email, full_name=user.full_name)
    _claim(session, row, now)
    audit.record(
        session, action="password_reset.done", actor=user, target_type="user", target_id=user.id, ip=ip
    )
    return users.set_password(
        session, user=user, password=password, actor=user, password_profile=password_profile, ip=ip
    )
