"""A challenge's question-and-answer forum: who reads and posts, pinning and locking by
challenge managers only, sanitised Markdown, rate limits, audit, e-mails to participants
(through a real SMTP server) with a working opt-out link; and the team pages' roles."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlmodel import Session, func, select

from smarttouch.platform import create_app
from smarttouch.platform.models import (
    AuditEvent,
    Challenge,
    ForumMute,
    ForumPost,
    ForumThread,
    Team,
    TeamMember,
    User,
)
from smarttouch.platform.services.accounts import throttle
from smarttouch.platform.services.challenges import forum
from smarttouch.platform.storage.db import get_engine
from smarttouch.platform.testing import csrf_token, hub_config, login
from tests.platform.conftest import fresh_sqlite_url

BASE = "https://hub.example.org"


@pytest.fixture
def app(tmp_path: Path, sqlite_template: Path, smtp_server: Any) -> Iterator[Flask]:
    url = fresh_sqlite_url(sqlite_template, tmp_path / "instance")
    application = create_app(hub_config(tmp_path / "instance", url, SMTP_URL=smtp_server.url, BASE_URL=BASE))
    yield application
    get_engine(application).dispose()


def _post(client: FlaskClient, path: str, page: str | None = None, **data: str) -> Any:
    return client.post(path, data={"csrf_token": csrf_token(client, page or path), **data})


def _count(app: Flask, model: Any, *where: Any) -> int:
    with Session(get_engine(app)) as s:
        return int(s.exec(select(func.count()).select_from(model).where(*where)).one())


def _logout(client: FlaskClient) -> None:
    with client.session_transaction() as sess:
        sess.clear()


def _as(client: FlaskClient, user: User) -> None:
    _logout(client)
    assert login(client, user.email).status_code in (302, 303)


@pytest.fixture
def ch(make_challenge: Callable[..., Challenge]) -> Challenge:
    return make_challenge(slug="steady-hands", title="Steady hands", max_team_size=2)


def test_forum_roles_pin_lock_mail_and_opt_out(
    app: Flask, client: FlaskClient, ch: Challenge, make_user: Callable[..., User], smtp_server: Any
) -> None:
    dev = make_user("developer", full_name="Ada Dev")
    other = make_user("developer", full_name="Bob Dev")
    manager = make_user("therapist", full_name="Mara Manager", is_challenge_manager=True)
    therapist = make_user("therapist", full_name="Theo Therapist")
    patient = make_user("patient")
    # public read, no login
    assert client.get("/challenges/steady-hands/forum").status_code == 200
    assert client.get("/challenges/nope/forum").status_code == 404
    # posting needs a login with a posting role
    page = "/challenges/steady-hands/forum"
    _as(client, patient)
    assert (
        _post(client, "/challenges/steady-hands/forum/new", page, title="Hi there", body="x").status_code
        == 403
    )
    _as(client, dev)
    r = _post(client, "/challenges/steady-hands/forum/new", page, title="Hi", body="?")
    assert r.status_code == 400 and b"at least 3 characters" in r.data
    r = _post(client, "/challenges/steady-hands/forum/new", page, title="Hello", body="  ")
    assert r.status_code == 400 and b"Write something first" in r.data
    assert _count(app, ForumThread) == 0
    r = _post(
        client,
        "/challenges/steady-hands/forum/new",
        page,
        title="Sampling rate?",
        body="Is it **50 Hz**? <script>alert(1)</script>",
    )
    assert r.status_code == 302
    thread_path = r.headers["Location"]
    html = client.get(thread_path).get_data(as_text=True)
    assert "<strong>50 Hz</strong>" in html and "<script>alert" not in html
    # a reply from another developer mails the author (not the replier)
    _as(client, other)
    assert _post(client, thread_path + "/reply", thread_path, body="Yes, 50 Hz.").status_code == 302
    (msg,) = smtp_server.wait_for(1)
    assert msg["To"] == dev.email and "Sampling rate?" in msg["Subject"]
    text = msg.get_body(preferencelist=("plain",)).get_content()
    assert "Bob Dev" in text and "Yes, 50 Hz." in text and other.email not in text
    mute_link = next(u for u in re.findall(r"https?://\S+", text) if "/mute?" in u)
    # a therapist replies: the author and the first replier are told
    _as(client, therapist)
    assert _post(client, thread_path + "/reply", thread_path, body="Confirmed.").status_code == 302
    assert sorted(m["To"] for m in smtp_server.wait_for(3)[1:]) == sorted([dev.email, other.email])
    # empty reply: field error, nothing stored
    r = _post(client, thread_path + "/reply", thread_path, body="   ")
    assert r.status_code == 400 and b"Write something first" in r.data
    assert _count(app, ForumPost) == 2
    # pinning: a developer and a plain therapist are refused; the manager pins
    with Session(get_engine(app)) as s:
        first = s.exec(select(ForumPost).order_by(ForumPost.id)).first()
        assert first is not None
    pin = f"{thread_path}/pin/{first.id}"
    assert _post(client, pin, thread_path).status_code == 403
    _as(client, dev)
    assert _post(client, pin, thread_path).status_code == 403
    _as(client, manager)
    assert "Pin as the answer" in client.get(thread_path).get_data(as_text=True)
    assert _post(client, pin, thread_path).status_code == 302
    assert "pinned answer" in client.get(thread_path).get_data(as_text=True)
    assert _post(client, thread_path + "/lock", thread_path, locked="1").status_code == 302
    # opt-out link (no login): GET asks, POST mutes
    _logout(client)
    mute_path = mute_link[len(BASE) :]
    assert client.get(mute_path).status_code == 200
    assert _count(app, ForumMute) == 0
    assert _post(client, mute_path, mute_path).status_code == 200
    assert _count(app, ForumMute) == 1
    assert client.get(mute_path.replace("&t=", "&t=0")).status_code == 404
    # locked: no more replies
    _as(client, other)
    r = _post(client, thread_path + "/reply", thread_path, body="One more")
    assert r.status_code == 400 and b"locked" in r.data
    for action in ("forum.thread_created", "forum.replied", "forum.pinned", "forum.locked", "forum.muted"):
        assert _count(app, AuditEvent, AuditEvent.action == action) >= 1, action
    # the list says the thread is answered; its page shows no e-mail address
    html = client.get("/challenges/steady-hands/forum").get_data(as_text=True)
    assert "answered" in html and dev.email not in html


def test_recipients_skip_muted_and_the_replier(app: Flask, ch: Challenge, make_user) -> None:
    a, b, c = (make_user("developer") for _ in range(3))
    with app.app_context(), Session(get_engine(app), expire_on_commit=False) as s:
        counters = throttle.DatabaseThrottle(s)
        t = forum.start_thread(s, actor=a, challenge=ch, title="Question", body="?", counters=counters)
        for who in (b, c):
            forum.reply(
                s, actor=who, challenge=ch, thread=t, body="!", counters=counters, settings={}, compose=_words
            )
        forum.set_muted(s, thread=t, user_id=a.id or 0, muted=True)
        assert [r.user_id for r in forum.recipients(s, thread=t, replier_id=c.id or 0)] == [b.id]


def _words(person: forum.Recipient, *_: Any) -> tuple[str, str]:
    return "s", "t"


def test_posting_is_rate_limited(app: Flask, ch: Challenge, make_user) -> None:
    a = make_user("developer")
    with app.app_context(), Session(get_engine(app), expire_on_commit=False) as s:
        counters = throttle.DatabaseThrottle(s)
        for n in range(forum.POST_POLICY.free):
            forum.start_thread(s, actor=a, challenge=ch, title=f"Question {n}", body="?", counters=counters)
        with pytest.raises(forum.ForumRefused) as info:
            forum.start_thread(s, actor=a, challenge=ch, title="One too many", body="?", counters=counters)
        assert info.value.problem == forum.Problem.throttled and info.value.retry_after_s > 0
    assert _count(app, ForumThread) == forum.POST_POLICY.free


def test_team_pages_roles_and_errors(
    app: Flask, client: FlaskClient, ch: Challenge, make_user: Callable[..., User], smtp_server: Any
) -> None:
    a = make_user("developer", full_name="Ada Dev")
    b = make_user("developer", full_name="Bob Dev")
    third = make_user("developer")
    team_page = "/challenges/steady-hands/team"
    assert client.get(team_page).status_code == 302  # login first
    _as(client, make_user("therapist"))
    assert client.get(team_page).status_code == 403
    _as(client, a)
    detail = client.get("/developer/challenges/steady-hands").get_data(as_text=True)
    assert "Create or join a team" in detail and "/challenges/steady-hands/forum" in detail
    r = _post(client, team_page + "/create", team_page, name="x")
    assert r.status_code == 400 and b"at least 2 characters" in r.data
    assert _count(app, Team) == 0
    assert _post(client, team_page + "/create", team_page, name="Steady Crew").status_code == 302
    r = _post(client, team_page + "/link", team_page)
    join = re.search(r'value="(https?://[^"]+/team/join\?token=[^"]+)"', r.get_data(as_text=True))
    assert join is not None
    r = _post(client, team_page + "/invite", team_page, email="not-an-address")
    assert r.status_code == 400 and b"name@example.org" in r.data
    assert _post(client, team_page + "/invite", team_page, email=b.email).status_code == 302
    (msg,) = smtp_server.wait_for(1)
    link = re.findall(r"https?://\S+", msg.get_body(preferencelist=("plain",)).get_content())[0]
    path = link[len(BASE) :]
    _as(client, b)
    assert "Steady Crew" in client.get(path).get_data(as_text=True)
    assert _post(client, path, path).status_code == 302
    assert "Ada Dev" in client.get(team_page).get_data(as_text=True)
    # the team is full (2): a reused link is refused with a clear message, nothing stored
    _as(client, third)
    r = client.get(path)
    assert r.status_code == 410 and b"already used" in r.data
    _as(client, third)
    join_path = join.group(1)[len(BASE) :].replace("&amp;", "&")
    r = _post(client, join_path, join_path)
    assert r.status_code == 400 and b"This team is full" in r.data
    with Session(get_engine(app)) as s:
        assert s.exec(select(Team)).one().name == "Steady Crew"
        assert len(s.exec(select(TeamMember)).all()) == 2
