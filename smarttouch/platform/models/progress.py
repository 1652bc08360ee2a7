"""A patient's lasting game progress (worlds, weekly goal, daily challenge), as the patient's
client last uploaded it with a session; given back to a reinstalled client."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import Field, SQLModel

from .base import UTCDateTime, created_field, json_field


class GameProgress(SQLModel, table=True):
    __tablename__ = "game_progress"

    id: int | None = Field(default=None, primary_key=True)
    patient_id: int = Field(foreign_key="patient.id", unique=True, ondelete="CASCADE")
    state: dict[str, Any] = json_field()
    client_updated_at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    session_uuid: str = Field(default="", max_length=36, description="the upload that brought it")
    received_at: datetime = created_field()
