"""Clinical needs that therapists file, their supporters and their discussion threads.

Revision ID: 0021_clinical_needs
Revises: 0019_assignment_side_placement
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0021_clinical_needs"
down_revision: str | None = "0019_assignment_side_placement"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _fk(table: str, column: str, target: str, ondelete: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], [f"{target}.id"], ondelete=ondelete, name=op.f(f"fk_{table}_{column}_{target}")
    )


def upgrade() -> None:
    op.create_table(
        "clinical_need",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("condition", sa.String(length=32), nullable=False),
        sa.Column("movement", sa.String(length=48), nullable=True),
        sa.Column("problem", sa.Text(), nullable=False),
        sa.Column("success", sa.Text(), nullable=False),
        sa.Column("data_help", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("decline_reason", sa.Text(), nullable=False),
        sa.Column("proposer_id", sa.Integer(), nullable=True),
        sa.Column("challenge_id", sa.Integer(), nullable=True),
        sa.Column("solution_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status_changed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        _fk("clinical_need", "proposer_id", "user_account", "SET NULL"),
        _fk("clinical_need", "challenge_id", "challenge", "SET NULL"),
        _fk("clinical_need", "solution_id", "solution", "SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_clinical_need")),
    )
    with op.batch_alter_table("clinical_need", schema=None) as batch_op:
        for column in ("condition", "status", "proposer_id", "challenge_id", "created_at"):
            batch_op.create_index(batch_op.f(f"ix_clinical_need_{column}"), [column], unique=False)
    op.create_table(
        "need_support",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("need_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        _fk("need_support", "need_id", "clinical_need", "CASCADE"),
        _fk("need_support", "user_id", "user_account", "CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_need_support")),
        sa.UniqueConstraint("need_id", "user_id", name=op.f("uq_need_support_need_id_user_id")),
    )
    with op.batch_alter_table("need_support", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_need_support_need_id"), ["need_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_need_support_user_id"), ["user_id"], unique=False)
    op.create_table(
        "need_message",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("need_id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        _fk("need_message", "need_id", "clinical_need", "CASCADE"),
        _fk("need_message", "author_id", "user_account", "SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_need_message")),
    )
    with op.batch_alter_table("need_message", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_need_message_need_id"), ["need_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_need_message_created_at"), ["created_at"], unique=False)


def downgrade() -> None:
    op.drop_table("need_message")
    op.drop_table("need_support")
    op.drop_table("clinical_need")
