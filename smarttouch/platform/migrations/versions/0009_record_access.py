"""Reads of patients' records (who looked, at what, when), shown to the patient and
searchable by administrators.

Revision ID: 0009_record_access
Revises: 0008_assignment_versions
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009_record_access"
down_revision: str | None = "0008_assignment_versions"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "record_access",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("actor_role", sa.String(length=16), nullable=False),
        sa.Column("what", sa.String(length=32), nullable=False),
        sa.Column("target_id", sa.Integer(), nullable=True),
        sa.Column("detail", sa.String(length=64), nullable=False),
        sa.Column("via", sa.String(length=8), nullable=False),
        sa.Column("ip", sa.String(length=45), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["actor_id"], ["user_account.id"], ondelete="SET NULL",
                                name=op.f("fk_record_access_actor_id_user_account")),
        sa.ForeignKeyConstraint(["patient_id"], ["patient.id"], ondelete="CASCADE",
                                name=op.f("fk_record_access_patient_id_patient")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_record_access")),
    )
    with op.batch_alter_table("record_access", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_record_access_actor_id"), ["actor_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_record_access_created_at"), ["created_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_record_access_patient_id"), ["patient_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("record_access", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_record_access_patient_id"))
        batch_op.drop_index(batch_op.f("ix_record_access_created_at"))
        batch_op.drop_index(batch_op.f("ix_record_access_actor_id"))
    op.drop_table("record_access")
