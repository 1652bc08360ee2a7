"""The side (left, right, both) and the sensor's site per assignment and per session.

Existing assignments (and their versions) keep what their sessions were recorded with: the
movement's default site; their side is the patient's affected side where the movement allows
it (a left-affected patient trains the left), else the right, the side the clients recorded.
Existing sessions keep no side or site (nothing says where the sensor actually was).

Revision ID: 0019_assignment_side_placement
Revises: 0018_challenge_managers
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from smarttouch.sensors.placements import default_side, default_site

revision: str = "0019_assignment_side_placement"
down_revision: str | None = "0018_challenge_managers"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ("assignment", "assignment_version")


def upgrade() -> None:
    # plain ADD COLUMNs: a batch rebuild of a referenced table is refused by SQLite's foreign keys
    for table in TABLES:
        op.add_column(
            table, sa.Column("side", sa.String(length=8), nullable=False, server_default=sa.text("'right'"))
        )
        op.add_column(
            table, sa.Column("placement", sa.String(length=24), nullable=False, server_default=sa.text("''"))
        )
    op.add_column("exercise_session", sa.Column("side", sa.String(length=8), nullable=True))
    op.add_column("exercise_session", sa.Column("placement", sa.String(length=24), nullable=True))

    conn = op.get_bind()
    rows = conn.execute(
        sa.text(
            "SELECT a.id, a.movement, p.affected_side FROM assignment a JOIN patient p ON p.id = a.patient_id"
        )
    ).all()
    for assignment_id, movement, affected in rows:
        values = {"id": assignment_id, "side": default_side(movement, affected)}
        conn.execute(
            sa.text("UPDATE assignment SET side = :side, placement = :site WHERE id = :id"),
            {**values, "site": default_site(movement)},
        )
        versions = conn.execute(
            sa.text("SELECT id, movement FROM assignment_version WHERE assignment_id = :id"), values
        ).all()
        for version_id, version_movement in versions:
            conn.execute(
                sa.text("UPDATE assignment_version SET side = :side, placement = :site WHERE id = :vid"),
                {
                    "side": default_side(version_movement, affected),
                    "site": default_site(version_movement),
                    "vid": version_id,
                },
            )


def downgrade() -> None:
    for table in ("exercise_session", *reversed(TABLES)):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column("placement")
            batch_op.drop_column("side")
