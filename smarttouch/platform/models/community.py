"""Developers together on a challenge: teams (members, a revocable join link) and the
challenge's question-and-answer forum (threads, replies, per-thread e-mail opt-outs).

E-mail invitations to a team are :class:`~.onboarding.Invitation` rows of purpose ``team``."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from .base import created_field, sha256_field, text_field, time_field


class Team(SQLModel, table=True):
    """Developers competing together on one challenge (members in :class:`TeamMember`)."""

    __tablename__ = "team"
    __table_args__ = (sa.UniqueConstraint("challenge_id", "name_key"),)

    id: int | None = Field(default=None, primary_key=True)
    challenge_id: int = Field(foreign_key="challenge.id", index=True, ondelete="CASCADE")
    name: str = Field(max_length=60)
    name_key: str = Field(max_length=60)
    """the name folded for comparison: two teams of a challenge never differ only in case or spaces"""
    created_by_id: int | None = Field(default=None, foreign_key="user_account.id", ondelete="SET NULL")
    created_at: datetime = created_field()
    join_token_hash: str | None = sha256_field(nullable=True, unique=True)
    """SHA-256 of the shareable join link's secret; None when there is no link (or it was revoked)"""
    join_link_created_at: datetime | None = time_field()


class TeamMember(SQLModel, table=True):
    """A developer's place in a team; one team per developer and challenge."""

    __tablename__ = "team_member"
    __table_args__ = (sa.UniqueConstraint("challenge_id", "user_id"),)

    id: int | None = Field(default=None, primary_key=True)
    team_id: int = Field(foreign_key="team.id", index=True, ondelete="CASCADE")
    challenge_id: int = Field(foreign_key="challenge.id", ondelete="CASCADE")
    user_id: int = Field(foreign_key="user_account.id", index=True, ondelete="CASCADE")
    joined_at: datetime = created_field()


class ForumThread(SQLModel, table=True):
    """A question asked in a challenge's forum; its first words are ``body_md``."""

    __tablename__ = "forum_thread"

    id: int | None = Field(default=None, primary_key=True)
    challenge_id: int = Field(foreign_key="challenge.id", index=True, ondelete="CASCADE")
    author_id: int | None = Field(default=None, foreign_key="user_account.id", ondelete="SET NULL")
    title: str = Field(max_length=160)
    body_md: str = text_field()
    created_at: datetime = created_field()
    last_post_at: datetime = created_field()
    reply_count: int = Field(default=0)
    locked_at: datetime | None = time_field()
    """a challenge manager locked the thread: no more replies"""


class ForumPost(SQLModel, table=True):
    """A reply in a thread; a challenge manager may pin one as the answer."""

    __tablename__ = "forum_post"

    id: int | None = Field(default=None, primary_key=True)
    thread_id: int = Field(foreign_key="forum_thread.id", index=True, ondelete="CASCADE")
    author_id: int | None = Field(default=None, foreign_key="user_account.id", ondelete="SET NULL")
    body_md: str = text_field()
    created_at: datetime = created_field()
    pinned_at: datetime | None = time_field()


class ForumMute(SQLModel, table=True):
    """``user_id`` asked for no more e-mails about replies in ``thread_id``."""

    __tablename__ = "forum_mute"
    __table_args__ = (sa.UniqueConstraint("thread_id", "user_id"),)

    id: int | None = Field(default=None, primary_key=True)
    thread_id: int = Field(foreign_key="forum_thread.id", index=True, ondelete="CASCADE")
    user_id: int = Field(foreign_key="user_account.id", index=True, ondelete="CASCADE")
    created_at: datetime = created_field()
