"""Clinical needs: what a therapist asks the hub's developers for, the therapists who support
it, and its discussion thread. A need holds no patient identity (the service refuses text that
names one of the author's patients)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from .base import created_field, text_field, time_field


class NeedStatus(StrEnum):
    """proposed -> accepted -> challenge (turned into a challenge) -> answered (a solution of
    that challenge entered the catalogue); proposed or accepted -> declined (with a reason)."""

    proposed = "proposed"
    accepted = "accepted"
    challenge = "challenge"
    declined = "declined"
    answered = "answered"


class ClinicalNeed(SQLModel, table=True):
    """A need a therapist filed: the condition and movement it concerns, the problem, what
    success would look like and the data that could help."""

    __tablename__ = "clinical_need"

    id: int | None = Field(default=None, primary_key=True)
    condition: str = Field(max_length=32, index=True)
    movement: str | None = Field(default=None, max_length=48)
    problem: str = text_field()
    success: str = text_field()
    data_help: str = text_field()
    status: str = Field(default=NeedStatus.proposed, max_length=16, index=True)
    decline_reason: str = text_field()
    proposer_id: int | None = Field(
        default=None, foreign_key="user_account.id", index=True, ondelete="SET NULL"
    )
    challenge_id: int | None = Field(
        default=None, foreign_key="challenge.id", index=True, ondelete="SET NULL"
    )
    """the challenge the need was turned into (a draft or a published one)"""
    solution_id: int | None = Field(default=None, foreign_key="solution.id", ondelete="SET NULL")
    """the catalogue entry that answered the need"""
    created_at: datetime = created_field(index=True)
    status_changed_at: datetime | None = time_field()
    answered_at: datetime | None = time_field()


class NeedSupport(SQLModel, table=True):
    """A therapist's +1 on a need; it subscribes them to the need's news."""

    __tablename__ = "need_support"
    __table_args__ = (sa.UniqueConstraint("need_id", "user_id"),)

    id: int | None = Field(default=None, primary_key=True)
    need_id: int = Field(foreign_key="clinical_need.id", index=True, ondelete="CASCADE")
    user_id: int = Field(foreign_key="user_account.id", index=True, ondelete="CASCADE")
    created_at: datetime = created_field()


class NeedMessage(SQLModel, table=True):
    """One message of a need's discussion (therapists and challenge managers)."""

    __tablename__ = "need_message"

    id: int | None = Field(default=None, primary_key=True)
    need_id: int = Field(foreign_key="clinical_need.id", index=True, ondelete="CASCADE")
    author_id: int | None = Field(default=None, foreign_key="user_account.id", ondelete="SET NULL")
    body: str = text_field()
    created_at: datetime = created_field(index=True)
