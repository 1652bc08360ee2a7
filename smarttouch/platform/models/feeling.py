"""How a patient felt around a session: pain (0-10 NRS) and effort (Borg CR10), before and
after, as rated in the game (one row per question asked; a skipped question has no value)."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from .base import created_field, time_field

FEELING_MOMENTS = ("before", "after")
FEELING_SCALES = ("pain_nrs", "effort_cr10")


class SessionFeeling(SQLModel, table=True):
    """One rating: ``moment`` before/after the session, ``scale`` pain_nrs (0 = no pain,
    10 = worst imaginable) or effort_cr10 (Borg CR10, 0 = nothing at all, 10 = maximal),
    ``value`` 0..10 or None when ``skipped``; ``rated_at`` when the patient answered (UTC)."""

    __tablename__ = "session_feeling"
    __table_args__ = (sa.UniqueConstraint("session_id", "moment", "scale"),)

    id: int | None = Field(default=None, primary_key=True)
    session_id: int = Field(foreign_key="exercise_session.id", index=True, ondelete="CASCADE")
    patient_id: int = Field(foreign_key="patient.id", index=True, ondelete="CASCADE")
    moment: str = Field(max_length=8)
    scale: str = Field(max_length=16)
    value: int | None = None
    skipped: bool = False
    rated_at: datetime | None = time_field()
    created_at: datetime = created_field()
