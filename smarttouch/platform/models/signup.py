"""Developers who join by themselves: single-use e-mail links (verification, password reset)
and their acceptances of challenges' data-use terms."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from .base import UTCDateTime, created_field, sha256_field, time_field


class LinkPurpose(StrEnum):
    verify = "verify"
    reset = "reset"


class EmailLink(SQLModel, table=True):
    """A link sent by e-mail: only the SHA-256 of its secret is stored; it works once, until
    ``expires_at``."""

    __tablename__ = "email_link"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user_account.id", index=True, ondelete="CASCADE")
    purpose: str = Field(max_length=16)
    token_hash: str = sha256_field(unique=True, index=True)
    created_at: datetime = created_field()
    expires_at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    used_at: datetime | None = time_field()


class TermsAcceptance(SQLModel, table=True):
    """A developer accepted version ``terms_version`` of a challenge's data-use terms."""

    __tablename__ = "terms_acceptance"
    __table_args__ = (sa.UniqueConstraint("user_id", "challenge_id", "terms_version"),)

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user_account.id", index=True, ondelete="CASCADE")
    challenge_id: int = Field(foreign_key="challenge.id", index=True, ondelete="CASCADE")
    terms_version: int
    accepted_at: datetime = created_field()
    ip: str | None = Field(default=None, max_length=45)
