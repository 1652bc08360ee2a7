"""Versioned plans: every change to an assignment becomes a new ``assignment_version`` with
the local days it was in force. Existing assignments get their version 1 from their current
terms (the past changes were never stored, only audited); an assignment the therapist already
ended gets version 1 (active) until the day before it was ended and version 2 (ended) from
that day, so past weeks keep counting it as they did.

Revision ID: 0008_assignment_versions
Revises: 0007_session_version
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from alembic import op

revision: str = "0008_assignment_versions"
down_revision: str | None = "0007_session_version"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TERMS = (
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
)


def _columns() -> list[sa.Column]:
    return [
        sa.Column("movement", sa.String(length=48)),
        sa.Column("target_rom_deg", sa.Float()),
        sa.Column("max_rom_deg", sa.Float()),
        sa.Column("reps", sa.Integer()),
        sa.Column("sets", sa.Integer()),
        sa.Column("sessions_per_week", sa.Integer()),
        sa.Column("difficulty", sa.Integer()),
        sa.Column("start_date", sa.Date()),
        sa.Column("end_date", sa.Date()),
        sa.Column("therapist_note", sa.Text()),
        sa.Column("id", sa.Integer()),
        sa.Column("activity_id", sa.Integer()),
        sa.Column("active", sa.Boolean()),
        sa.Column("created_by_id", sa.Integer()),
        sa.Column("created_at", sa.DateTime(timezone=True)),
    ]


def _utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def upgrade() -> None:
    op.create_table(
        "assignment_version",
        sa.Column("movement", sa.String(length=48), nullable=False),
        sa.Column("target_rom_deg", sa.Float(), nullable=False),
        sa.Column("max_rom_deg", sa.Float(), nullable=True),
        sa.Column("reps", sa.Integer(), nullable=False),
        sa.Column("sets", sa.Integer(), nullable=False),
        sa.Column("sessions_per_week", sa.Integer(), nullable=False),
        sa.Column("difficulty", sa.Integer(), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("end_date", sa.Date(), nullable=True),
        sa.Column("therapist_note", sa.Text(), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("assignment_id", sa.Integer(), nullable=False),
        sa.Column("activity_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("valid_until", sa.Date(), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["activity_id"], ["activity.id"], ondelete="RESTRICT",
                                name=op.f("fk_assignment_version_activity_id_activity")),
        sa.ForeignKeyConstraint(["assignment_id"], ["assignment.id"], ondelete="CASCADE",
                                name=op.f("fk_assignment_version_assignment_id_assignment")),
        sa.ForeignKeyConstraint(["created_by_id"], ["user_account.id"], ondelete="SET NULL",
                                name=op.f("fk_assignment_version_created_by_id_user_account")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assignment_version")),
        sa.UniqueConstraint("assignment_id", "version",
                            name=op.f("uq_assignment_version_assignment_id_version")),
    )
    with op.batch_alter_table("assignment_version", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_assignment_version_assignment_id"), ["assignment_id"],
                              unique=False)
    _first_versions()


def _first_versions() -> None:
    """Version 1 (and 2 for ended exercises) of every existing assignment."""
    tz = ZoneInfo(os.environ.get("SMARTTOUCH_TIMEZONE") or "Europe/Rome")
    assignment = sa.table("assignment", *_columns(), sa.Column("updated_at", sa.DateTime(timezone=True)))
    version = sa.table(
        "assignment_version",
        *_columns()[:10],
        sa.Column("assignment_id", sa.Integer()),
        sa.Column("activity_id", sa.Integer()),
        sa.Column("version", sa.Integer()),
        sa.Column("valid_from", sa.Date()),
        sa.Column("valid_until", sa.Date()),
        sa.Column("active", sa.Boolean()),
        sa.Column("created_by_id", sa.Integer()),
        sa.Column("created_at", sa.DateTime(timezone=True)),
    )
    bind = op.get_bind()
    rows = []
    for a in bind.execute(sa.select(assignment).order_by(assignment.c.id)).mappings():
        created = _utc(a["created_at"])
        terms = {k: a[k] for k in TERMS}
        first = {
            **terms,
            "assignment_id": a["id"],
            "activity_id": a["activity_id"],
            "version": 1,
            "valid_from": min(a["start_date"], created.astimezone(tz).date()),
            "valid_until": None,
            "active": True,
            "created_by_id": a["created_by_id"],
            "created_at": created,
        }
        if a["active"]:
            rows.append(first)
            continue
        ended_at = _utc(a["updated_at"])
        ended = max(ended_at.astimezone(tz).date(), first["valid_from"])
        rows.append(first | {"valid_until": ended - timedelta(days=1)})
        rows.append(first | {"version": 2, "valid_from": ended, "active": False, "created_at": ended_at})
    if rows:
        bind.execute(version.insert(), rows)


def downgrade() -> None:
    with op.batch_alter_table("assignment_version", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_assignment_version_assignment_id"))
    op.drop_table("assignment_version")
