"""One link between a clinical need and its challenge: ``clinical_need.challenge_id`` (a need
is answered by one challenge, a challenge may answer several; what the loop-closing code
reads). ``challenge.need_id``, set together with it when a challenge was written from a need,
is dropped. Data step first: a challenge that names a need still proposed or accepted and
linked to no challenge (its link failed after the challenge was saved) turns that need into
it, as linking would have; when several name the same need, the first written wins. A need
already linked keeps its link, and a declined or answered need is left as it is.

Downgrade: ``challenge.need_id`` comes back holding the first need linked to each challenge.

Revision ID: 0026_need_link_on_the_need
Revises: 0025_metrics_computed_at_index
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0026_need_link_on_the_need"
down_revision: str | None = "0025_metrics_computed_at_index"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

challenge = sa.table("challenge", sa.column("id", sa.Integer), sa.column("need_id", sa.Integer))
need = sa.table(
    "clinical_need",
    sa.column("id", sa.Integer),
    sa.column("status", sa.String),
    sa.column("status_changed_at", sa.DateTime(timezone=True)),
    sa.column("challenge_id", sa.Integer),
)


def upgrade() -> None:
    conn = op.get_bind()
    firsts = conn.execute(
        sa.select(challenge.c.need_id, sa.func.min(challenge.c.id))
        .where(challenge.c.need_id.is_not(None))
        .group_by(challenge.c.need_id)
    ).all()
    now = dt.datetime.now(dt.UTC)
    for need_id, challenge_id in firsts:
        conn.execute(
            need.update()
            .where(
                need.c.id == need_id,
                need.c.challenge_id.is_(None),
                need.c.status.in_(("proposed", "accepted")),
            )
            .values(challenge_id=challenge_id, status="challenge", status_changed_at=now)
        )
    # a plain DROP COLUMN (SQLite >= 3.35 and PostgreSQL): a batch rebuild of a referenced
    # table is refused by SQLite's foreign keys
    op.drop_column("challenge", "need_id")


def downgrade() -> None:
    op.add_column("challenge", sa.Column("need_id", sa.Integer(), nullable=True))
    first_need = (
        sa.select(sa.func.min(need.c.id)).where(need.c.challenge_id == challenge.c.id).scalar_subquery()
    )
    op.get_bind().execute(challenge.update().values(need_id=first_need))
