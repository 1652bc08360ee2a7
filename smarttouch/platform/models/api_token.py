"""Personal API tokens of developers (``smarttouch challenge submit --token``).

Only the SHA-256 of a token is stored; the token itself is shown once, when it is created.
Revoking is final.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from .base import created_field, sha256_field, time_field


class ApiToken(SQLModel, table=True):
    """A bearer token acting for its user on the challenge API."""

    __tablename__ = "api_token"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user_account.id", index=True, ondelete="CASCADE")
    label: str = Field(default="", max_length=120)
    token_hash: str = sha256_field(unique=True, index=True)
    token_prefix: str = Field(max_length=12, description="first characters, to recognise it")
    created_at: datetime = created_field()
    last_used_at: datetime | None = time_field()
    revoked_at: datetime | None = time_field()

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None
