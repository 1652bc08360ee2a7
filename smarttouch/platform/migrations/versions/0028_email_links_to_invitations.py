"""The single-use links a sign-up and a password reset send by e-mail become invitation rows
(purposes ``verify`` and ``forgot``, bound to ``user_id``); the ``email_link`` table goes.

Every link is carried over, used and expired ones too (a sign-up that never verified is told
from an account an operator disabled by its having a verification link): the token digest as
it was, so a link mailed before the upgrade still works once, until it expired. An invitation
row also holds the digest of a typed code: a link gets the digest of a random code nobody
knows (and the pages that take a typed code do not take these purposes). The account's
e-mail, role, name and language are copied as an invitation row holds them.

Revision ID: 0028_email_links_to_invitations
Revises: 0026_need_link_on_the_need
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0028_email_links_to_invitations"
down_revision: str | None = "0026_need_link_on_the_need"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

#: email_link.purpose -> invitation.purpose
PURPOSES = {"verify": "verify", "reset": "forgot"}
_TIMES = ("created_at", "expires_at", "used_at")

email_link = sa.table(
    "email_link",
    sa.column("id", sa.Integer),
    sa.column("user_id", sa.Integer),
    sa.column("purpose", sa.String),
    sa.column("token_hash", sa.String),
    *(sa.column(name, sa.DateTime(timezone=True)) for name in _TIMES),
)
invitation = sa.table(
    "invitation",
    sa.column("id", sa.Integer),
    sa.column("purpose", sa.String),
    sa.column("role", sa.String),
    sa.column("email", sa.String),
    sa.column("full_name", sa.String),
    sa.column("locale", sa.String),
    sa.column("user_id", sa.Integer),
    sa.column("token_hash", sa.String),
    sa.column("code_hash", sa.String),
    *(sa.column(name, sa.DateTime(timezone=True)) for name in (*_TIMES, "revoked_at")),
)
user_account = sa.table(
    "user_account",
    sa.column("id", sa.Integer),
    sa.column("email", sa.String),
    sa.column("role", sa.String),
    sa.column("full_name", sa.String),
    sa.column("locale", sa.String),
)


def upgrade() -> None:
    conn = op.get_bind()
    links = conn.execute(
        sa.select(
            email_link,
            user_account.c.email,
            user_account.c.role,
            user_account.c.full_name,
            user_account.c.locale,
        )
        .join(user_account, user_account.c.id == email_link.c.user_id)
        .order_by(email_link.c.id)
    ).all()
    for link in links:
        conn.execute(
            invitation.insert().values(
                purpose=PURPOSES[link.purpose],
                role=link.role,
                email=link.email,
                full_name=link.full_name[:120],
                locale=link.locale,
                user_id=link.user_id,
                token_hash=link.token_hash,
                code_hash=hashlib.sha256(secrets.token_bytes(32)).hexdigest(),
                **{name: getattr(link, name) for name in _TIMES},
            )
        )
    with op.batch_alter_table("email_link", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_email_link_user_id"))
        batch_op.drop_index(batch_op.f("ix_email_link_token_hash"))
    op.drop_table("email_link")


def downgrade() -> None:
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
    conn = op.get_bind()
    back = {new: old for old, new in PURPOSES.items()}
    rows = conn.execute(
        sa.select(invitation).where(invitation.c.purpose.in_(list(back))).order_by(invitation.c.id)
    ).all()
    for row in rows:
        conn.execute(
            email_link.insert().values(
                user_id=row.user_id,
                purpose=back[row.purpose],
                token_hash=row.token_hash,
                created_at=row.created_at,
                # an email_link cannot be revoked: a revoked link goes back expired when revoked
                expires_at=min(row.expires_at, row.revoked_at or row.expires_at),
                used_at=row.used_at,
            )
        )
    conn.execute(invitation.delete().where(invitation.c.purpose.in_(list(back))))
