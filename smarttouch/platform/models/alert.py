"""Clinical alerts raised for a patient (no sessions, decline, stopped for pain)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import Field, SQLModel

from .base import created_field, json_field, text_field, time_field


class Alert(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    patient_id: int = Field(foreign_key="patient.id", index=True, ondelete="CASCADE")
    kind: str = Field(max_length=32)
    message: str = text_field()
    details: dict[str, Any] = json_field()
    session_id: int | None = Field(default=None, foreign_key="exercise_session.id", ondelete="SET NULL")
    created_at: datetime = created_field(index=True)
    acknowledged_by_id: int | None = Field(default=None, foreign_key="user_account.id", ondelete="SET NULL")
    acknowledged_at: datetime | None = time_field()
