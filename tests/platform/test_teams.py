"""Teams per challenge (services): size limit, one team per developer and challenge, e-mail
invitations (single use, expiry, through a real SMTP server), join links (revocable), the
daily cap shared by the team and the leaderboard's one row per team (that one on PostgreSQL too)."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import update
from sqlmodel import Session, col, func, select

from smarttouch.platform.models import (
    AuditEvent,
    Challenge,
    Invitation,
    Score,
    Solution,
    Submission,
    SubmissionStatus,
    Team,
    TeamMember,
    User,
    pk,
    utcnow,
)
from smarttouch.platform.services.accounts import invitations
from smarttouch.platform.services.challenges import leaderboards, submissions, teams
from smarttouch.platform.services.mail import MailError
from smarttouch.platform.storage import migrate
from smarttouch.platform.storage.db import get_engine
from smarttouch.platform.testing import Factories

T = teams.Problem


def _compose(team: str, challenge: str, inviter: str, link: str) -> tuple[str, str]:
    return f"{inviter} invites you", f"Join {team} in {challenge}: {link}\n"


def _link(token: str) -> str:
    return f"https://hub.example.org/challenges/x/team/invitation?token={token}"


@pytest.fixture
def s(app: Flask):
    with app.app_context(), Session(get_engine(app), expire_on_commit=False) as session:
        yield session


@pytest.fixture
def ch(make_challenge: Callable[..., Challenge]) -> Challenge:
    return make_challenge(max_team_size=3, max_daily_submissions=2)


def _dev(make_user: Callable[..., User]) -> User:
    return make_user("developer")


def _refused(problem: teams.Problem, fn: Callable[[], Any]) -> None:
    with pytest.raises(teams.TeamRefused) as info:
        fn()
    assert info.value.problem == problem


def _count(s: Session, model: Any, *where: Any) -> int:
    return int(s.exec(select(func.count()).select_from(model).where(*where)).one())


def _invite(s: Session, actor: User, ch: Challenge, email: str, smtp: Any, n: int) -> str:
    teams.invite_by_email(
        s,
        actor=actor,
        challenge=ch,
        email=email,
        settings={"SMTP_URL": smtp.url},
        compose=_compose,
        link=_link,
    )
    msg = smtp.wait_for(n)[-1]
    assert msg["To"] == email
    return re.findall(r"token=(\S+)", msg.get_body(preferencelist=("plain",)).get_content())[0]


def test_create_validates_the_name_and_one_team_per_challenge(s: Session, ch: Challenge, make_user) -> None:
    a, b = _dev(make_user), _dev(make_user)
    _refused(T.name_short, lambda: teams.create_team(s, actor=a, challenge=ch, name="  x "))
    _refused(T.name_long, lambda: teams.create_team(s, actor=a, challenge=ch, name="n" * 61))
    team = teams.create_team(s, actor=a, challenge=ch, name="  Tremor   Tamers ")
    assert team.name == "Tremor Tamers" and teams.member_count(s, team_id=pk(team)) == 1
    _refused(T.already_in_team, lambda: teams.create_team(s, actor=a, challenge=ch, name="Other"))
    _refused(T.name_taken, lambda: teams.create_team(s, actor=b, challenge=ch, name="tremor TAMERS"))
    assert _count(s, Team) == 1 and _count(s, TeamMember) == 1
    assert _count(s, AuditEvent, AuditEvent.action == "team.created") == 1


def test_solo_challenge_and_non_developers_refused(s: Session, make_challenge, make_user) -> None:
    solo = make_challenge(max_team_size=1)
    _refused(T.solo, lambda: teams.create_team(s, actor=_dev(make_user), challenge=solo, name="Duo"))
    ch = make_challenge(max_team_size=2)
    _refused(
        T.not_developer, lambda: teams.create_team(s, actor=make_user("therapist"), challenge=ch, name="Duo")
    )
    assert _count(s, Team) == 0


def test_invitation_single_use_size_limit_and_expiry(
    s: Session, make_challenge, make_user, smtp_server: Any
) -> None:
    ch = make_challenge(max_team_size=2)
    a, b, c = _dev(make_user), _dev(make_user), _dev(make_user)
    teams.create_team(s, actor=a, challenge=ch, name="Pair")
    _refused(
        T.own_email,
        lambda: teams.invite_by_email(
            s, actor=a, challenge=ch, email=a.email, settings={}, compose=_compose, link=_link
        ),
    )
    token_b = _invite(s, a, ch, b.email, smtp_server, 1)
    token_c = _invite(s, a, ch, c.email, smtp_server, 2)
    row = s.exec(select(Invitation).where(Invitation.email == b.email)).one()
    assert row.purpose == "team" and token_b not in (row.token_hash, row.code_hash)
    # an account page never takes a team invitation
    with pytest.raises(invitations.InvitationRefused):
        invitations.find(s, token=token_b)
    team = teams.accept_invitation(s, actor=b, token=token_b)
    assert teams.member_count(s, team_id=pk(team)) == 2
    _refused(T.invite_used, lambda: teams.accept_invitation(s, actor=c, token=token_b))
    # the team is full: the invitation is refused and stays unused
    _refused(T.team_full, lambda: teams.accept_invitation(s, actor=c, token=token_c))
    assert s.exec(select(Invitation).where(Invitation.email == c.email)).one().used_at is None
    assert _count(s, TeamMember) == 2
    _refused(T.invite_unknown, lambda: teams.accept_invitation(s, actor=c, token="nope"))
    # expired
    teams.leave(s, actor=b, challenge=ch)
    s.execute(update(Invitation).where(col(Invitation.email) == c.email).values(expires_at=utcnow()))
    s.commit()
    _refused(T.invite_expired, lambda: teams.accept_invitation(s, actor=c, token=token_c))
    assert _count(s, TeamMember) == 1


def test_a_mail_that_cannot_be_sent_stores_nothing(s: Session, ch: Challenge, make_user) -> None:
    a = _dev(make_user)
    teams.create_team(s, actor=a, challenge=ch, name="Quiet")
    with pytest.raises(MailError):
        teams.invite_by_email(
            s,
            actor=a,
            challenge=ch,
            email="x@example.org",
            settings={"SMTP_URL": "smtp://127.0.0.1:1"},
            compose=_compose,
            link=_link,
        )
    assert _count(s, Invitation) == 0 and _count(s, AuditEvent, AuditEvent.action == "team.invited") == 0


def test_join_link_is_revocable_and_one_team_per_challenge(s: Session, ch: Challenge, make_user) -> None:
    a, b, c = _dev(make_user), _dev(make_user), _dev(make_user)
    teams.create_team(s, actor=a, challenge=ch, name="Alpha")
    teams.create_team(s, actor=c, challenge=ch, name="Beta")
    token = teams.create_join_link(s, actor=a, challenge=ch)
    assert teams.join_by_link(s, actor=b, token=token).name == "Alpha"
    _refused(T.already_in_team, lambda: teams.join_by_link(s, actor=c, token=token))
    teams.revoke_join_link(s, actor=a, challenge=ch)
    teams.leave(s, actor=b, challenge=ch)
    _refused(T.link_unknown, lambda: teams.join_by_link(s, actor=b, token=token))
    # the last one out ends the team
    teams.leave(s, actor=c, challenge=ch)
    assert [t.name for t in s.exec(select(Team))] == ["Alpha"]


def _scored(s: Session, dev: User, ch: Challenge, name: str, value: float, at: dt.datetime) -> None:
    sol = s.exec(select(Solution).where(Solution.developer_id == dev.id, Solution.name == name)).first()
    if sol is None:
        sol = Solution(challenge_id=pk(ch), developer_id=dev.id, name=name, kind="analyzer")
        s.add(sol)
        s.flush()
    sub = Submission(
        solution_id=pk(sol),
        code_sha256=f"{abs(hash((name, value, at))):064d}"[:64],
        entrypoint="main.py",
        status=SubmissionStatus.scored,
        created_at=at,
    )
    s.add(sub)
    s.flush()
    s.add(Score(submission_id=pk(sub), split="public", metric="mae", value=value))
    s.commit()


def test_team_shares_the_daily_cap_and_one_leaderboard_row(s: Session, factories: Factories) -> None:
    _cap_and_board(s, factories)


def test_team_cap_and_board_on_postgresql(pg_url: str, make_app: Callable[..., Flask]) -> None:
    migrate.upgrade(pg_url)
    pg_app = make_app(pg_url)
    with pg_app.app_context(), Session(get_engine(pg_app), expire_on_commit=False) as session:
        _cap_and_board(session, Factories(pg_app))


def _cap_and_board(s: Session, factories: Factories) -> None:
    make_challenge, make_user = factories.challenge, factories.user
    ch = make_challenge(
        max_team_size=3,
        max_daily_submissions=2,
        metrics=[{"name": "mae", "better": "lower", "primary": True}],
        primary_metric="mae",
    )
    a, b, solo = _dev(make_user), _dev(make_user), _dev(make_user)
    now = utcnow()
    _scored(s, a, ch, "a-first", 3.0, now - dt.timedelta(hours=2))
    assert submissions.quota(s, developer=a, challenge=ch, now=now).left == 1
    assert submissions.quota(s, developer=b, challenge=ch, now=now).left == 2
    teams.create_team(s, actor=a, challenge=ch, name="Steady Hands")
    teams.join_by_link(s, actor=b, token=teams.create_join_link(s, actor=a, challenge=ch))
    _scored(s, b, ch, "b-first", 2.0, now - dt.timedelta(hours=1))
    _scored(s, solo, ch, "solo", 2.5, now - dt.timedelta(hours=1))
    # the team used its 2 submissions: both members are at 0; the solo developer is unaffected
    assert submissions.quota(s, developer=a, challenge=ch, now=now).left == 0
    assert submissions.quota(s, developer=b, challenge=ch, now=now).left == 0
    assert submissions.quota(s, developer=solo, challenge=ch, now=now).left == 1
    board = leaderboards.build_leaderboard(s, challenge=ch, now=now)
    assert [(r.rank, r.team, r.solution, r.values["mae"]) for r in board.rows] == [
        (1, "Steady Hands", "b-first", 2.0),
        (2, None, "solo", 2.5),
    ]
    assert board.to_dict()["rows"][0]["team"] == "Steady Hands"
    # members see each other's scores; the solo developer is never in the team's list
    shared = teams.team_submissions(s, viewer=a, challenge=ch, now=now)
    assert {(x.member, x.solution, x.scores["public"]["mae"]) for x in shared} == {
        (b.full_name, "b-first", 2.0),
        (a.full_name, "a-first", 3.0),
    }
    assert teams.team_submissions(s, viewer=solo, challenge=ch, now=now) == []
    # b leaves: b's submissions count for b alone again
    teams.leave(s, actor=b, challenge=ch)
    assert submissions.quota(s, developer=a, challenge=ch, now=now).left == 1
    assert len(leaderboards.build_leaderboard(s, challenge=ch, now=now).rows) == 3
