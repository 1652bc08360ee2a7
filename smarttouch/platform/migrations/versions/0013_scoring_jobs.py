"""Scoring on workers: the ``scoring_job`` table (one row per (re-)scoring of a session, under
the lease protocol) and the algorithm version kept with each session's metrics.

Revision ID: 0013_scoring_jobs
Revises: 0011_session_feelings
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013_scoring_jobs"
down_revision: str | None = "0011_session_feelings"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # metrics written before versions were kept have the empty version ("unknown")
    op.add_column(
        "session_metrics",
        sa.Column("algorithm_version", sa.String(length=32), nullable=False, server_default=""),
    )
    op.create_table(
        "scoring_job",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(length=16), nullable=False),
        sa.Column("algorithm_version", sa.String(length=32), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("failure_reason", sa.String(length=64), nullable=True),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("lease_token", sa.String(length=120), nullable=True),
        sa.Column("lease_expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["exercise_session.id"],
            ondelete="CASCADE",
            name=op.f("fk_scoring_job_session_id_exercise_session"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_scoring_job")),
    )
    with op.batch_alter_table("scoring_job", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_scoring_job_session_id"), ["session_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_scoring_job_status"), ["status"], unique=False)


def downgrade() -> None:
    op.drop_table("scoring_job")
    with op.batch_alter_table("session_metrics", schema=None) as batch_op:
        batch_op.drop_column("algorithm_version")
