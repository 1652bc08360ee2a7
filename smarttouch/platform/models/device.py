"""Patient devices (home PCs running the game) and the one-time codes that pair them."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from .base import UTCDateTime, created_field, sha256_field, time_field


class Device(SQLModel, table=True):
    """A paired client. Only the SHA-256 of its bearer token is stored; revoking is final."""

    id: int | None = Field(default=None, primary_key=True)
    patient_id: int = Field(foreign_key="patient.id", index=True, ondelete="CASCADE")
    label: str = Field(default="", max_length=120)
    token_hash: str = sha256_field(unique=True, index=True)
    token_prefix: str = Field(max_length=12, description="first characters, to recognise it")
    created_by_id: int | None = Field(default=None, foreign_key="user_account.id", ondelete="SET NULL")
    created_at: datetime = created_field()
    last_seen_at: datetime | None = time_field()
    revoked_at: datetime | None = time_field()

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None


class PairingCode(SQLModel, table=True):
    """A short-lived single-use code a therapist gives a patient to pair a device."""

    __tablename__ = "pairing_code"

    id: int | None = Field(default=None, primary_key=True)
    patient_id: int = Field(foreign_key="patient.id", index=True, ondelete="CASCADE")
    code_hash: str = sha256_field(unique=True, index=True)
    created_by_id: int | None = Field(default=None, foreign_key="user_account.id", ondelete="SET NULL")
    created_at: datetime = created_field()
    expires_at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    used_at: datetime | None = time_field()
    device_id: int | None = Field(default=None, foreign_key="device.id", ondelete="SET NULL")
