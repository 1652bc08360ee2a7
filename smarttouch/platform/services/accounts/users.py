"""Accounts: creation, authentication, preferences."""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError
from sqlmodel import Session, col, func, select

from ...models import User, UserCreate, normalise_email, utcnow
from .. import audit
from ..errors import Conflict, Invalid, describe_validation_error
from .password_policy import check_password
from .passwords import dummy_hash, hash_password, needs_rehash, verify_password


class WrongPassword(Invalid):
    """The current password given to confirm a change is not the account's."""


def validate_user(**fields: Any) -> UserCreate:
    try:
        return UserCreate(**fields)
    except ValidationError as exc:
        raise Invalid(describe_validation_error(exc)) from None


def get_by_email(session: Session, *, email: str) -> User | None:
    try:
        email = normalise_email(email)
    except ValueError:
        return None
    return session.exec(select(User).where(User.email == email)).first()


def create_user(
    session: Session,
    *,
    data: UserCreate,
    actor: User | None = None,
    password_profile: str = "default",
    check_strength: bool = True,
) -> User:
    """Create an account with an argon2id password hash.

    The password must pass :func:`.password_policy.check_password` (:class:`WeakPassword`
    otherwise); only the demo seed passes ``check_strength=False``, for the demo accounts whose
    passwords are printed in the README anyway. :class:`Conflict` if the e-mail is taken."""
    if check_strength:
        check_password(data.password, email=data.email, full_name=data.full_name)
    if get_by_email(session, email=data.email) is not None:
        raise Conflict(f"an account with e-mail {data.email} already exists")
    user = User(
        email=data.email,
        full_name=data.full_name,
        role=data.role,
        is_reviewer=data.is_reviewer,
        is_challenge_manager=data.is_challenge_manager,
        locale=data.locale,
        password_hash=hash_password(data.password, password_profile),
    )
    session.add(user)
    session.flush()
    audit.record(
        session,
        action="user.created",
        actor=actor,
        target_type="user",
        target_id=user.id,
        details={"email": user.email, "role": user.role},
    )
    session.commit()
    session.refresh(user)
    return user


def authenticate(
    session: Session, *, email: str, password: str, password_profile: str = "default"
) -> User | None:
    """The active user with this e-mail and password, else None (same cost either way).

    Upgrades the stored hash when the configured argon2 parameters changed.
    """
    user = get_by_email(session, email=email)
    if user is None or not user.is_active:
        verify_password(dummy_hash(password_profile), password)
        return None
    if not verify_password(user.password_hash, password):
        return None
    if needs_rehash(user.password_hash, password_profile):
        user.password_hash = hash_password(password, password_profile)
    return user


def record_login(session: Session, *, user: User, ip: str | None) -> None:
    user.last_login_at = utcnow()
    session.add(user)
    audit.record(session, action="auth.login", actor=user, target_type="user", target_id=user.id, ip=ip)
    session.commit()


def end_web_sessions(user: User) -> None:
    """Raise the account's session version: every web login made before stops working on its
    next request (see :func:`smarttouch.platform.auth.access.load_login`). The caller commits."""
    user.session_version += 1


def record_logout(session: Session, *, user: User, ip: str | None) -> None:
    """Log out server-side: the account's logins (this cookie and any copy of it, and the
    account's other browsers) end, so a replayed cookie is refused."""
    end_web_sessions(user)
    session.add(user)
    audit.record(session, action="auth.logout", actor=user, target_type="user", target_id=user.id, ip=ip)
    session.commit()


def set_password(
    session: Session,
    *,
    user: User,
    password: str,
    actor: User | None,
    password_profile: str = "default",
    ip: str | None = None,
) -> User:
    """Give ``user`` a new password that passes the policy (:class:`WeakPassword`
    otherwise) and end every web login of the account; audited."""
    check_password(password, email=user.email, full_name=user.full_name)
    user.password_hash = hash_password(password, password_profile)
    end_web_sessions(user)
    session.add(user)
    audit.record(
        session, action="user.password_changed", actor=actor, target_type="user", target_id=user.id, ip=ip
    )
    session.commit()
    session.refresh(user)
    return user


def change_own_password(
    session: Session,
    *,
    user: User,
    current_password: str,
    new_password: str,
    password_profile: str = "default",
    ip: str | None = None,
) -> User:
    """The signed-in user's own change: the current password must be right
    (:class:`WrongPassword` otherwise), then as :func:`set_password`."""
    if not verify_password(user.password_hash, current_password):
        raise WrongPassword("current password: not correct")
    return set_password(
        session, user=user, password=new_password, actor=user, password_profile=password_profile, ip=ip
    )


def set_active(
    session: Session, *, user: User, active: bool, actor: User | None, ip: str | None = None
) -> User:
    """Enable or disable an account. Disabling ends its web logins at once; enabling does not
    revive them (the session version only goes up); audited."""
    user.is_active = active
    end_web_sessions(user)
    session.add(user)
    audit.record(
        session,
        action="user.activated" if active else "user.deactivated",
        actor=actor,
        target_type="user",
        target_id=user.id,
        ip=ip,
    )
    session.commit()
    session.refresh(user)
    return user


def record_failed_login(session: Session, *, email: str, ip: str | None, throttled: bool) -> None:
    audit.record(
        session,
        action="auth.login_throttled" if throttled else "auth.login_failed",
        details={"email": email.strip().lower()[:254]},
        ip=ip,
    )
    session.commit()


def set_locale(session: Session, *, user: User, locale: str | None) -> User:
    if locale is not None and locale not in {"en", "it"}:
        raise Invalid(f"unsupported language {locale!r}; expected en or it")
    user.locale = locale
    session.add(user)
    session.commit()
    return user


def list_users(session: Session) -> list[User]:
    return list(session.exec(select(User).order_by(col(User.role), col(User.email))))


def count_users(session: Session) -> int:
    return int(session.exec(select(func.count()).select_from(User)).one())
