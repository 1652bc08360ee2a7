"""Shared column helpers for the hub's tables: UTC timestamps, JSON, naming convention.

Constraint names follow one convention so Alembic can alter them on SQLite (batch mode) and
PostgreSQL alike. Timestamps are stored timezone-aware and always come back as aware UTC
datetimes, whatever the database.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.types import TypeDecorator
from sqlmodel import Field, SQLModel

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
SQLModel.metadata.naming_convention = NAMING_CONVENTION


def utcnow() -> datetime:
    """The current time as an aware UTC datetime."""
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """A ``TIMESTAMP WITH TIME ZONE`` that always returns aware UTC datetimes.

    Naive datetimes given to it are taken as UTC (SQLite stores no zone).
    """

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def created_field(*, index: bool = False) -> Any:
    """A non-null creation timestamp defaulting to now (UTC)."""
    return Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False, index=index)


def time_field(*, index: bool = False) -> Any:
    """An optional timestamp (UTC)."""
    return Field(default=None, sa_type=UTCDateTime, nullable=True, index=index)


def json_field(default_factory: Any = dict) -> Any:
    """A JSON column (dict or list); assign a new object to change it."""
    return Field(default_factory=default_factory, sa_type=sa.JSON, nullable=False)


def text_field(default: str | None = "", *, nullable: bool = False) -> Any:
    """An unbounded text column."""
    return Field(default=default, sa_type=sa.Text, nullable=nullable)


def sha256_field(*, nullable: bool = False, index: bool = False, unique: bool = False) -> Any:
    """A lowercase hex SHA-256 digest (64 characters)."""
    return Field(
        default=None if nullable else ..., max_length=64, nullable=nullable, index=index, unique=unique
    )
