"""How the patient felt: pain (0-10 NRS) and effort (Borg CR10) before and after each session.

Revision ID: 0011_session_feelings
Revises: 0009_record_access
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from smarttouch.platform.models.base import UTCDateTime

revision: str = "0011_session_feelings"
down_revision: str | None = "0009_record_access"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "session_feeling",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("moment", sa.String(length=8), nullable=False),
        sa.Column("scale", sa.String(length=16), nullable=False),
        sa.Column("value", sa.Integer(), nullable=True),
        sa.Column("skipped", sa.Boolean(), nullable=False),
        sa.Column("rated_at", UTCDateTime(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["patient_id"], ["patient.id"], ondelete="CASCADE",
                                name=op.f("fk_session_feeling_patient_id_patient")),
        sa.ForeignKeyConstraint(["session_id"], ["exercise_session.id"], ondelete="CASCADE",
                                name=op.f("fk_session_feeling_session_id_exercise_session")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_session_feeling")),
        sa.UniqueConstraint("session_id", "moment", "scale",
                            name=op.f("uq_session_feeling_session_id_moment_scale")),
    )
    with op.batch_alter_table("session_feeling", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_session_feeling_patient_id"), ["patient_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_session_feeling_session_id"), ["session_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("session_feeling", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_session_feeling_session_id"))
        batch_op.drop_index(batch_op.f("ix_session_feeling_patient_id"))
    op.drop_table("session_feeling")
