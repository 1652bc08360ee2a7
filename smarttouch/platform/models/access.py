"""Reads of patients' records: who looked at what, and when (the patient can see it)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import event
from sqlmodel import Field, SQLModel

from .audit import AuditEventImmutable
from .base import created_field


class RecordAccess(SQLModel, table=True):
    """One read of a patient's record by a staff member (therapist or administrator).

    ``what`` is a kind of read from :data:`smarttouch.platform.services.rights.access_log.KINDS`
    (``patient_page``, ``report_pdf``, ``fhir_export``...); ``target_id`` the session or
    assignment read, when the read is about one; ``detail`` a short fact such as the report's
    period. Rows are only ever added: the ORM refuses to change or delete one (like the audit
    trail). They go with the patient on erasure (the database's cascade): the erasure itself
    stays in the audit trail.
    """

    __tablename__ = "record_access"

    id: int | None = Field(default=None, primary_key=True)
    patient_id: int = Field(foreign_key="patient.id", index=True, ondelete="CASCADE")
    actor_id: int | None = Field(default=None, foreign_key="user_account.id", index=True, ondelete="SET NULL")
    actor_role: str = Field(max_length=16)
    what: str = Field(max_length=32)
    target_id: int | None = None
    detail: str = Field(default="", max_length=64)
    via: str = Field(default="web", max_length=8, description="web or api")
    ip: str | None = Field(default=None, max_length=45)
    created_at: datetime = created_field(index=True)


@event.listens_for(RecordAccess, "before_update")
def _no_update(mapper: object, connection: object, target: RecordAccess) -> None:
    raise AuditEventImmutable(f"record access {target.id} is append-only")


@event.listens_for(RecordAccess, "before_delete")
def _no_delete(mapper: object, connection: object, target: RecordAccess) -> None:
    raise AuditEventImmutable(f"record access {target.id} is append-only")
