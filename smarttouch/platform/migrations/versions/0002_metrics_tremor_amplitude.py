"""Session metrics: tremor amplitude in degrees (the tremor metric with an MCID rule).

Revision ID: 0002_tremor_amplitude
Revises: 0001_initial
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002_tremor_amplitude"
down_revision: str | None = "0001_initial"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("session_metrics", schema=None) as batch_op:
        batch_op.add_column(sa.Column("tremor_amplitude_deg", sa.Float(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("session_metrics", schema=None) as batch_op:
        batch_op.drop_column("tremor_amplitude_deg")
