"""Invitations (one-time links and codes that open an account), the message thread between
a patient and their therapist, and plan templates a therapist saves and applies."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from .base import UTCDateTime, created_field, json_field, sha256_field, time_field


class Invitation(SQLModel, table=True):
    """A single-use, expiring invitation: the link's token and the typed code are stored as
    SHA-256 digests only. ``purpose`` is ``invite`` (a new account, linked to ``patient_id``
    for a patient), ``reset`` (an administrator's new password for the existing ``user_id``),
    ``team`` (a developer joins ``team_id``), ``verify`` (the e-mail address of ``user_id``'s
    own sign-up) or ``forgot`` (a password reset ``user_id``'s owner asked for by e-mail)."""

    __tablename__ = "invitation"

    id: int | None = Field(default=None, primary_key=True)
    purpose: str = Field(default="invite", max_length=8)
    role: str = Field(max_length=16)
    email: str = Field(max_length=254)
    full_name: str = Field(default="", max_length=120)
    locale: str | None = Field(default=None, max_length=8)
    patient_id: int | None = Field(default=None, foreign_key="patient.id", index=True, ondelete="CASCADE")
    user_id: int | None = Field(default=None, foreign_key="user_account.id", ondelete="CASCADE")
    team_id: int | None = Field(default=None, foreign_key="team.id", index=True, ondelete="CASCADE")
    token_hash: str = sha256_field(unique=True, index=True)
    code_hash: str = sha256_field(unique=True, index=True)
    created_by_id: int | None = Field(default=None, foreign_key="user_account.id", ondelete="SET NULL")
    created_at: datetime = created_field()
    expires_at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    used_at: datetime | None = time_field()
    revoked_at: datetime | None = time_field()


class Message(SQLModel, table=True):
    """One message of a patient's thread. ``sender_role`` says which side wrote it
    (``therapist`` or ``patient``); ``read_at`` is when the other side first read it."""

    __tablename__ = "message"

    id: int | None = Field(default=None, primary_key=True)
    patient_id: int = Field(foreign_key="patient.id", index=True, ondelete="CASCADE")
    sender_id: int | None = Field(default=None, foreign_key="user_account.id", ondelete="SET NULL")
    sender_role: str = Field(max_length=16)
    body: str = Field(max_length=2000, sa_type=sa.Text)
    created_at: datetime = created_field(index=True)
    read_at: datetime | None = time_field()


class PlanTemplate(SQLModel, table=True):
    """A named set of exercises for a condition, shared by the clinic's therapists.

    ``items`` lists the exercises as plain terms: ``activity_key``, ``movement``,
    ``target_rom_deg``, ``max_rom_deg``, ``reps``, ``sets``, ``sessions_per_week``,
    ``difficulty``, ``therapist_note``."""

    __tablename__ = "plan_template"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=120)
    condition: str = Field(max_length=32, index=True)
    items: list[dict[str, Any]] = json_field(list)
    created_by_id: int | None = Field(default=None, foreign_key="user_account.id", ondelete="SET NULL")
    created_at: datetime = created_field()
