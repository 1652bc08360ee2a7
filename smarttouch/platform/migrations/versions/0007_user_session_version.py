"""Accounts keep a session version: logout, a password change and deactivation raise it, and a
web login whose cookie carries an older version is no longer accepted.

Revision ID: 0007_session_version
Revises: 0006_session_phases
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007_session_version"
down_revision: str | None = "0006_session_phases"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # A plain ADD COLUMN (SQLite supports NOT NULL with a default): a batch rebuild would drop
    # user_account while other tables still reference it, which SQLite's foreign keys refuse.
    op.add_column(
        "user_account",
        sa.Column("session_version", sa.Integer(), nullable=False, server_default=sa.text("1")),
    )


def downgrade() -> None:
    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.drop_column("session_version")
