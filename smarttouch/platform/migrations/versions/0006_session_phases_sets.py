"""Session phases and per-set metrics: exercise sessions keep the phases the game recorded
(calibration, instructions, play per set, rest, stop, summary); session metrics keep one
entry per play set and whether the repetition count is uncertain, with the reason.

Revision ID: 0006_session_phases
Revises: 0005_challenge_hub
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006_session_phases"
down_revision: str | None = "0005_challenge_hub"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_EMPTY_LIST = sa.text("'[]'")


def upgrade() -> None:
    with op.batch_alter_table("exercise_session", schema=None) as batch_op:
        batch_op.add_column(sa.Column("phases", sa.JSON(), nullable=False, server_default=_EMPTY_LIST))
    with op.batch_alter_table("session_metrics", schema=None) as batch_op:
        batch_op.add_column(sa.Column("sets", sa.JSON(), nullable=False, server_default=_EMPTY_LIST))
        batch_op.add_column(
            sa.Column("count_uncertain", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.add_column(sa.Column("uncertain_reason", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("session_metrics", schema=None) as batch_op:
        for name in ("uncertain_reason", "count_uncertain", "sets"):
            batch_op.drop_column(name)
    with op.batch_alter_table("exercise_session", schema=None) as batch_op:
        batch_op.drop_column("phases")
