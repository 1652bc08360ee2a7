"""State every hub and worker process shares when Redis is not configured."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from .base import created_field


class SharedLock(SQLModel, table=True):
    """A named lease held by one process until ``expires_at`` (e.g. the once-a-minute job
    tick, so K workers run it once, not K times); see :mod:`smarttouch.platform.storage.shared`."""

    __tablename__ = "shared_lock"

    name: str = Field(primary_key=True, max_length=100)
    holder: str = Field(max_length=200)
    expires_at: datetime = created_field()
