"""Data-rights tables: research consent, donated sessions and anonymised aggregates.

* :class:`ResearchConsent`: a patient's consent (recorded by their therapist, with how it was
  obtained) to have their sessions reused, pseudonymised, in challenge datasets.
* :class:`DonatedSession`: a session the therapist donated under a consent. Withdrawing the
  consent keeps the row (history) but excludes the session from every later dataset.
* :class:`AnonymisedAggregate`: what survives a patient's erasure: sums and counts of session
  metrics per month, condition and movement, with no link to any person. Angles in degrees,
  durations in seconds; SPARC and tremor power ratio are dimensionless.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from .base import created_field, text_field, time_field

CONSENT_PURPOSE_DATASETS = "challenge_datasets"


class ResearchConsent(SQLModel, table=True):
    """Consent to reuse a patient's sessions, pseudonymised, in developers' challenge datasets."""

    __tablename__ = "research_consent"

    id: int | None = Field(default=None, primary_key=True)
    patient_id: int = Field(foreign_key="patient.id", index=True, ondelete="CASCADE")
    purpose: str = Field(default=CONSENT_PURPOSE_DATASETS, max_length=32)
    evidence: str = text_field()  # how consent was obtained, e.g. "signed form 2026/14"
    recorded_by_id: int | None = Field(default=None, foreign_key="user_account.id", ondelete="SET NULL")
    granted_at: datetime = created_field()
    withdrawn_at: datetime | None = time_field()
    withdrawn_by_id: int | None = Field(default=None, foreign_key="user_account.id", ondelete="SET NULL")

    @property
    def is_active(self) -> bool:
        return self.withdrawn_at is None


class DonatedSession(SQLModel, table=True):
    """One exercise session donated (under ``consent_id``) to challenge datasets."""

    __tablename__ = "donated_session"

    id: int | None = Field(default=None, primary_key=True)
    session_id: int = Field(foreign_key="exercise_session.id", unique=True, ondelete="CASCADE")
    consent_id: int = Field(foreign_key="research_consent.id", index=True, ondelete="CASCADE")
    donated_by_id: int | None = Field(default=None, foreign_key="user_account.id", ondelete="SET NULL")
    donated_at: datetime = created_field()


class AnonymisedAggregate(SQLModel, table=True):
    """Session metrics of erased patients, summed per month, condition and movement.

    Means are ``*_sum / *_count``. No row refers to a person; ``patients`` counts how many
    erased patients contributed, so reports can hide buckets too small to be anonymous.
    """

    __tablename__ = "anonymised_aggregate"
    __table_args__ = (sa.UniqueConstraint("month", "condition", "movement"),)

    id: int | None = Field(default=None, primary_key=True)
    month: str = Field(max_length=7, description="YYYY-MM of the sessions (UTC)")
    condition: str = Field(max_length=32)
    movement: str = Field(max_length=48)
    patients: int = 0
    sessions: int = 0
    reps_sum: int = 0
    rom_deg_sum: float = 0.0
    active_time_s_sum: float = 0.0
    duration_s_sum: float = 0.0
    sparc_sum: float = 0.0
    sparc_count: int = 0
    tremor_power_ratio_sum: float = 0.0
    tremor_count: int = 0
