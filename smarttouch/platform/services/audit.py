"""Writing and reading the append-only audit trail.

:func:`record` only adds the event to the session: the caller's commit makes it part of the
same transaction as the change it describes, so a change never lands without its audit line.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from ..models import AuditEvent, User, table_of, utcnow


def _jsonable(value: Any) -> Any:
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    return value


def event_values(
    *,
    action: str,
    actor: User | None,
    patient_id: int | None,
    target_type: str | None,
    target_id: int | None,
    details: dict[str, Any] | None,
    ip: str | None,
) -> dict[str, Any]:
    """The column values of an audit event but ``id`` and ``created_at`` (for Core INSERTs)."""
    return {
        "actor_id": actor.id if actor is not None else None,
        "actor_email": actor.email if actor is not None else None,
        "action": action,
        "patient_id": patient_id,
        "target_type": target_type,
        "target_id": target_id,
        "details": _jsonable(details or {}),
        "ip": ip,
    }


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
        **event_values(
            action=action,
            actor=actor,
            patient_id=patient_id,
            target_type=target_type,
            target_id=target_id,
            details=details,
            ip=ip,
        )
    )
    session.add(event)
    return event


#: the INSERT of :func:`write`, built once (its values are bound per call)
_INSERT = sa.insert(table_of(AuditEvent))


def write(
    session: Session,
    *,
    action: str,
    actor: User | None = None,
    patient_id: int | None = None,
    target_type: str | None = None,
    target_id: int | None = None,
    details: dict[str, Any] | None = None,
    ip: str | None = None,
) -> None:
    """:func:`record` as one INSERT run now in ``session``'s transaction (not committed): the
    same row, without an ORM object to flush (a scoring job writes one for every session)."""
    values = event_values(
        action=action,
        actor=actor,
        patient_id=patient_id,
        target_type=target_type,
        target_id=target_id,
        details=details,
        ip=ip,
    )
    session.execute(_INSERT, {**values, "created_at": utcnow()})


def events_for_patient(
    session: Session, *, patient_id: int, prefix: str | None = None, limit: int = 200
) -> list[AuditEvent]:
    """Newest first; ``prefix`` filters actions such as ``"plan."``."""
    stmt = select(AuditEvent).where(AuditEvent.patient_id == patient_id)
    if prefix:
        stmt = stmt.where(col(AuditEvent.action).startswith(prefix))
    stmt = stmt.order_by(col(AuditEvent.created_at).desc(), col(AuditEvent.id).desc())
    return list(session.exec(stmt.limit(limit)))
