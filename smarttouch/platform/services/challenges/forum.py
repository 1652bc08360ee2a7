"""Each published challenge's question-and-answer forum.

Anyone may read it; developers, therapists and administrators post (a thread is a question,
replies answer it). Challenge managers (:func:`..accounts.permissions.can_manage_challenges`)
pin one reply as the answer and lock a thread. Posting is rate-limited per account with the
login throttle's counters (:data:`POST_POLICY`, key ``forum:<user id>``) and every post,
pin, lock and opt-out is audited (by id and length, not the words). Text is Markdown, stored
as written and rendered by the challenge description's sanitising renderer in the view.

A reply is mailed to the thread's author and everyone who replied before, except the replier
and those who opted out of the thread (:class:`~...models.ForumMute`); each message carries its
own opt-out link, signed with the hub's secret key (:func:`mute_token`), so it works without
logging in. A mail that cannot be sent is logged; the reply stays.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from ...models import Challenge, ForumMute, ForumPost, ForumThread, Role, User, pk, utcnow
from .. import audit
from ..accounts import throttle
from ..accounts.permissions import can_manage_challenges
from ..errors import Invalid, NotFound
from ..mail import MailError, send_mail

log = logging.getLogger(__name__)

TITLE_MIN, TITLE_MAX = 3, 160
BODY_MAX = 10_000
#: 10 posts an hour freely, then 1, 2, 4... s between posts; 40 lock posting for an hour.
POST_POLICY = throttle.ThrottlePolicy(free=10, lock=40, lock_minutes=60)
POSTERS = (Role.developer, Role.therapist, Role.admin)


class Problem(StrEnum):
    not_allowed = "not_allowed"
    title_short = "title_short"
    title_long = "title_long"
    body_empty = "body_empty"
    body_long = "body_long"
    locked = "locked"
    throttled = "throttled"


class ForumRefused(Invalid):
    """A post or action refused for ``problem``; nothing was stored."""

    def __init__(self, problem: Problem, retry_after_s: int = 0) -> None:
        super().__init__(f"forum: {problem.value}")
        self.problem = problem
        self.retry_after_s = retry_after_s


@dataclass(frozen=True)
class Recipient:
    """Who is told about a reply, with what they need to write to them."""

    user_id: int
    email: str
    full_name: str
    locale: str | None


#: (recipient, thread, challenge, replier's name, reply text) -> (subject, text); the caller
#: writes it in the recipient's language and adds the links.
Compose = Callable[[Recipient, ForumThread, Challenge, str, str], tuple[str, str]]


def can_post(user: User | None) -> bool:
    return user is not None and user.role in POSTERS and user.is_active


@dataclass(frozen=True)
class ThreadCard:
    id: int
    title: str
    author: str | None
    reply_count: int
    created_at: dt.datetime
    last_post_at: dt.datetime
    locked: bool
    answered: bool


@dataclass(frozen=True)
class PostView:
    post: ForumPost
    author: str | None
    author_role: str | None


@dataclass(frozen=True)
class ThreadView:
    thread: ForumThread
    author: str | None
    author_role: str | None
    posts: list[PostView]
    pinned: PostView | None


def list_threads(session: Session, *, challenge: Challenge) -> list[ThreadCard]:
    """The challenge's threads, most recently active first."""
    threads = list(
        session.exec(
            select(ForumThread)
            .where(ForumThread.challenge_id == challenge.id)
            .order_by(col(ForumThread.last_post_at).desc(), col(ForumThread.id).desc())
        )
    )
    ids = [pk(t) for t in threads]
    answered = (
        set(
            session.exec(
                select(ForumPost.thread_id).where(
                    col(ForumPost.thread_id).in_(ids), col(ForumPost.pinned_at).is_not(None)
                )
            ).all()
        )
        if ids
        else set()
    )
    names = _names(session, {t.author_id for t in threads})
    return [
        ThreadCard(
            pk(t),
            t.title,
            names.get(t.author_id, (None, None))[0],
            t.reply_count,
            t.created_at,
            t.last_post_at,
            t.locked_at is not None,
            pk(t) in answered,
        )
        for t in threads
    ]


def get_thread(session: Session, *, challenge: Challenge, thread_id: int) -> ForumThread:
    row = session.get(ForumThread, thread_id)
    if row is None or row.challenge_id != challenge.id:
        raise NotFound(f"no thread {thread_id}")
    return row


def thread_view(session: Session, *, thread: ForumThread) -> ThreadView:
    posts = list(
        session.exec(
            select(ForumPost)
            .where(ForumPost.thread_id == thread.id)
            .order_by(col(ForumPost.created_at), col(ForumPost.id))
        )
    )
    names: dict[int | None, tuple[str | None, str | None]] = dict(
        _names(session, {thread.author_id} | {p.author_id for p in posts})
    )
    views = [PostView(p, *names.get(p.author_id, (None, None))) for p in posts]
    pinned = next((v for v in views if v.post.pinned_at is not None), None)
    author, role = names.get(thread.author_id, (None, None))
    return ThreadView(thread, author, role, views, pinned)


def _names(session: Session, ids: set[int | None]) -> dict[int | None, tuple[str, str]]:
    """user id -> (display name, role): never an e-mail address."""
    real = [i for i in ids if i is not None]
    if not real:
        return {}
    rows = session.exec(select(User.id, User.full_name, User.role).where(col(User.id).in_(real))).all()
    return {i: (name, role) for i, name, role in rows}


# ------------------------------------------------------------------------------ posting
def _body(text: str) -> str:
    body = (text or "").strip()
    if not body:
        raise ForumRefused(Problem.body_empty)
    if len(body) > BODY_MAX:
        raise ForumRefused(Problem.body_long)
    return body


def _throttle(counters: throttle.ThrottleStore, actor: User, now: dt.datetime) -> None:
    keys = [f"forum:{pk(actor)}"]
    verdict = counters.check(keys=keys, now=now, policy=POST_POLICY)
    if not verdict.allowed:
        raise ForumRefused(Problem.throttled, verdict.retry_after_s)
    counters.record_failure(keys=keys, now=now, policy=POST_POLICY)


def start_thread(
    session: Session,
    *,
    actor: User,
    challenge: Challenge,
    title: str,
    body: str,
    counters: throttle.ThrottleStore,
    ip: str | None = None,
    now: dt.datetime | None = None,
) -> ForumThread:
    """A new question in the challenge's forum."""
    now = now or utcnow()
    if not can_post(actor):
        raise ForumRefused(Problem.not_allowed)
    shown = " ".join((title or "").split())
    if len(shown) < TITLE_MIN:
        raise ForumRefused(Problem.title_short)
    if len(shown) > TITLE_MAX:
        raise ForumRefused(Problem.title_long)
    text = _body(body)
    _throttle(counters, actor, now)
    thread = ForumThread(
        challenge_id=pk(challenge),
        author_id=actor.id,
        title=shown,
        body_md=text,
        created_at=now,
        last_post_at=now,
    )
    session.add(thread)
    session.flush()
    audit.record(
        session,
        action="forum.thread_created",
        actor=actor,
        target_type="forum_thread",
        target_id=thread.id,
        details={"challenge": challenge.slug, "chars": len(text)},
        ip=ip,
    )
    session.commit()
    session.refresh(thread)
    return thread


def reply(
    session: Session,
    *,
    actor: User,
    challenge: Challenge,
    thread: ForumThread,
    body: str,
    counters: throttle.ThrottleStore,
    settings: Mapping[str, Any],
    compose: Compose,
    ip: str | None = None,
    now: dt.datetime | None = None,
) -> tuple[ForumPost, int]:
    """A reply in ``thread``; then the e-mails (see the module). Returns the post and how many
    messages were sent."""
    now = now or utcnow()
    if not can_post(actor):
        raise ForumRefused(Problem.not_allowed)
    if thread.locked_at is not None:
        raise ForumRefused(Problem.locked)
    text = _body(body)
    _throttle(counters, actor, now)
    post = ForumPost(thread_id=pk(thread), author_id=actor.id, body_md=text, created_at=now)
    session.add(post)
    session.execute(
        update(ForumThread)
        .where(col(ForumThread.id) == thread.id)
        .values(reply_count=ForumThread.reply_count + 1, last_post_at=now)
    )
    session.flush()
    audit.record(
        session,
        action="forum.replied",
        actor=actor,
        target_type="forum_post",
        target_id=post.id,
        details={"challenge": challenge.slug, "thread": thread.id, "chars": len(text)},
        ip=ip,
    )
    session.commit()
    session.refresh(post)
    session.refresh(thread)
    sent = 0
    for person in recipients(session, thread=thread, replier_id=pk(actor)):
        subject, words = compose(person, thread, challenge, actor.full_name, text)
        try:
            send_mail(settings, to=person.email, subject=subject, text=words)
            sent += 1
        except MailError as exc:  # the reply is stored; one unreachable server must not undo it
            log.warning("forum reply %s: mail to user %s not sent: %s", post.id, person.user_id, exc)
    return post, sent


def recipients(session: Session, *, thread: ForumThread, replier_id: int) -> list[Recipient]:
    """The thread's author and earlier repliers, minus the replier, opted-out and inactive
    accounts."""
    ids = {thread.author_id} | set(
        session.exec(select(ForumPost.author_id).where(ForumPost.thread_id == thread.id)).all()
    )
    muted = set(session.exec(select(ForumMute.user_id).where(ForumMute.thread_id == thread.id)).all())
    wanted = [i for i in ids if i is not None and i != replier_id and i not in muted]
    if not wanted:
        return []
    users = session.exec(
        select(User).where(col(User.id).in_(wanted), col(User.is_active).is_(True)).order_by(col(User.id))
    ).all()
    return [Recipient(pk(u), u.email, u.full_name, u.locale) for u in users]


# --------------------------------------------------------------------------- moderation
def _require_manager(actor: User) -> None:
    if not can_manage_challenges(actor):
        raise ForumRefused(Problem.not_allowed)


def pin(session: Session, *, actor: User, thread: ForumThread, post_id: int, ip: str | None = None) -> None:
    """A challenge manager marks ``post_id`` as the thread's answer (the previous one is unpinned)."""
    _require_manager(actor)
    post = session.get(ForumPost, post_id)
    if post is None or post.thread_id != thread.id:
        raise NotFound(f"no post {post_id}")
    now = utcnow()
    session.execute(
        update(ForumPost)
        .where(col(ForumPost.thread_id) == thread.id, col(ForumPost.id) != post_id)
        .values(pinned_at=None)
    )
    post.pinned_at = now
    session.add(post)
    audit.record(
        session,
        action="forum.pinned",
        actor=actor,
        target_type="forum_post",
        target_id=post.id,
        details={"thread": thread.id},
        ip=ip,
    )
    session.commit()


def unpin(session: Session, *, actor: User, thread: ForumThread, ip: str | None = None) -> None:
    _require_manager(actor)
    session.execute(update(ForumPost).where(col(ForumPost.thread_id) == thread.id).values(pinned_at=None))
    audit.record(
        session, action="forum.unpinned", actor=actor, target_type="forum_thread", target_id=thread.id, ip=ip
    )
    session.commit()


def set_locked(
    session: Session, *, actor: User, thread: ForumThread, locked: bool, ip: str | None = None
) -> None:
    """A challenge manager locks (no more replies) or reopens the thread."""
    _require_manager(actor)
    thread.locked_at = utcnow() if locked else None
    session.add(thread)
    audit.record(
        session,
        action="forum.locked" if locked else "forum.unlocked",
        actor=actor,
        target_type="forum_thread",
        target_id=thread.id,
        ip=ip,
    )
    session.commit()


# ------------------------------------------------------------------------------ opt-out
def mute_token(secret: str, *, thread_id: int, user_id: int) -> str:
    """The signature of an opt-out link (HMAC-SHA256 with the hub's secret key)."""
    msg = f"forum-mute:{thread_id}:{user_id}".encode()
    return hmac.new(secret.encode(), msg, hashlib.sha256).hexdigest()[:32]


def check_mute_token(secret: str, *, thread_id: int, user_id: int, token: str) -> bool:
    return hmac.compare_digest(mute_token(secret, thread_id=thread_id, user_id=user_id), token or "")


def is_muted(session: Session, *, thread: ForumThread, user_id: int) -> bool:
    return (
        session.exec(
            select(ForumMute.id).where(ForumMute.thread_id == thread.id, ForumMute.user_id == user_id)
        ).first()
        is not None
    )


def set_muted(
    session: Session, *, thread: ForumThread, user_id: int, muted: bool, ip: str | None = None
) -> None:
    """``user_id`` stops (or resumes) e-mails about replies in ``thread``."""
    if muted == is_muted(session, thread=thread, user_id=user_id):
        return
    if muted:
        try:
            session.add(ForumMute(thread_id=pk(thread), user_id=user_id))
            session.flush()
        except IntegrityError:  # a second click at the same moment
            session.rollback()
            return
    else:
        row = session.exec(
            select(ForumMute).where(ForumMute.thread_id == thread.id, ForumMute.user_id == user_id)
        ).first()
        if row is not None:
            session.delete(row)
    user = session.get(User, user_id)
    audit.record(
        session,
        action="forum.muted" if muted else "forum.unmuted",
        actor=user,
        target_type="forum_thread",
        target_id=thread.id,
        ip=ip,
    )
    session.commit()
