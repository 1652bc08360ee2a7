"""``/challenges/<slug>/forum`` and ``/challenges/<slug>/forum/<thread>``: read by anyone
(published challenges only); posting needs a developer, therapist or administrator login;
pinning and locking need a challenge manager. The opt-out link of a reply's e-mail works
without login (it is signed); a GET asks, the POST stops the e-mails."""

from __future__ import annotations

from typing import Any

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import StringField, SubmitField, TextAreaField

from ..auth.access import challenge_manager_required, public, role_required, signed_in_user
from ..models import Challenge, ForumThread, pk
from ..services.accounts import throttle
from ..services.challenges import forum
from ..services.challenges.leaderboards import get_published_challenge
from ..services.challenges.safe_markdown import render as render_markdown
from ..storage.db import get_session
from ..storage.shared import redis_client
from ..web.urls import external_url
from . import bp

P = forum.Problem
PROBLEM_TEXT = {
    P.not_allowed: _l("You cannot do this in the forum."),
    P.title_short: _l("Give the question a title of at least 3 characters."),
    P.title_long: _l("The title is too long: at most 160 characters."),
    P.body_empty: _l("Write something first."),
    P.body_long: _l("The text is too long: at most 10,000 characters."),
    P.locked: _l("This thread is locked: no more replies."),
    P.throttled: _l("You are posting very fast. Please wait about %(seconds)d seconds and try again."),
}


class ThreadForm(FlaskForm):
    title = StringField(_l("Your question, in one line"))
    body = TextAreaField(
        _l("Details"),
        description=_l("Markdown: **bold**, *italic*, `code`, lists and links."),
        render_kw={"rows": 6},
    )
    ask = SubmitField(_l("Ask the question"))


class ReplyForm(FlaskForm):
    body = TextAreaField(
        _l("Your reply"),
        description=_l("Markdown: **bold**, *italic*, `code`, lists and links."),
        render_kw={"rows": 5},
    )
    send = SubmitField(_l("Reply"))


def _problem_text(exc: forum.ForumRefused) -> str:
    if exc.problem == P.throttled:
        return _(
            "You are posting very fast. Please wait about %(seconds)d seconds and try again.",
            seconds=max(1, exc.retry_after_s),
        )
    return str(PROBLEM_TEXT[exc.problem])


def _counters() -> throttle.ThrottleStore:
    return throttle.store_for(get_session(), redis_client())


def _thread(slug: str, thread_id: int) -> tuple[Challenge, ForumThread]:
    db = get_session()
    c = get_published_challenge(db, slug=slug)
    return c, forum.get_thread(db, challenge=c, thread_id=thread_id)


def _poster() -> bool:
    return bool(current_user.is_authenticated and forum.can_post(signed_in_user()))


# ------------------------------------------------------------------------------ reading
def _list_page(c: Challenge, form: ThreadForm, status: int = 200) -> ResponseReturnValue:
    return render_template(
        "forum/list.html",
        c=c,
        threads=forum.list_threads(get_session(), challenge=c),
        form=form,
        can_post=_poster(),
        canonical=external_url("forum.threads", slug=c.slug),
        meta_description=_("Questions and answers about the challenge %(title)s.", title=c.title),
    ), status


@bp.route("/challenges/<slug>/forum")
@public
def threads(slug: str) -> ResponseReturnValue:
    c = get_published_challenge(get_session(), slug=slug)
    return _list_page(c, ThreadForm(formdata=None))


def _thread_page(c: Challenge, t: ForumThread, form: ReplyForm, status: int = 200) -> ResponseReturnValue:
    db = get_session()
    me = signed_in_user() if current_user.is_authenticated else None
    return render_template(
        "forum/thread.html",
        c=c,
        v=forum.thread_view(db, thread=t),
        form=form,
        can_post=_poster(),
        muted=forum.is_muted(db, thread=t, user_id=pk(me)) if me is not None else False,
        md=render_markdown,
        canonical=external_url("forum.thread", slug=c.slug, thread_id=pk(t)),
        meta_description=t.title,
    ), status


@bp.route("/challenges/<slug>/forum/<int:thread_id>")
@public
def thread(slug: str, thread_id: int) -> ResponseReturnValue:
    c, t = _thread(slug, thread_id)
    return _thread_page(c, t, ReplyForm(formdata=None))


# ------------------------------------------------------------------------------ posting
@bp.route("/challenges/<slug>/forum/new", methods=["POST"])
@role_required(*forum.POSTERS)
def ask(slug: str) -> ResponseReturnValue:
    c, form = get_published_challenge(get_session(), slug=slug), ThreadForm()
    if not form.validate_on_submit():
        return _list_page(c, form, 400)
    try:
        t = forum.start_thread(
            get_session(),
            actor=signed_in_user(),
            challenge=c,
            title=form.title.data or "",
            body=form.body.data or "",
            counters=_counters(),
            ip=request.remote_addr,
        )
    except forum.ForumRefused as exc:
        get_session().rollback()
        target = form.title if exc.problem in (P.title_short, P.title_long) else form.body
        target.errors = [_problem_text(exc)]
        return _list_page(c, form, 429 if exc.problem == P.throttled else 400)
    return redirect(url_for("forum.thread", slug=slug, thread_id=pk(t)))


def _compose(
    person: forum.Recipient, t: ForumThread, c: Challenge, replier: str, text: str
) -> tuple[str, str]:
    """A reply's e-mail in the recipient's language, with the thread and opt-out links."""
    thread_link = external_url("forum.thread", slug=c.slug, thread_id=pk(t))
    mute_link = external_url(
        "forum.mute",
        slug=c.slug,
        thread_id=pk(t),
        u=person.user_id,
        t=forum.mute_token(current_app.config["SECRET_KEY"], thread_id=pk(t), user_id=person.user_id),
    )
    with force_locale(person.locale or current_app.config.get("BABEL_DEFAULT_LOCALE", "en")):
        subject = _("New reply: %(title)s", title=t.title)
        body = _(
            "%(name)s replied in the thread “%(title)s” of the challenge “%(challenge)s”:",
            name=replier,
            title=t.title,
            challenge=c.title,
        )
        read = _("Read the thread and reply:")
        stop = _("Stop e-mails about this thread:")
        hello, sign = _("Hello,"), _("The SmartTouch hub")
    quoted = "\n".join("> " + line for line in text.splitlines()[:40])
    return (
        subject,
        f"{hello}\n\n{body}\n\n{quoted}\n\n{read}\n{thread_link}\n\n{stop}\n{mute_link}\n\n{sign}\n",
    )


@bp.route("/challenges/<slug>/forum/<int:thread_id>/reply", methods=["POST"])
@role_required(*forum.POSTERS)
def reply(slug: str, thread_id: int) -> ResponseReturnValue:
    c, t = _thread(slug, thread_id)
    form = ReplyForm()
    if not form.validate_on_submit():
        return _thread_page(c, t, form, 400)
    try:
        post, _sent = forum.reply(
            get_session(),
            actor=signed_in_user(),
            challenge=c,
            thread=t,
            body=form.body.data or "",
            counters=_counters(),
            settings=current_app.config,
            compose=_compose,
            ip=request.remote_addr,
        )
    except forum.ForumRefused as exc:
        get_session().rollback()
        form.body.errors = [_problem_text(exc)]
        return _thread_page(c, t, form, 429 if exc.problem == P.throttled else 400)
    return redirect(url_for("forum.thread", slug=slug, thread_id=thread_id, _anchor=f"post-{pk(post)}"))


# --------------------------------------------------------------------------- moderation
def _moderate(slug: str, thread_id: int, action: Any, message: str) -> ResponseReturnValue:
    c, t = _thread(slug, thread_id)
    action(get_session(), signed_in_user(), t)
    flash(message, "success")
    return redirect(url_for("forum.thread", slug=c.slug, thread_id=thread_id))


@bp.route("/challenges/<slug>/forum/<int:thread_id>/pin/<int:post_id>", methods=["POST"])
@challenge_manager_required
def pin(slug: str, thread_id: int, post_id: int) -> ResponseReturnValue:
    return _moderate(
        slug,
        thread_id,
        lambda db, me, t: forum.pin(db, actor=me, thread=t, post_id=post_id, ip=request.remote_addr),
        _("The reply is pinned as the answer."),
    )


@bp.route("/challenges/<slug>/forum/<int:thread_id>/unpin", methods=["POST"])
@challenge_manager_required
def unpin(slug: str, thread_id: int) -> ResponseReturnValue:
    return _moderate(
        slug,
        thread_id,
        lambda db, me, t: forum.unpin(db, actor=me, thread=t, ip=request.remote_addr),
        _("The answer is no longer pinned."),
    )


@bp.route("/challenges/<slug>/forum/<int:thread_id>/lock", methods=["POST"])
@challenge_manager_required
def lock(slug: str, thread_id: int) -> ResponseReturnValue:
    locked = request.form.get("locked") == "1"
    return _moderate(
        slug,
        thread_id,
        lambda db, me, t: forum.set_locked(db, actor=me, thread=t, locked=locked, ip=request.remote_addr),
        _("The thread is locked.") if locked else _("The thread is open for replies again."),
    )


# ------------------------------------------------------------------------------ opt-out
@bp.route("/challenges/<slug>/forum/<int:thread_id>/notifications", methods=["POST"])
@role_required(*forum.POSTERS)
def notifications(slug: str, thread_id: int) -> ResponseReturnValue:
    """A logged-in participant stops or resumes the e-mails of one thread."""
    c, t = _thread(slug, thread_id)
    muted = request.form.get("muted") == "1"
    forum.set_muted(
        get_session(), thread=t, user_id=pk(signed_in_user()), muted=muted, ip=request.remote_addr
    )
    flash(
        _("No more e-mails about this thread.") if muted else _("You will get e-mails about replies again."),
        "success",
    )
    return redirect(url_for("forum.thread", slug=c.slug, thread_id=thread_id))


@bp.route("/challenges/<slug>/forum/<int:thread_id>/mute", methods=["GET", "POST"])
@public
def mute(slug: str, thread_id: int) -> ResponseReturnValue:
    """The opt-out link of a reply's e-mail (signed for one user and thread)."""
    c, t = _thread(slug, thread_id)
    user_id = request.args.get("u", "")
    token = request.args.get("t", "")
    if not user_id.isdigit() or len(user_id) > 10:
        abort(404)
    if not forum.check_mute_token(
        current_app.config["SECRET_KEY"], thread_id=pk(t), user_id=int(user_id), token=token
    ):
        abort(404)
    done = False
    if request.method == "POST":
        forum.set_muted(get_session(), thread=t, user_id=int(user_id), muted=True, ip=request.remote_addr)
        done = True
    return render_template("forum/mute.html", c=c, t=t, done=done)
