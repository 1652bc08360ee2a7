"""Hub user accounts: therapists (optionally reviewers), patients, developers, admins."""

from __future__ import annotations

import re
from datetime import datetime
from enum import StrEnum

from pydantic import field_validator
from sqlmodel import Field, SQLModel

from .base import created_field, time_field

EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class Role(StrEnum):
    therapist = "therapist"
    patient = "patient"
    developer = "developer"
    admin = "admin"


def normalise_email(value: str) -> str:
    """Lower-case and strip an e-mail address; raise ValueError if it is not one."""
    email = value.strip().lower()
    if not EMAIL_RE.match(email) or len(email) > 254:
        raise ValueError(f"not a valid e-mail address: {value!r}")
    return email


class UserBase(SQLModel):
    email: str = Field(max_length=254)
    full_name: str = Field(max_length=120)
    role: str = Field(max_length=16)
    is_reviewer: bool = Field(default=False, description="therapist who reviews solutions")
    is_challenge_manager: bool = Field(
        default=False, description="staff who read clinical needs and author challenges (admins always do)"
    )
    locale: str | None = Field(default=None, max_length=8, description="preferred language")


class UserCreate(UserBase):
    """Validated input for a new account."""

    password: str = Field(max_length=256, description="checked by the password policy on creation")

    @field_validator("email")
    @classmethod
    def _email(cls, v: str) -> str:
        return normalise_email(v)

    @field_validator("role")
    @classmethod
    def _role(cls, v: str) -> str:
        if v not in Role.__members__:
            raise ValueError(f"unknown role {v!r}; expected one of {', '.join(Role)}")
        return v

    @field_validator("full_name")
    @classmethod
    def _name(cls, v: str) -> str:
        if not v.strip():
            raise ValueError("full name must not be empty")
        return v.strip()

    @field_validator("locale")
    @classmethod
    def _locale(cls, v: str | None) -> str | None:
        if v is not None and v not in {"en", "it"}:
            raise ValueError(f"unsupported language {v!r}; expected en or it")
        return v


class User(UserBase, table=True):
    """An account. Implements the Flask-Login user interface."""

    __tablename__ = "user_account"

    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(max_length=254, unique=True, index=True)
    password_hash: str = Field(max_length=255)
    is_active: bool = Field(default=True)
    session_version: int = Field(
        default=1, description="raised by logout, password change and deactivation: ends web logins"
    )
    created_at: datetime = created_field()
    last_login_at: datetime | None = time_field()
    email_verified_at: datetime | None = time_field()
    """set when a self-registered developer followed the verification link (None: accounts
    made by an operator, and sign-ups not verified yet, which stay inactive)"""

    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str:
        """What the login cookie carries: ``"<id>:<session_version>"`` (Flask-Login's
        alternative-token pattern), so raising the version ends every login made before."""
        return f"{self.id}:{self.session_version}"

    def has_role(self, *roles: str) -> bool:
        return self.role in roles


class UserPublic(UserBase):
    id: int
    is_active: bool
    created_at: datetime
    last_login_at: datetime | None
