"""Shared state of hub and worker processes without Redis: named leases (``shared_lock``).

Revision ID: 0016_shared_state
Revises: 0015_alerts_triage
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016_shared_state"
down_revision: str | None = "0015_alerts_triage"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "shared_lock",
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("holder", sa.String(length=200), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_shared_lock")),
    )


def downgrade() -> None:
    op.drop_table("shared_lock")
