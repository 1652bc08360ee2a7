"""Challenge authoring on the web: the need a challenge answers, a final phase with its own
daily cap, results held until a manager announces them, where the data came from, and the job
that builds a challenge's data bundle in a worker.

Revision ID: 0022_challenge_authoring
Revises: 0021_clinical_needs
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0022_challenge_authoring"
down_revision: str | None = "0021_clinical_needs"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # plain ADD COLUMNs: a batch rebuild of a referenced table is refused by SQLite's foreign keys
    op.add_column("challenge", sa.Column("need_id", sa.Integer(), nullable=True))
    op.add_column("challenge", sa.Column("final_opens_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("challenge", sa.Column("final_daily_submissions", sa.Integer(), nullable=True))
    op.add_column(
        "challenge", sa.Column("holds_results", sa.Boolean(), nullable=False, server_default=sa.false())
    )
    op.add_column("challenge", sa.Column("results_announced_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column(
        "challenge", sa.Column("data_source", sa.String(length=48), nullable=False, server_default="")
    )
    op.create_table(
        "challenge_data_job",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("challenge_id", sa.Integer(), nullable=False),
        sa.Column("spec", sa.JSON(), nullable=False),
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
            ["challenge_id"],
            ["challenge.id"],
            ondelete="CASCADE",
            name=op.f("fk_challenge_data_job_challenge_id_challenge"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_challenge_data_job")),
    )
    with op.batch_alter_table("challenge_data_job", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_challenge_data_job_challenge_id"), ["challenge_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_challenge_data_job_status"), ["status"], unique=False)


def downgrade() -> None:
    op.drop_table("challenge_data_job")
    with op.batch_alter_table("challenge", schema=None) as batch_op:
        for name in (
            "data_source",
            "results_announced_at",
            "holds_results",
            "final_daily_submissions",
            "final_opens_at",
            "need_id",
        ):
            batch_op.drop_column(name)
