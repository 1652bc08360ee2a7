"""Alerts: one open alert per patient and concern, self-resolving, acknowledged with a note.

Adds ``concern``, ``updated_at``, ``acknowledge_note``, ``resolved_at`` and
``resolution_note`` to ``alert``. Existing rows get their concern from their kind (every
decline, whatever the metric, is one concern); where several open alerts share a
patient and concern, the newest stays open and the others are marked resolved as merged into
it, before the partial unique index on the open ones is created.

Adds an index on ``exercise_session (patient_id, started_at)`` (the caseload and the
patient page read each patient's sessions of a window of days) and ``patient.birth_date`` (optional; shown only in reports the therapist chooses to
identify).

Revision ID: 0015_alerts_triage
Revises: 0014_invitations_messages
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision: str = "0015_alerts_triage"
down_revision: str | None = "0014_invitations_messages"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OPEN = sa.text("acknowledged_at IS NULL AND resolved_at IS NULL")


def upgrade() -> None:
    with op.batch_alter_table("alert", schema=None) as batch_op:
        batch_op.add_column(sa.Column("concern", sa.String(length=64), nullable=False, server_default=""))
        batch_op.add_column(sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("acknowledge_note", sa.Text(), nullable=False, server_default=""))
        batch_op.add_column(sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("resolution_note", sa.Text(), nullable=False, server_default=""))
    bind = op.get_bind()
    alert = sa.table(
        "alert",
        sa.column("id", sa.Integer),
        sa.column("patient_id", sa.Integer),
        sa.column("kind", sa.String),
        sa.column("concern", sa.String),
        sa.column("acknowledged_at", sa.DateTime(timezone=True)),
        sa.column("resolved_at", sa.DateTime(timezone=True)),
        sa.column("resolution_note", sa.Text),
    )
    rows = bind.execute(
        sa.select(alert.c.id, alert.c.patient_id, alert.c.kind, alert.c.acknowledged_at).order_by(
            alert.c.id.desc()
        )
    ).all()
    now = datetime.now(UTC)
    kept: set[tuple[int, str]] = set()
    for id_, patient_id, kind, acknowledged_at in rows:
        concern = kind  # the concern of services/clinic/alerts.py for the three kinds of 0009
        values: dict[str, object] = {"concern": concern}
        if acknowledged_at is None:
            if (patient_id, concern) in kept:  # an older duplicate of an open concern
                values.update(
                    resolved_at=now, resolution_note="merged into a newer alert about the same concern"
                )
            kept.add((patient_id, concern))
        bind.execute(alert.update().where(alert.c.id == id_).values(**values))
    with op.batch_alter_table("alert", schema=None) as batch_op:
        batch_op.alter_column("concern", server_default=None)
        batch_op.alter_column("acknowledge_note", server_default=None)
        batch_op.alter_column("resolution_note", server_default=None)
    with op.batch_alter_table("patient", schema=None) as batch_op:
        batch_op.add_column(sa.Column("birth_date", sa.Date(), nullable=True))
    op.create_index(
        "ix_exercise_session_patient_started", "exercise_session", ["patient_id", "started_at"], unique=False
    )
    op.create_index(
        "uq_alert_open_concern",
        "alert",
        ["patient_id", "concern"],
        unique=True,
        sqlite_where=OPEN,
        postgresql_where=OPEN,
    )


def downgrade() -> None:
    op.drop_index("uq_alert_open_concern", table_name="alert")
    op.drop_index("ix_exercise_session_patient_started", table_name="exercise_session")
    with op.batch_alter_table("patient", schema=None) as batch_op:
        batch_op.drop_column("birth_date")
    with op.batch_alter_table("alert", schema=None) as batch_op:
        batch_op.drop_column("resolution_note")
        batch_op.drop_column("resolved_at")
        batch_op.drop_column("acknowledge_note")
        batch_op.drop_column("updated_at")
        batch_op.drop_column("concern")
