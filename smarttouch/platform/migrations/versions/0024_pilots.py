"""Pilots of approved solutions in care (issue #19): the pilot and its enrolments.

Revision ID: 0024_pilots
Revises: 0023_teams_forum
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0024_pilots"
down_revision: str | None = "0023_teams_forum"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _fk(table: str, column: str, target: str, ondelete: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], [f"{target}.id"], name=op.f(f"fk_{table}_{column}_{target}"), ondelete=ondelete
    )


def upgrade() -> None:
    op.create_table(
        "pilot",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("solution_id", sa.Integer(), nullable=False),
        sa.Column("activity_id", sa.Integer(), nullable=False),
        sa.Column("comparator_activity_id", sa.Integer(), nullable=True),
        sa.Column("title", sa.String(length=160), nullable=False),
        sa.Column("question", sa.Text(), nullable=False),
        sa.Column("comparator", sa.String(length=16), nullable=False),
        sa.Column("condition", sa.String(length=32), nullable=False),
        sa.Column("movement", sa.String(length=48), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
        sa.Column("target_patients", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("random_seed", sa.Integer(), nullable=False),
        sa.Column("consent_text", sa.Text(), nullable=False),
        sa.Column("consent_sha256", sa.String(length=64), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("safety_flag_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("safety_note", sa.Text(), nullable=False),
        _fk("pilot", "activity_id", "activity", "RESTRICT"),
        _fk("pilot", "comparator_activity_id", "activity", "RESTRICT"),
        _fk("pilot", "created_by_id", "user_account", "SET NULL"),
        _fk("pilot", "solution_id", "solution", "RESTRICT"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pilot")),
    )
    op.create_index(op.f("ix_pilot_solution_id"), "pilot", ["solution_id"], unique=False)
    op.create_index(op.f("ix_pilot_status"), "pilot", ["status"], unique=False)
    op.create_table(
        "pilot_enrolment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("pilot_id", sa.Integer(), nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("arm", sa.String(length=16), nullable=True),
        sa.Column("sequence", sa.Integer(), nullable=True),
        sa.Column("invited_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("invited_by_id", sa.Integer(), nullable=True),
        sa.Column("consented_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("consent_by_id", sa.Integer(), nullable=True),
        sa.Column("consent_note", sa.Text(), nullable=False),
        sa.Column("consent_sha256", sa.String(length=64), nullable=True),
        sa.Column("assignment_id", sa.Integer(), nullable=True),
        sa.Column("withdrawn_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("withdrawn_by_id", sa.Integer(), nullable=True),
        sa.Column("withdrawal_reason", sa.Text(), nullable=False),
        _fk("pilot_enrolment", "assignment_id", "assignment", "SET NULL"),
        _fk("pilot_enrolment", "consent_by_id", "user_account", "SET NULL"),
        _fk("pilot_enrolment", "invited_by_id", "user_account", "SET NULL"),
        _fk("pilot_enrolment", "patient_id", "patient", "CASCADE"),
        _fk("pilot_enrolment", "pilot_id", "pilot", "CASCADE"),
        _fk("pilot_enrolment", "withdrawn_by_id", "user_account", "SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pilot_enrolment")),
        sa.UniqueConstraint("pilot_id", "patient_id", name=op.f("uq_pilot_enrolment_pilot_id_patient_id")),
    )
    op.create_index(op.f("ix_pilot_enrolment_patient_id"), "pilot_enrolment", ["patient_id"], unique=False)
    op.create_index(op.f("ix_pilot_enrolment_pilot_id"), "pilot_enrolment", ["pilot_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_pilot_enrolment_pilot_id"), table_name="pilot_enrolment")
    op.drop_index(op.f("ix_pilot_enrolment_patient_id"), table_name="pilot_enrolment")
    op.drop_table("pilot_enrolment")
    op.drop_index(op.f("ix_pilot_status"), table_name="pilot")
    op.drop_index(op.f("ix_pilot_solution_id"), table_name="pilot")
    op.drop_table("pilot")
