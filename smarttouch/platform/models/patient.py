"""Patients: pseudonymous records, each followed by exactly one therapist."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from pydantic import field_validator, model_validator
from sqlmodel import Field, SQLModel

from .base import created_field, text_field


class Condition(StrEnum):
    """Chronic conditions the hub's exercises are designed for."""

    post_stroke = "post_stroke"
    parkinson = "parkinson"
    copd = "copd"
    multiple_sclerosis = "multiple_sclerosis"
    knee_osteoarthritis = "knee_osteoarthritis"
    frailty = "frailty"
    other = "other"


class Side(StrEnum):
    left = "left"
    right = "right"
    both = "both"
    none = "none"


class PatientBase(SQLModel):
    code: str = Field(max_length=32, description="pseudonymous identifier, e.g. PT-4F7K")
    condition: str = Field(max_length=32)
    affected_side: str = Field(default="none", max_length=8)
    display_name: str | None = Field(
        default=None, max_length=120, description="optional name the therapist uses (personal)"
    )
    birth_year: int | None = Field(default=None)
    birth_date: date | None = Field(default=None, description="only shown in identified reports")
    notes: str = text_field()


class PatientCreate(PatientBase):
    @field_validator("code")
    @classmethod
    def _code(cls, v: str) -> str:
        v = v.strip().upper()
        if not v or not all(c.isalnum() or c == "-" for c in v):
            raise ValueError("patient code must be letters, digits and dashes")
        return v

    @field_validator("condition")
    @classmethod
    def _condition(cls, v: str) -> str:
        if v not in Condition.__members__:
            raise ValueError(f"unknown condition {v!r}; expected one of {', '.join(Condition)}")
        return v

    @field_validator("affected_side")
    @classmethod
    def _side(cls, v: str) -> str:
        if v not in Side.__members__:
            raise ValueError(f"unknown side {v!r}; expected one of {', '.join(Side)}")
        return v

    @field_validator("birth_year")
    @classmethod
    def _year(cls, v: int | None) -> int | None:
        if v is not None and not 1900 <= v <= 2100:
            raise ValueError(f"birth year {v} is out of range 1900-2100")
        return v

    @model_validator(mode="after")
    def _birth(self) -> PatientCreate:
        if self.birth_date is not None:
            if self.birth_year is None:
                self.birth_year = self.birth_date.year
            elif self.birth_year != self.birth_date.year:
                raise ValueError(
                    f"date of birth {self.birth_date} is not in the year of birth {self.birth_year}"
                )
        return self


class Patient(PatientBase, table=True):
    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=32, unique=True, index=True)
    therapist_id: int = Field(foreign_key="user_account.id", index=True, ondelete="RESTRICT")
    user_id: int | None = Field(
        default=None,
        foreign_key="user_account.id",
        unique=True,
        ondelete="SET NULL",
        description="the patient's own login",
    )
    created_at: datetime = created_field()


class PatientPublic(PatientBase):
    id: int
    therapist_id: int
    user_id: int | None
    created_at: datetime
