"""A patient's lasting game progress (``smarttouch.games.session.progress``), as the patient's
client uploads it with each session: the hub keeps the newest copy per patient and gives it
back to a client whose local folder is empty (a reinstall), so nothing the hub has is lost.

The hub does not interpret the worlds' points (they are the game's, not clinical figures);
it checks the document's shape and size, keeps the newest by the client's ``updated_at``,
and records the change in the audit trail.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import Session, select

from ...models import GameProgress
from ...models.base import utcnow
from .. import audit
from .upload import ProgressIn


def store_progress(
    session: Session, *, patient_id: int, progress: ProgressIn, session_uuid: str, ip: str | None = None
) -> bool:
    """Keep ``progress`` unless the hub already has a newer copy; True when it was stored.
    Commits its own unit of work with an audit line."""
    row = session.exec(select(GameProgress).where(GameProgress.patient_id == patient_id)).first()
    updated: datetime = progress.updated_at
    if row is not None and row.client_updated_at >= updated:
        return False
    if row is None:
        row = GameProgress(patient_id=patient_id, state={}, client_updated_at=updated)
    row.state = progress.document()
    row.client_updated_at = updated
    row.session_uuid = session_uuid
    row.received_at = utcnow()
    session.add(row)
    session.flush()
    audit.record(
        session,
        action="progress.stored",
        patient_id=patient_id,
        target_type="game_progress",
        target_id=row.id,
        details={"client_uuid": session_uuid, "games": sorted(progress.games)},
        ip=ip,
    )
    session.commit()
    return True


def progress_of(session: Session, *, patient_id: int) -> dict[str, Any] | None:
    """The newest progress document the hub has for the patient, or None."""
    row = session.exec(select(GameProgress).where(GameProgress.patient_id == patient_id)).first()
    return dict(row.state) if row is not None else None
