"""Challenges on the hub: imported bundles, reference solutions, submission jobs (message,
result, artifacts, lease), developers' personal API tokens, analyzers chosen per movement
and their runs over sessions.

Revision ID: 0005_challenge_hub
Revises: 0004_data_rights
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005_challenge_hub"
down_revision: str | None = "0004_data_rights"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_EMPTY_OBJECT = sa.text("'{}'")
_EMPTY_LIST = sa.text("'[]'")


def upgrade() -> None:
    with op.batch_alter_table("challenge", schema=None) as batch_op:
        batch_op.add_column(sa.Column("bundle_sha256", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("imported_at", sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table("solution", schema=None) as batch_op:
        batch_op.alter_column("developer_id", existing_type=sa.Integer(), nullable=True)
        batch_op.add_column(sa.Column("is_reference", sa.Boolean(), nullable=False,
                                      server_default=sa.false()))
        batch_op.add_column(sa.Column("description", sa.Text(), nullable=False,
                                      server_default=""))
    with op.batch_alter_table("submission", schema=None) as batch_op:
        batch_op.add_column(sa.Column("message", sa.Text(), nullable=False, server_default=""))
        batch_op.add_column(sa.Column("splits", sa.JSON(), nullable=False,
                                      server_default=_EMPTY_LIST))
        batch_op.add_column(sa.Column("result", sa.JSON(), nullable=False,
                                      server_default=_EMPTY_OBJECT))
        batch_op.add_column(sa.Column("artifacts", sa.JSON(), nullable=False,
                                      server_default=_EMPTY_OBJECT))
        batch_op.add_column(sa.Column("attempts", sa.Integer(), nullable=False,
                                      server_default="0"))
        batch_op.add_column(sa.Column("lease_token", sa.String(length=120), nullable=True))
        batch_op.add_column(sa.Column("lease_expires_at", sa.DateTime(timezone=True), nullable=True))

    op.create_table(
        "api_token",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("label", sa.String(length=120), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("token_prefix", sa.String(length=12), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["user_account.id"], ondelete="CASCADE",
                                name=op.f("fk_api_token_user_id_user_account")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_token")),
    )
    with op.batch_alter_table("api_token", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_api_token_token_hash"), ["token_hash"], unique=True)
        batch_op.create_index(batch_op.f("ix_api_token_user_id"), ["user_id"], unique=False)

    op.create_table(
        "analyzer_choice",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("movement", sa.String(length=48), nullable=False),
        sa.Column("submission_id", sa.Integer(), nullable=False),
        sa.Column("chosen_by_id", sa.Integer(), nullable=True),
        sa.Column("chosen_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["submission_id"], ["submission.id"], ondelete="CASCADE",
                                name=op.f("fk_analyzer_choice_submission_id_submission")),
        sa.ForeignKeyConstraint(["chosen_by_id"], ["user_account.id"], ondelete="SET NULL",
                                name=op.f("fk_analyzer_choice_chosen_by_id_user_account")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_analyzer_choice")),
    )
    with op.batch_alter_table("analyzer_choice", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_analyzer_choice_movement"), ["movement"],
                              unique=True)
        batch_op.create_index(batch_op.f("ix_analyzer_choice_submission_id"),
                              ["submission_id"], unique=False)

    op.create_table(
        "analyzer_run",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("submission_id", sa.Integer(), nullable=False),
        sa.Column("code_sha256", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("failure_reason", sa.String(length=64), nullable=True),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("outputs", sa.JSON(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("lease_token", sa.String(length=120), nullable=True),
        sa.Column("lease_expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["session_id"], ["exercise_session.id"], ondelete="CASCADE",
                                name=op.f("fk_analyzer_run_session_id_exercise_session")),
        sa.ForeignKeyConstraint(["submission_id"], ["submission.id"], ondelete="CASCADE",
                                name=op.f("fk_analyzer_run_submission_id_submission")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_analyzer_run")),
        sa.UniqueConstraint("session_id", "submission_id",
                            name=op.f("uq_analyzer_run_session_id_submission_id")),
    )
    with op.batch_alter_table("analyzer_run", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_analyzer_run_session_id"), ["session_id"],
                              unique=False)
        batch_op.create_index(batch_op.f("ix_analyzer_run_submission_id"), ["submission_id"],
                              unique=False)
        batch_op.create_index(batch_op.f("ix_analyzer_run_status"), ["status"], unique=False)


def downgrade() -> None:
    op.drop_table("analyzer_run")
    op.drop_table("analyzer_choice")
    op.drop_table("api_token")
    with op.batch_alter_table("submission", schema=None) as batch_op:
        for name in ("lease_expires_at", "lease_token", "attempts", "artifacts", "result",
                     "splits", "message"):
            batch_op.drop_column(name)
    with op.batch_alter_table("solution", schema=None) as batch_op:
        batch_op.drop_column("description")
        batch_op.drop_column("is_reference")
        batch_op.alter_column("developer_id", existing_type=sa.Integer(), nullable=False)
    with op.batch_alter_table("challenge", schema=None) as batch_op:
        batch_op.drop_column("imported_at")
        batch_op.drop_column("bundle_sha256")
