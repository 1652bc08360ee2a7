"""Challenge managers (a flag an administrator grants), and two settings a challenge author
chooses: the largest team and the licence solutions are submitted under.

Revision ID: 0018_challenge_managers
Revises: 0017_developer_signup
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0018_challenge_managers"
down_revision: str | None = "0017_developer_signup"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # plain ADD COLUMNs: a batch rebuild of a referenced table is refused by SQLite's foreign keys
    op.add_column(
        "user_account",
        sa.Column("is_challenge_manager", sa.Boolean(), nullable=False, server_default=sa.false()),
    )
    op.add_column(
        "challenge", sa.Column("max_team_size", sa.Integer(), nullable=False, server_default=sa.text("1"))
    )
    op.add_column(
        "challenge",
        sa.Column("licence", sa.String(length=64), nullable=False, server_default="Apache-2.0"),
    )


def downgrade() -> None:
    with op.batch_alter_table("challenge", schema=None) as batch_op:
        batch_op.drop_column("licence")
        batch_op.drop_column("max_team_size")
    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.drop_column("is_challenge_manager")
