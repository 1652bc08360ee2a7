"""Writing and reading the append-only audit trail.

:func:`record` only adds the event to the session: the caller's commit makes it part of the
same transaction as the change it describes, so a change never lands without its audit line.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlmodel import Session, col, select

from ..models import AuditEvent, User


def _jsonable(value: Any) -> Any:
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    return value


def record(
    session: Session,
    *,
    action: str,
    actor: User | None = None,
    patient_id: int | None = None,
    target_type: str | None = None,
    target_id: int | None = None,
    details: dict[str, Any] | None = None,
    ip: str | None = None,
) -> AuditEvent:
    """Add an audit event to ``session`` (not committed)."""
    event = AuditEvent(
        actor_id=actor.id if actor is not None else None,
        actor_email=actor.email if actor is not None else None,
        action=action,
        patient_id=patient_id,
        target_type=target_type,
        target_id=target_id,
        details=_jsonable(details or {}),
        ip=ip,
    )
    session.add(event)
    return event


def events_for_patient(
    session: Session, *, patient_id: int, prefix: str | None = None, limit: int = 200
) -> list[AuditEvent]:
    """Newest first; ``prefix`` filters actions such as ``"plan."``."""
    stmt = select(AuditEvent).where(AuditEvent.patient_id == patient_id)
    if prefix:
        stmt = stmt.where(col(AuditEvent.action).startswith(prefix))
    stmt = stmt.order_by(col(AuditEvent.created_at).desc(), col(AuditEvent.id).desc())
    return list(session.exec(stmt.limit(limit)))
