"""An index on the time each session's metrics were computed: the caseload's memoised window
of sessions is checked against the newest scoring (MAX over it) on every visit.

Revision ID: 0025_metrics_computed_at_index
Revises: 0024_pilots
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0025_metrics_computed_at_index"
down_revision: str | None = "0024_pilots"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_session_metrics_computed_at", "session_metrics", ["computed_at"])


def downgrade() -> None:
    op.drop_index("ix_session_metrics_computed_at", table_name="session_metrics")
