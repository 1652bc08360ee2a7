"""Clinical alerts raised for a patient: one open alert per patient and concern.

A *concern* is what an alert is about, as a stable string whose part before the first ``:``
names the source that raises it (``no_session``, ``pain_stop``, ``decline:rom``,
``decline:smoothness``, ...; see :mod:`smarttouch.platform.services.clinic.alerts`). At most
one alert per patient and concern is open (neither acknowledged nor resolved): a partial
unique index holds it on SQLite and PostgreSQL. A finding seen again updates the open alert;
a condition that clears resolves it with a note (``resolved_at``, ``resolution_note``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from .base import created_field, json_field, text_field, time_field

OPEN_CONDITION = sa.text("acknowledged_at IS NULL AND resolved_at IS NULL")


class Alert(SQLModel, table=True):
    __table_args__ = (
        sa.Index(
            "uq_alert_open_concern",
            "patient_id",
            "concern",
            unique=True,
            sqlite_where=OPEN_CONDITION,
            postgresql_where=OPEN_CONDITION,
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    patient_id: int = Field(foreign_key="patient.id", index=True, ondelete="CASCADE")
    kind: str = Field(max_length=32)
    concern: str = Field(default="", max_length=64)
    message: str = text_field()
    details: dict[str, Any] = json_field()
    session_id: int | None = Field(default=None, foreign_key="exercise_session.id", ondelete="SET NULL")
    created_at: datetime = created_field(index=True)
    updated_at: datetime | None = time_field()
    acknowledged_by_id: int | None = Field(default=None, foreign_key="user_account.id", ondelete="SET NULL")
    acknowledged_at: datetime | None = time_field()
    acknowledge_note: str = text_field()
    resolved_at: datetime | None = time_field()
    resolution_note: str = text_field()

    @property
    def is_open(self) -> bool:
        return self.acknowledged_at is None and self.resolved_at is None
