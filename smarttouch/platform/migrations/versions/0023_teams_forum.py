"""Teams per challenge (members, a revocable join link; e-mail invitations are invitation rows
of purpose ``team``) and each challenge's question-and-answer forum.

Revision ID: 0023_teams_forum
Revises: 0022_challenge_authoring
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0023_teams_forum"
down_revision: str | None = "0022_challenge_authoring"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TZ = sa.DateTime(timezone=True)


def _fk(table: str, column: str, target: str, ondelete: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], [f"{target}.id"], ondelete=ondelete, name=op.f(f"fk_{table}_{column}_{target}")
    )


def upgrade() -> None:
    op.create_table(
        "team",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("challenge_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=60), nullable=False),
        sa.Column("name_key", sa.String(length=60), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("join_token_hash", sa.String(length=64), nullable=True),
        sa.Column("join_link_created_at", TZ, nullable=True),
        _fk("team", "challenge_id", "challenge", "CASCADE"),
        _fk("team", "created_by_id", "user_account", "SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_team")),
        sa.UniqueConstraint("challenge_id", "name_key", name=op.f("uq_team_challenge_id_name_key")),
        sa.UniqueConstraint("join_token_hash", name=op.f("uq_team_join_token_hash")),
    )
    with op.batch_alter_table("team", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_team_challenge_id"), ["challenge_id"], unique=False)
    op.create_table(
        "team_member",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("challenge_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("joined_at", TZ, nullable=False),
        _fk("team_member", "team_id", "team", "CASCADE"),
        _fk("team_member", "challenge_id", "challenge", "CASCADE"),
        _fk("team_member", "user_id", "user_account", "CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_team_member")),
        sa.UniqueConstraint("challenge_id", "user_id", name=op.f("uq_team_member_challenge_id_user_id")),
    )
    with op.batch_alter_table("team_member", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_team_member_team_id"), ["team_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_team_member_user_id"), ["user_id"], unique=False)
    with op.batch_alter_table("invitation", schema=None) as batch_op:
        batch_op.add_column(sa.Column("team_id", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_invitation_team_id"), ["team_id"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_invitation_team_id_team"), "team", ["team_id"], ["id"], ondelete="CASCADE"
        )
    op.create_table(
        "forum_thread",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("challenge_id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("title", sa.String(length=160), nullable=False),
        sa.Column("body_md", sa.Text(), nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("last_post_at", TZ, nullable=False),
        sa.Column("reply_count", sa.Integer(), nullable=False),
        sa.Column("locked_at", TZ, nullable=True),
        _fk("forum_thread", "challenge_id", "challenge", "CASCADE"),
        _fk("forum_thread", "author_id", "user_account", "SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_forum_thread")),
    )
    with op.batch_alter_table("forum_thread", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_forum_thread_challenge_id"), ["challenge_id"], unique=False)
    op.create_table(
        "forum_post",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("thread_id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("body_md", sa.Text(), nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("pinned_at", TZ, nullable=True),
        _fk("forum_post", "thread_id", "forum_thread", "CASCADE"),
        _fk("forum_post", "author_id", "user_account", "SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_forum_post")),
    )
    with op.batch_alter_table("forum_post", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_forum_post_thread_id"), ["thread_id"], unique=False)
    op.create_table(
        "forum_mute",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("thread_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        _fk("forum_mute", "thread_id", "forum_thread", "CASCADE"),
        _fk("forum_mute", "user_id", "user_account", "CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_forum_mute")),
        sa.UniqueConstraint("thread_id", "user_id", name=op.f("uq_forum_mute_thread_id_user_id")),
    )
    with op.batch_alter_table("forum_mute", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_forum_mute_thread_id"), ["thread_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_forum_mute_user_id"), ["user_id"], unique=False)


def downgrade() -> None:
    op.drop_table("forum_mute")
    op.drop_table("forum_post")
    op.drop_table("forum_thread")
    with op.batch_alter_table("invitation", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_invitation_team_id_team"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_invitation_team_id"))
        batch_op.drop_column("team_id")
    op.drop_table("team_member")
    op.drop_table("team")
