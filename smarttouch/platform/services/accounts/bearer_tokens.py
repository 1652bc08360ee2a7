"""What device tokens (``stt_``) and developers' API tokens (``stp_``) share: only the SHA-256
of a secret is stored, a token is looked up by that digest after a cheap shape check, a
revoked row never matches, and the "last used" time is written at most once a minute (to
spare the database on every request)."""

from __future__ import annotations

import hashlib
from datetime import timedelta
from typing import Any, TypeVar

from sqlalchemy import update
from sqlmodel import Session, col, select

from ...models import ApiToken, Device, utcnow

#: How stale a "last used" time may get before a request writes it again.
LAST_USED_RESOLUTION = timedelta(minutes=1)
MAX_TOKEN_CHARS = 200

#: the two token tables: both have ``token_hash`` and ``is_revoked``
Row = TypeVar("Row", ApiToken, Device)


def digest(secret: str) -> str:
    """SHA-256 hex digest of a token or code: what the database stores instead of it."""
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def well_formed(token: str, prefix: str) -> bool:
    """Whether ``token`` has the shape of one of ours (checked before any lookup)."""
    return token.startswith(prefix) and len(token) <= MAX_TOKEN_CHARS


def find_unrevoked(session: Session, model: type[Row], *, token: str, prefix: str) -> Row | None:
    """The unrevoked ``model`` row (a table with ``token_hash`` and ``is_revoked``) whose token
    is ``token``; None for a token of the wrong shape, an unknown one or a revoked one."""
    if not well_formed(token, prefix):
        return None
    row = session.exec(
        select(model).where(col(model.token_hash) == digest(token)).execution_options(populate_existing=True)
    ).first()
    if row is None or row.is_revoked:
        return None
    return row


def touch_last_used(session: Session, row: Any, field: str) -> None:
    """Set ``row.<field>`` to now and commit, unless it was already set less than
    :data:`LAST_USED_RESOLUTION` ago."""
    now = utcnow()
    last = getattr(row, field)
    if last is not None and now - last < LAST_USED_RESOLUTION:
        return
    model = type(row)
    session.execute(update(model).where(col(model.id) == row.id).values({field: now}))
    session.commit()
    setattr(row, field, now)
