"""Developers' personal API tokens, for ``smarttouch challenge submit DIR --hub URL``.

A token is ``stp_`` + 43 URL-safe characters (256 random bits). Only its SHA-256 is stored,
so a stolen database does not hold usable tokens; the token is shown once at creation.
Revoking is final and takes effect on the next request.
"""

from __future__ import annotations

import secrets

from sqlmodel import Session, col, select

from ...models import ApiToken, Role, User, pk, utcnow
from .. import audit
from ..errors import Forbidden, Invalid, NotFound
from .bearer_tokens import digest, find_unrevoked, touch_last_used

TOKEN_PREFIX = "stp_"
MAX_ACTIVE_TOKENS = 10


def create_token(
    session: Session, *, user: User, label: str = "", ip: str | None = None
) -> tuple[str, ApiToken]:
    """A new token for developer ``user``; returns (the token, shown once; its row)."""
    if user.role != Role.developer:
        raise Forbidden("only developers have personal API tokens")
    label = label.strip()
    if len(label) > 120:
        raise Invalid("label: at most 120 characters")
    active = session.exec(
        select(ApiToken).where(ApiToken.user_id == user.id, col(ApiToken.revoked_at).is_(None))
    ).all()
    if len(active) >= MAX_ACTIVE_TOKENS:
        raise Invalid(f"you already have {MAX_ACTIVE_TOKENS} active tokens: revoke one first")
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    row = ApiToken(user_id=pk(user), label=label, token_hash=digest(token), token_prefix=token[:12])
    session.add(row)
    session.flush()
    audit.record(
        session,
        action="api_token.created",
        actor=user,
        target_type="api_token",
        target_id=row.id,
        details={"prefix": row.token_prefix, "label": label},
        ip=ip,
    )
    session.commit()
    session.refresh(row)
    return token, row


def list_tokens(session: Session, *, user: User) -> list[ApiToken]:
    """The user's tokens, newest first (revoked ones included)."""
    return list(
        session.exec(
            select(ApiToken)
            .where(ApiToken.user_id == user.id)
            .order_by(col(ApiToken.created_at).desc(), col(ApiToken.id).desc())
        )
    )


def revoke_token(session: Session, *, user: User, token_id: int, ip: str | None = None) -> ApiToken:
    """Revoke one of the user's own tokens (404 for anyone else's). Idempotent."""
    row = session.get(ApiToken, token_id)
    if row is None or row.user_id != user.id:
        raise NotFound(f"no token {token_id}")
    if row.revoked_at is None:
        row.revoked_at = utcnow()
        session.add(row)
        audit.record(
            session,
            action="api_token.revoked",
            actor=user,
            target_type="api_token",
            target_id=row.id,
            details={"prefix": row.token_prefix},
            ip=ip,
        )
        session.commit()
        session.refresh(row)
    return row


def user_for_token(session: Session, *, token: str) -> User | None:
    """The active developer holding the unrevoked ``token``, else None."""
    row = find_unrevoked(session, ApiToken, token=token, prefix=TOKEN_PREFIX)
    if row is None:
        return None
    user = session.get(User, row.user_id)
    if user is None or not user.is_active or user.role != Role.developer:
        return None
    touch_last_used(session, row, "last_used_at")
    return user
