"""The assignable catalogue (built-in games and approved solutions) and therapists' plans.

An :class:`Assignment` row holds the terms in force today; every version of those terms,
with the days it was in force, is an :class:`AssignmentVersion`, so history computed for a
past day uses the plan as it was on that day (:mod:`...services.clinic.plan_versions`).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from pydantic import model_validator
from sqlalchemy import event
from sqlmodel import Field, SQLModel

from smarttouch.sensors.placements import default_site, placement_problem

from .base import created_field, json_field, sha256_field, text_field, utcnow


def sensor_site(placement: str | None, movement: str) -> str:
    """Where the sensor of an assignment with ``placement`` (its prescribed site, maybe
    empty) and ``movement`` is worn: the prescribed site, else the movement's default."""
    return placement or default_site(movement)


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
    side: str = Field(default="right", max_length=8, description="left, right or both (bilateral)")
    placement: str = Field(
        default="",
        max_length=24,
        description="where the sensor is worn (wrist, upper-arm...); empty: the movement's default site",
    )

    def sensor_site(self) -> str:
        """Where the sensor is worn: the prescribed site, else the movement's default."""
        return sensor_site(self.placement, self.movement)


class AssignmentCreate(AssignmentBase):
    @model_validator(mode="after")
    def _coherent(self) -> AssignmentCreate:
        if not self.placement:
            self.placement = default_site(self.movement)
        problem = placement_problem(self.movement, self.placement, self.side)
        if problem is not None:
            raise ValueError(problem)
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
    side: str | None = Field(default=None, max_length=8)
    placement: str | None = Field(default=None, max_length=24)


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


#: what the therapist sets in an assignment (the activity never changes)
PLAN_FIELDS = (
    "movement",
    "target_rom_deg",
    "max_rom_deg",
    "reps",
    "sets",
    "sessions_per_week",
    "difficulty",
    "start_date",
    "end_date",
    "therapist_note",
    "side",
    "placement",
)
#: the prescription's terms as a version records them: the plan fields and whether it is ended
TERM_FIELDS = (*PLAN_FIELDS, "active")


class AssignmentVersion(AssignmentBase, table=True):
    """The terms of an assignment as they stood from ``valid_from`` to ``valid_until``.

    Days are the hub's local calendar days, both ends inclusive; ``valid_until`` None means
    still in force. Version 1 also stands for any day before version 2 (nothing else was
    ever prescribed then). A version replaced on the day it was made has ``valid_until``
    before ``valid_from``: it was recorded but never in force for a whole day. Rows are only
    added, never changed, except for closing ``valid_until`` when the next version starts.
    """

    __tablename__ = "assignment_version"
    __table_args__ = (sa.UniqueConstraint("assignment_id", "version"),)

    id: int | None = Field(default=None, primary_key=True)
    assignment_id: int = Field(foreign_key="assignment.id", index=True, ondelete="CASCADE")
    activity_id: int = Field(foreign_key="activity.id", ondelete="RESTRICT")
    version: int = Field(ge=1, description="1, 2, ... in the order the terms were set")
    valid_from: date
    valid_until: date | None = None
    active: bool = Field(default=True, description="False: the therapist ended the exercise")
    created_by_id: int | None = Field(default=None, foreign_key="user_account.id", ondelete="SET NULL")
    created_at: datetime = created_field()


def first_version_values(assignment: Assignment) -> dict[str, Any]:
    """Version 1 of a new assignment: its terms, in force from its start (or creation)."""
    created = (assignment.created_at or utcnow()).date()
    return {
        "assignment_id": assignment.id,
        "activity_id": assignment.activity_id,
        "version": 1,
        "valid_from": min(assignment.start_date, created),
        "valid_until": None,
        "created_by_id": assignment.created_by_id,
        "created_at": assignment.created_at or utcnow(),
        **{f: getattr(assignment, f) for f in TERM_FIELDS},
    }


@event.listens_for(Assignment, "after_insert")
def _record_first_version(mapper: object, connection: sa.Connection, target: Assignment) -> None:
    """Every assignment has its version 1 from the moment it exists, however it was added."""
    connection.execute(sa.insert(AssignmentVersion).values(**first_version_values(target)))


class AssignmentPublic(AssignmentBase):
    id: int
    patient_id: int
    active: bool
    created_at: datetime
    updated_at: datetime
