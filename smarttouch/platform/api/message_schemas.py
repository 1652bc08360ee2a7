"""Device API models of the therapist's messages (shown by the game before the session)."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field


class MessageOut(BaseModel):
    id: int
    sent_at: datetime
    body: str = Field(description="the therapist's words, at most 2000 characters")
    read: bool = Field(description="the patient already read it (portal or game)")


class MessagesRead(BaseModel):
    """The game showed the therapist's messages up to ``up_to_id``."""

    model_config = ConfigDict(extra="ignore")

    up_to_id: int = Field(ge=1, le=2**31 - 1)


class MessagesReadOut(BaseModel):
    marked: int = Field(description="how many messages became read")
