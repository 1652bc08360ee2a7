"""Shared column helpers for the hub's tables: UTC timestamps, JSON, naming convention.

Constraint names follow one convention so Alembic can alter them on SQLite (batch mode) and
PostgreSQL alike. Timestamps are stored timezone-aware and always come back as aware UTC
datetimes, whatever the database.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Protocol

import sqlalchemy as sa
from sqlalchemy.engine import CursorResult
from sqlalchemy.orm import QueryableAttribute
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


class HasId(Protocol):
    """A table row with an integer primary key ``id`` (``None`` until the row is flushed)."""

    @property
    def id(self) -> int | None: ...


def pk(row: HasId) -> int:
    """The primary key of a stored row.

    SQLModel types ``id`` as ``int | None`` because a new row has none until it is flushed; a row
    read from the database, or flushed, always has one. Raises ``ValueError`` for an unflushed row
    rather than letting ``None`` travel on as a foreign key or a dictionary key.
    """
    if row.id is None:
        raise ValueError(f"{type(row).__name__} has no id yet: flush the session first")
    return row.id


def table_of(model: type[SQLModel]) -> sa.Table:
    """The Core ``Table`` of a table model, for bulk SQL (SQLModel leaves ``__table__`` untyped)."""
    table = getattr(model, "__table__", None)
    if not isinstance(table, sa.Table):
        raise TypeError(f"{model.__name__} is not a table model")
    return table


def orm_attr(attr: object) -> QueryableAttribute[Any]:
    """A table model's class attribute as the SQLAlchemy attribute it is at run time, for
    loader options such as ``defer`` (SQLModel types it as the column's Python value)."""
    if not isinstance(attr, QueryableAttribute):
        raise TypeError(f"{attr!r} is not a mapped attribute")
    return attr


def rowcount(result: sa.Result[Any]) -> int:
    """Rows an UPDATE or DELETE matched. ``Session.execute`` types its result as a plain
    ``Result``; for these statements it is always a ``CursorResult``, which counts them."""
    if not isinstance(result, CursorResult):
        raise TypeError(f"{type(result).__name__} has no row count (not an UPDATE or DELETE result)")
    return result.rowcount


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
