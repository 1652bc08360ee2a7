"""Developers join by themselves: e-mail links (verification, password reset), the e-mail
verification time of an account, challenges' data-use terms versions and their acceptances.

Revision ID: 0017_developer_signup
Revises: 0016_shared_state
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0017_developer_signup"
down_revision: str | None = "0016_shared_state"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # plain ADD COLUMNs: a batch rebuild of a referenced table is refused by SQLite's foreign keys
    op.add_column("user_account", sa.Column("email_verified_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column(
        "challenge", sa.Column("terms_version", sa.Integer(), nullable=False, server_default=sa.text("1"))
    )
    op.create_table(
        "email_link",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("purpose", sa.String(length=16), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user_account.id"],
            ondelete="CASCADE",
            name=op.f("fk_email_link_user_id_user_account"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_email_link")),
    )
    with op.batch_alter_table("email_link", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_email_link_token_hash"), ["token_hash"], unique=True)
        batch_op.create_index(batch_op.f("ix_email_link_user_id"), ["user_id"], unique=False)
    op.create_table(
        "terms_acceptance",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("challenge_id", sa.Integer(), nullable=False),
        sa.Column("terms_version", sa.Integer(), nullable=False),
        sa.Column("accepted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ip", sa.String(length=45), nullable=True),
        sa.ForeignKeyConstraint(
            ["challenge_id"],
            ["challenge.id"],
            ondelete="CASCADE",
            name=op.f("fk_terms_acceptance_challenge_id_challenge"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user_account.id"],
            ondelete="CASCADE",
            name=op.f("fk_terms_acceptance_user_id_user_account"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_terms_acceptance")),
        sa.UniqueConstraint(
            "user_id",
            "challenge_id",
            "terms_version",
            name=op.f("uq_terms_acceptance_user_id_challenge_id_terms_version"),
        ),
    )
    with op.batch_alter_table("terms_acceptance", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_terms_acceptance_challenge_id"), ["challenge_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_terms_acceptance_user_id"), ["user_id"], unique=False)


def downgrade() -> None:
    op.drop_table("terms_acceptance")
    op.drop_table("email_link")
    with op.batch_alter_table("challenge", schema=None) as batch_op:
        batch_op.drop_column("terms_version")
    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.drop_column("email_verified_at")
