"""The append-only audit trail and the login-throttle counters."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import event
from sqlmodel import Field, SQLModel

from .base import created_field, json_field, time_field


class AuditEventImmutable(RuntimeError):
    """Raised when code tries to change or delete an audit event."""


class AuditEvent(SQLModel, table=True):
    """Who did what, when, about which patient.

    Actor and patient ids are plain integers (no foreign keys) so the trail outlives the
    accounts and records it mentions, e.g. after a patient's erasure.
    """

    __tablename__ = "audit_event"

    id: int | None = Field(default=None, primary_key=True)
    actor_id: int | None = Field(default=None, index=True)
    actor_email: str | None = Field(default=None, max_length=254)
    action: str = Field(max_length=64, index=True)
    patient_id: int | None = Field(default=None, index=True)
    target_type: str | None = Field(default=None, max_length=32)
    target_id: int | None = None
    details: dict[str, Any] = json_field()
    ip: str | None = Field(default=None, max_length=45)
    created_at: datetime = created_field(index=True)


@event.listens_for(AuditEvent, "before_update")
def _no_update(mapper: object, connection: object, target: AuditEvent) -> None:
    raise AuditEventImmutable(f"audit event {target.id} is append-only")


@event.listens_for(AuditEvent, "before_delete")
def _no_delete(mapper: object, connection: object, target: AuditEvent) -> None:
    raise AuditEventImmutable(f"audit event {target.id} is append-only")


class LoginThrottle(SQLModel, table=True):
    """Failed-login counter for one key (``account:<email>`` or ``ip:<address>``)."""

    __tablename__ = "login_throttle"

    key: str = Field(primary_key=True, max_length=300)
    failures: int = 0
    first_failure_at: datetime = created_field()
    last_failure_at: datetime = created_field()
    locked_until: datetime | None = time_field()
