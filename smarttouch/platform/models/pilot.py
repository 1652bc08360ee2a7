"""Pilots: does an approved solution help patients in care? (issue #19)

A :class:`Pilot` tests one approved game against a comparator (the built-in game for the
same movement, patients randomised 1:1; or the patient's own weeks before enrolment). A
:class:`PilotEnrolment` is one invited patient: counted only once they consent, and only
until they withdraw. See docs/pilots.md.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from .base import created_field, sha256_field, text_field, time_field


class PilotComparator(StrEnum):
    """``builtin_game``: patients randomised 1:1 (permuted blocks of two, seeded, recorded)
    to the solution or the built-in game for the same movement; ``own_baseline``: every
    patient plays the solution and is compared with their own weeks before enrolment."""

    builtin_game = "builtin_game"
    own_baseline = "own_baseline"


class PilotStatus(StrEnum):
    """``recruiting``: open to invitations, nobody consented yet; ``running``: at least one
    patient consented (invitations stay open until the end date); ``closed``: ended by its
    creator or a manager, no more invitations or consents."""

    recruiting = "recruiting"
    running = "running"
    closed = "closed"


class PilotArm(StrEnum):
    pilot = "pilot"
    comparator = "comparator"


class Pilot(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    solution_id: int = Field(foreign_key="solution.id", index=True, ondelete="RESTRICT")
    activity_id: int = Field(
        foreign_key="activity.id", ondelete="RESTRICT", description="the solution's catalogue activity"
    )
    comparator_activity_id: int | None = Field(
        default=None,
        foreign_key="activity.id",
        ondelete="RESTRICT",
        description="the built-in game of the comparator arm (builtin_game pilots only)",
    )
    title: str = Field(max_length=160)
    question: str = text_field()
    comparator: str = Field(max_length=16)
    condition: str = Field(max_length=32)
    movement: str = Field(max_length=48)
    starts_on: date
    ends_on: date
    target_patients: int
    status: str = Field(default=PilotStatus.recruiting, max_length=16, index=True)
    random_seed: int = Field(description="seed of the arm allocation sequence (builtin_game)")
    consent_text: str = text_field()
    consent_sha256: str = sha256_field()
    created_by_id: int | None = Field(default=None, foreign_key="user_account.id", ondelete="SET NULL")
    created_at: datetime = created_field()
    closed_at: datetime | None = time_field()
    safety_flag_at: datetime | None = time_field()
    safety_note: str = text_field()
    """the interim check's finding in words (English; the page words it from the numbers)"""


class PilotEnrolment(SQLModel, table=True):
    """One invited patient. ``arm`` is None until consent (builtin_game pilots randomise then);
    ``sequence`` is the position in the allocation sequence. Only consented, not withdrawn
    enrolments count, and only sessions between consent and withdrawal."""

    __tablename__ = "pilot_enrolment"
    __table_args__ = (sa.UniqueConstraint("pilot_id", "patient_id"),)

    id: int | None = Field(default=None, primary_key=True)
    pilot_id: int = Field(foreign_key="pilot.id", index=True, ondelete="CASCADE")
    patient_id: int = Field(foreign_key="patient.id", index=True, ondelete="CASCADE")
    arm: str | None = Field(default=None, max_length=16)
    sequence: int | None = None
    invited_at: datetime = created_field()
    invited_by_id: int | None = Field(default=None, foreign_key="user_account.id", ondelete="SET NULL")
    consented_at: datetime | None = time_field()
    consent_by_id: int | None = Field(default=None, foreign_key="user_account.id", ondelete="SET NULL")
    consent_note: str = text_field()
    """for a signed paper consent recorded by the therapist: which form (empty in the portal)"""
    consent_sha256: str | None = sha256_field(nullable=True)
    """hash of the consent text the patient agreed to"""
    assignment_id: int | None = Field(default=None, foreign_key="assignment.id", ondelete="SET NULL")
    withdrawn_at: datetime | None = time_field()
    withdrawn_by_id: int | None = Field(default=None, foreign_key="user_account.id", ondelete="SET NULL")
    withdrawal_reason: str = text_field()
