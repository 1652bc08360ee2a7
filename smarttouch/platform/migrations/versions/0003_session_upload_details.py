"""Exercise sessions keep what the client uploaded (movement, quit note, calibration, game
events, game result); session metrics keep the rest of the analysis in ``extra``.

Revision ID: 0003_session_upload
Revises: 0002_tremor_amplitude
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003_session_upload"
down_revision: str | None = "0002_tremor_amplitude"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_EMPTY_OBJECT = sa.text("'{}'")
_EMPTY_LIST = sa.text("'[]'")


def upgrade() -> None:
    with op.batch_alter_table("exercise_session", schema=None) as batch_op:
        batch_op.add_column(sa.Column("movement", sa.String(length=48), nullable=True))
        batch_op.add_column(sa.Column("quit_note", sa.Text(), nullable=False,
                                      server_default=""))
        batch_op.add_column(sa.Column("calibration", sa.JSON(), nullable=False,
                                      server_default=_EMPTY_OBJECT))
        batch_op.add_column(sa.Column("game_events", sa.JSON(), nullable=False,
                                      server_default=_EMPTY_LIST))
        batch_op.add_column(sa.Column("game_result", sa.JSON(), nullable=False,
                                      server_default=_EMPTY_OBJECT))
    with op.batch_alter_table("session_metrics", schema=None) as batch_op:
        batch_op.add_column(sa.Column("extra", sa.JSON(), nullable=False,
                                      server_default=_EMPTY_OBJECT))


def downgrade() -> None:
    with op.batch_alter_table("session_metrics", schema=None) as batch_op:
        batch_op.drop_column("extra")
    with op.batch_alter_table("exercise_session", schema=None) as batch_op:
        for name in ("game_result", "game_events", "calibration", "quit_note", "movement"):
            batch_op.drop_column(name)
