"""Each patient's lasting game progress (worlds, weekly goal, daily challenge) as last uploaded.

Revision ID: 0012_game_progress
Revises: 0011_session_feelings
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012_game_progress"
down_revision: str | None = "0011_session_feelings"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "game_progress",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("state", sa.JSON(), nullable=False),
        sa.Column("client_updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("session_uuid", sa.String(length=36), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["patient_id"], ["patient.id"], ondelete="CASCADE",
                                name=op.f("fk_game_progress_patient_id_patient")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_game_progress")),
        sa.UniqueConstraint("patient_id", name=op.f("uq_game_progress_patient_id")),
    )


def downgrade() -> None:
    op.drop_table("game_progress")
