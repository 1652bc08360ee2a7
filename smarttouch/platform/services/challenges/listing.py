"""Read side of challenges for the hub's pages (the challenges room fills in the rest)."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, col, select

from ...models import Challenge


def list_open_challenges(session: Session, *, now: datetime) -> list[Challenge]:
    """Published challenges open at ``now`` (aware UTC), closing soonest first."""
    stmt = (
        select(Challenge)
        .where(col(Challenge.is_published).is_(True))
        .where((col(Challenge.opens_at).is_(None)) | (col(Challenge.opens_at) <= now))
        .where((col(Challenge.closes_at).is_(None)) | (col(Challenge.closes_at) > now))
        .order_by(col(Challenge.closes_at).is_(None), col(Challenge.closes_at), col(Challenge.title))
    )
    return list(session.exec(stmt))
