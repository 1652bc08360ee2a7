"""Approved analyzer solutions chosen to score sessions, and their runs over sessions.

The hub's own analysis (``SessionMetricsRecord``) stays authoritative; an analyzer's outputs are
kept beside it, one :class:`AnalyzerRun` per (session, submission).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from .base import created_field, json_field, sha256_field, text_field, time_field


class AnalyzerChoice(SQLModel, table=True):
    """For one movement: the approved analyzer submission that also scores its sessions."""

    __tablename__ = "analyzer_choice"

    id: int | None = Field(default=None, primary_key=True)
    movement: str = Field(max_length=48, unique=True, index=True)
    submission_id: int = Field(foreign_key="submission.id", index=True, ondelete="CASCADE")
    chosen_by_id: int | None = Field(default=None, foreign_key="user_account.id", ondelete="SET NULL")
    chosen_at: datetime = created_field()


class AnalyzerRun(SQLModel, table=True):
    """One sandboxed run of an approved analyzer over one exercise session's recording."""

    __tablename__ = "analyzer_run"
    __table_args__ = (sa.UniqueConstraint("session_id", "submission_id"),)

    id: int | None = Field(default=None, primary_key=True)
    session_id: int = Field(foreign_key="exercise_session.id", index=True, ondelete="CASCADE")
    submission_id: int = Field(foreign_key="submission.id", index=True, ondelete="CASCADE")
    code_sha256: str = sha256_field()
    status: str = Field(default="queued", max_length=16, index=True)
    failure_reason: str | None = Field(default=None, max_length=64)
    message: str = text_field()
    outputs: dict[str, Any] = json_field()
    attempts: int = Field(default=0)
    lease_token: str | None = Field(default=None, max_length=120)
    lease_expires_at: datetime | None = time_field()
    created_at: datetime = created_field()
    started_at: datetime | None = time_field()
    finished_at: datetime | None = time_field()
