"""Developers' acceptances of challenges' data-use terms. (The single-use links a sign-up and a
password reset send by e-mail are :class:`.onboarding.Invitation` rows.)"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from .base import created_field


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
