"""The assignable catalogue (built-in games and approved solutions) and therapists' plans."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from pydantic import model_validator
from sqlmodel import Field, SQLModel

from .base import created_field, json_field, sha256_field, text_field


class Activity(SQLModel, table=True):
    """Something a therapist can assign: a built-in game or an approved solution."""

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(
        max_length=64, unique=True, index=True, description="stable identifier, e.g. the game registry name"
    )
    kind: str = Field(max_length=16, description="game or analyzer")
    title: str = Field(max_length=120)
    description: str = text_field()
    movements: list[str] = json_field(list)
    source: str = Field(default="builtin", max_length=16, description="builtin or solution")
    submission_id: int | None = Field(default=None, foreign_key="submission.id", ondelete="SET NULL")
    code_sha256: str | None = sha256_field(nullable=True)
    is_active: bool = Field(default=True)
    created_at: datetime = created_field()


class AssignmentBase(SQLModel):
    """What the therapist prescribes. Angles in degrees."""

    activity_id: int
    movement: str = Field(max_length=48)
    target_rom_deg: float = Field(gt=0, le=180)
    max_rom_deg: float | None = Field(default=None, gt=0, le=180)
    reps: int = Field(ge=1, le=200, description="repetitions per set")
    sets: int = Field(default=1, ge=1, le=20)
    sessions_per_week: int = Field(default=5, ge=1, le=21)
    difficulty: int = Field(default=2, ge=1, le=5, description="1 = easiest, 5 = hardest")
    start_date: date
    end_date: date | None = None
    therapist_note: str = Field(default="", max_length=2000, sa_type=sa.Text)


class AssignmentCreate(AssignmentBase):
    @model_validator(mode="after")
    def _coherent(self) -> AssignmentCreate:
        if self.max_rom_deg is not None and self.max_rom_deg < self.target_rom_deg:
            raise ValueError(
                f"maximum ROM {self.max_rom_deg} deg is below the target {self.target_rom_deg} deg"
            )
        if self.end_date is not None and self.end_date < self.start_date:
            raise ValueError(f"end date {self.end_date} is before start date {self.start_date}")
        return self


class AssignmentUpdate(SQLModel):
    """A partial change to a plan; every field left as None is kept."""

    movement: str | None = Field(default=None, max_length=48)
    target_rom_deg: float | None = Field(default=None, gt=0, le=180)
    max_rom_deg: float | None = Field(default=None, gt=0, le=180)
    reps: int | None = Field(default=None, ge=1, le=200)
    sets: int | None = Field(default=None, ge=1, le=20)
    sessions_per_week: int | None = Field(default=None, ge=1, le=21)
    difficulty: int | None = Field(default=None, ge=1, le=5)
    start_date: date | None = None
    end_date: date | None = None
    therapist_note: str | None = Field(default=None, max_length=2000)


class Assignment(AssignmentBase, table=True):
    id: int | None = Field(default=None, primary_key=True)
    patient_id: int = Field(foreign_key="patient.id", index=True, ondelete="CASCADE")
    activity_id: int = Field(foreign_key="activity.id", index=True, ondelete="RESTRICT")
    active: bool = Field(default=True)
    created_by_id: int | None = Field(default=None, foreign_key="user_account.id", ondelete="SET NULL")
    created_at: datetime = created_field()
    updated_at: datetime = created_field()

    def is_current(self, day: date) -> bool:
        """Active and within its period on ``day``."""
        return self.active and self.start_date <= day and (self.end_date is None or day <= self.end_date)


class AssignmentPublic(AssignmentBase):
    id: int
    patient_id: int
    active: bool
    created_at: datetime
    updated_at: datetime
