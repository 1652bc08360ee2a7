"""Developers compete together: a team per challenge, at most ``Challenge.max_team_size``
members (1 means everyone competes alone), one team per developer and challenge.

A developer joins through an e-mail invitation (an :class:`~...models.Invitation` of purpose
``team``: one link, single use, expiring, only its SHA-256 stored, claimed with the same
conditional UPDATE as account invitations) or through the team's shareable join link (a
secret whose digest is kept on the team row; a member makes a new one or revokes it). A place
in the team is counted after locking the team's row (:func:`_lock_team`), so two developers
joining at once are decided one after the other and never overfill it (and a member whose
account is deleted simply stops being counted); a failed join (a full team, already in
another team) rolls back and leaves the invitation usable.

Teams change what counts together: the daily cap of submissions is shared by the members
(:func:`member_ids`, used by :func:`.submissions.quota`) and the leaderboard shows the team's
best submission once, under the team's name (:mod:`.leaderboards`). Every change is audited.
"""

from __future__ import annotations

import datetime as dt
import secrets
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlalchemy import delete, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, func, select

from ...models import (
    Challenge,
    Invitation,
    Role,
    Solution,
    Submission,
    Team,
    TeamMember,
    User,
    normalise_email,
    pk,
    rowcount,
    utcnow,
)
from .. import audit
from ..accounts import invitations
from ..accounts.bearer_tokens import MAX_TOKEN_CHARS, digest
from ..errors import Invalid
from ..mail import send_mail
from .leaderboards import scores_by_submission
from .public import visible_splits

NAME_MIN, NAME_MAX = 2, 60
INVITE_TTL = dt.timedelta(days=7)
JOIN_PREFIX = "stj_"

#: (team name, challenge title, inviter's name, link) -> (subject, text), in the caller's words.
ComposeInvite = Callable[[str, str, str, str], tuple[str, str]]


class Problem(StrEnum):
    """Why a team action was refused (each has its own translated text in the view)."""

    not_developer = "not_developer"
    solo = "solo"
    name_short = "name_short"
    name_long = "name_long"
    name_taken = "name_taken"
    already_in_team = "already_in_team"
    not_member = "not_member"
    team_full = "team_full"
    email_invalid = "email_invalid"
    own_email = "own_email"
    link_unknown = "link_unknown"
    invite_unknown = "invite_unknown"
    invite_used = "invite_used"
    invite_expired = "invite_expired"
    invite_revoked = "invite_revoked"


class TeamRefused(Invalid):
    """A team action refused for ``problem``; nothing was stored."""

    def __init__(self, problem: Problem) -> None:
        super().__init__(f"team: {problem.value}")
        self.problem = problem


@dataclass(frozen=True)
class TeamView:
    """A team as its members see it."""

    team: Team
    members: list[tuple[int, str]]
    """(user id, display name), in the order they joined"""
    pending: list[Invitation]
    """e-mail invitations not yet used, revoked or expired"""
    places_left: int


def fold_name(name: str) -> tuple[str, str]:
    """(the name as shown, its comparison key): spaces collapsed, compared without case.
    :class:`TeamRefused` when too short or too long."""
    shown = " ".join(unicodedata.normalize("NFC", name or "").split())
    shown = "".join(ch for ch in shown if unicodedata.category(ch)[0] != "C")
    if len(shown) < NAME_MIN:
        raise TeamRefused(Problem.name_short)
    if len(shown) > NAME_MAX:
        raise TeamRefused(Problem.name_long)
    return shown, shown.casefold()[:NAME_MAX]


# ------------------------------------------------------------------------------- reading
def team_of(session: Session, *, user_id: int, challenge_id: int) -> Team | None:
    return session.exec(
        select(Team)
        .join(TeamMember, col(TeamMember.team_id) == col(Team.id))
        .where(TeamMember.user_id == user_id, TeamMember.challenge_id == challenge_id)
    ).first()


def member_ids(session: Session, *, user_id: int, challenge_id: int) -> list[int]:
    """The developers whose submissions share ``user_id``'s cap on the challenge: the team's
    members, or the developer alone."""
    team_id = session.exec(
        select(TeamMember.team_id).where(
            TeamMember.user_id == user_id, TeamMember.challenge_id == challenge_id
        )
    ).first()
    if team_id is None:
        return [user_id]
    return list(session.exec(select(TeamMember.user_id).where(TeamMember.team_id == team_id)).all())


def member_count(session: Session, *, team_id: int) -> int:
    return int(
        session.exec(select(func.count()).select_from(TeamMember).where(TeamMember.team_id == team_id)).one()
    )


def view(session: Session, *, team: Team, now: dt.datetime | None = None) -> TeamView:
    now = now or utcnow()
    members = session.exec(
        select(User.id, User.full_name)
        .join(TeamMember, col(TeamMember.user_id) == col(User.id))
        .where(TeamMember.team_id == team.id)
        .order_by(col(TeamMember.joined_at), col(TeamMember.id))
    ).all()
    pending = list(
        session.exec(
            select(Invitation)
            .where(
                Invitation.team_id == team.id,
                col(Invitation.used_at).is_(None),
                col(Invitation.revoked_at).is_(None),
                col(Invitation.expires_at) > now,
            )
            .order_by(col(Invitation.created_at))
        )
    )
    challenge = session.get(Challenge, team.challenge_id)
    size = challenge.max_team_size if challenge else 1
    return TeamView(team, [(int(i or 0), n) for i, n in members], pending, max(0, size - len(members)))


@dataclass(frozen=True)
class TeamSubmission:
    """A member's submission as teammates see it: no code, no logs, the visible scores only."""

    member: str
    solution: str
    status: str
    submitted_at: dt.datetime
    scores: dict[str, dict[str, float]]


def team_submissions(
    session: Session, *, viewer: User, challenge: Challenge, now: dt.datetime | None = None
) -> list[TeamSubmission]:
    """Every submission of the viewer's team on the challenge (the viewer's own included),
    newest first, with the scores of the splits the leaderboard shows at ``now``; empty for a
    developer without a team. Other teams' submissions are never returned."""
    now = now or utcnow()
    ids = member_ids(session, user_id=pk(viewer), challenge_id=pk(challenge))
    if len(ids) < 2:
        return []
    rows = session.execute(
        sa.select(
            col(Submission.id),
            col(Submission.status),
            col(Submission.created_at),
            col(Solution.name),
            col(User.full_name),
        )
        .join(Solution, col(Solution.id) == col(Submission.solution_id))
        .join(User, col(User.id) == col(Solution.developer_id))
        .where(col(Solution.challenge_id) == challenge.id, col(Solution.developer_id).in_(ids))
        .order_by(col(Submission.created_at).desc(), col(Submission.id).desc())
    ).all()
    scores = scores_by_submission(session, [int(r[0] or 0) for r in rows])
    shown = visible_splits(challenge, now)
    return [
        TeamSubmission(
            member=name,
            solution=solution,
            status=status,
            submitted_at=created_at,
            scores={s: v for s, v in scores[int(sub_id or 0)].items() if s in shown},
        )
        for sub_id, status, created_at, solution, name in rows
    ]


# ------------------------------------------------------------------------------- changes
def _require_developer(user: User) -> None:
    if user.role != Role.developer:
        raise TeamRefused(Problem.not_developer)


def _require_member(session: Session, *, user: User, challenge: Challenge) -> Team:
    _require_developer(user)
    team = team_of(session, user_id=pk(user), challenge_id=pk(challenge))
    if team is None:
        raise TeamRefused(Problem.not_member)
    return team


def create_team(
    session: Session, *, actor: User, challenge: Challenge, name: str, ip: str | None = None
) -> Team:
    """A new team of ``challenge`` with ``actor`` as its first member."""
    _require_developer(actor)
    if challenge.max_team_size < 2:
        raise TeamRefused(Problem.solo)
    shown, key = fold_name(name)
    if team_of(session, user_id=pk(actor), challenge_id=pk(challenge)) is not None:
        raise TeamRefused(Problem.already_in_team)
    if session.exec(select(Team.id).where(Team.challenge_id == challenge.id, Team.name_key == key)).first():
        raise TeamRefused(Problem.name_taken)
    team = Team(challenge_id=pk(challenge), name=shown, name_key=key, created_by_id=actor.id)
    try:
        session.add(team)
        session.flush()
        session.add(TeamMember(team_id=pk(team), challenge_id=pk(challenge), user_id=pk(actor)))
        session.flush()
    except IntegrityError:  # a concurrent request took the name or put the actor in a team
        session.rollback()
        if team_of(session, user_id=pk(actor), challenge_id=pk(challenge)) is not None:
            raise TeamRefused(Problem.already_in_team) from None
        raise TeamRefused(Problem.name_taken) from None
    audit.record(
        session,
        action="team.created",
        actor=actor,
        target_type="team",
        target_id=team.id,
        details={"challenge": challenge.slug, "name": shown},
        ip=ip,
    )
    session.commit()
    session.refresh(team)
    return team


def _join(
    session: Session, *, actor: User, team: Team, challenge: Challenge, via: str, ip: str | None
) -> None:
    """Claim a place in ``team`` for ``actor`` (no commit); rolls back and raises when refused."""
    _require_developer(actor)
    if team_of(session, user_id=pk(actor), challenge_id=pk(challenge)) is not None:
        session.rollback()
        raise TeamRefused(Problem.already_in_team)
    _lock_team(session, pk(team))
    if member_count(session, team_id=pk(team)) >= challenge.max_team_size:
        session.rollback()
        raise TeamRefused(Problem.team_full)
    try:
        session.add(TeamMember(team_id=pk(team), challenge_id=pk(challenge), user_id=pk(actor)))
        session.flush()
    except IntegrityError:
        session.rollback()
        raise TeamRefused(Problem.already_in_team) from None
    audit.record(
        session,
        action="team.joined",
        actor=actor,
        target_type="team",
        target_id=team.id,
        details={"challenge": challenge.slug, "via": via},
        ip=ip,
    )


def invite_by_email(
    session: Session,
    *,
    actor: User,
    challenge: Challenge,
    email: str,
    settings: Mapping[str, Any],
    compose: ComposeInvite,
    link: Callable[[str], str],
    ip: str | None = None,
    now: dt.datetime | None = None,
) -> Invitation:
    """A member invites ``email``: a single-use link (:data:`INVITE_TTL`) goes to that address.
    An earlier open invitation of the team to the same address stops working. The mail is sent
    before the commit: when it cannot be sent (:class:`~..mail.MailError`) nothing is stored."""
    now = now or utcnow()
    team = _require_member(session, user=actor, challenge=challenge)
    try:
        address = normalise_email(email or "")
    except ValueError:
        raise TeamRefused(Problem.email_invalid) from None
    if address == actor.email:
        raise TeamRefused(Problem.own_email)
    if member_count(session, team_id=pk(team)) >= challenge.max_team_size:
        raise TeamRefused(Problem.team_full)
    session.execute(
        update(Invitation)
        .where(
            col(Invitation.team_id) == team.id,
            col(Invitation.email) == address,
            col(Invitation.used_at).is_(None),
            col(Invitation.revoked_at).is_(None),
        )
        .values(revoked_at=now)
    )
    issued = invitations.issue(
        session,
        Invitation(
            purpose=invitations.Purpose.team,
            role=Role.developer,
            email=address,
            team_id=team.id,
            created_by_id=actor.id,
            created_at=now,
            expires_at=now + INVITE_TTL,
            token_hash="",
            code_hash="",
        ),
    )
    audit.record(
        session,
        action="team.invited",
        actor=actor,
        target_type="team",
        target_id=team.id,
        details={"challenge": challenge.slug, "email": address, "invitation_id": issued.invitation.id},
        ip=ip,
    )
    subject, text = compose(team.name, challenge.title, actor.full_name, link(issued.token))
    try:
        send_mail(settings, to=address, subject=subject, text=text)
    except Exception:
        session.rollback()
        raise
    session.commit()
    return issued.invitation


_REFUSALS = {
    invitations.Refusal.unknown: Problem.invite_unknown,
    invitations.Refusal.used: Problem.invite_used,
    invitations.Refusal.expired: Problem.invite_expired,
    invitations.Refusal.revoked: Problem.invite_revoked,
}


def find_invitation(session: Session, *, token: str) -> tuple[Invitation, Team, Challenge]:
    """The usable team invitation of ``token``, its team and challenge; :class:`TeamRefused`
    (``invite_unknown``, ``invite_used``, ``invite_expired``, ``invite_revoked``) otherwise."""
    try:
        inv = invitations.find(session, token=token, purposes=(invitations.Purpose.team,))
    except invitations.InvitationRefused as exc:
        raise TeamRefused(_REFUSALS[exc.reason]) from None
    team = session.get(Team, inv.team_id) if inv.team_id else None
    challenge = session.get(Challenge, team.challenge_id) if team else None
    if team is None or challenge is None:  # pragma: no cover - the invitation cascades with its team
        raise TeamRefused(Problem.invite_revoked)
    return inv, team, challenge


def accept_invitation(session: Session, *, actor: User, token: str, ip: str | None = None) -> Team:
    """``actor`` follows an e-mail invitation: claimed once, then a place in the team. When
    the join is refused the invitation stays usable (nothing is stored)."""
    inv, team, challenge = find_invitation(session, token=token)
    _require_developer(actor)
    now = utcnow()
    claimed = session.execute(
        update(Invitation)
        .where(
            col(Invitation.id) == inv.id,
            col(Invitation.used_at).is_(None),
            col(Invitation.revoked_at).is_(None),
            col(Invitation.expires_at) > now,
        )
        .values(used_at=now, user_id=actor.id)
    )
    if rowcount(claimed) != 1:
        session.rollback()
        raise TeamRefused(Problem.invite_used)
    _join(session, actor=actor, team=team, challenge=challenge, via="email", ip=ip)
    session.commit()
    session.refresh(team)
    return team


def create_join_link(session: Session, *, actor: User, challenge: Challenge, ip: str | None = None) -> str:
    """A new shareable join link's secret for the actor's team (shown once; the previous link
    stops working)."""
    team = _require_member(session, user=actor, challenge=challenge)
    token = JOIN_PREFIX + secrets.token_urlsafe(24)
    team.join_token_hash = digest(token)
    team.join_link_created_at = utcnow()
    session.add(team)
    audit.record(
        session, action="team.join_link_created", actor=actor, target_type="team", target_id=team.id, ip=ip
    )
    session.commit()
    return token


def revoke_join_link(session: Session, *, actor: User, challenge: Challenge, ip: str | None = None) -> None:
    team = _require_member(session, user=actor, challenge=challenge)
    if team.join_token_hash is None:
        return
    team.join_token_hash = None
    team.join_link_created_at = None
    session.add(team)
    audit.record(
        session, action="team.join_link_revoked", actor=actor, target_type="team", target_id=team.id, ip=ip
    )
    session.commit()


def find_by_link(session: Session, *, token: str) -> tuple[Team, Challenge]:
    if not token.startswith(JOIN_PREFIX) or len(token) > MAX_TOKEN_CHARS:
        raise TeamRefused(Problem.link_unknown)
    team = session.exec(select(Team).where(Team.join_token_hash == digest(token))).first()
    challenge = session.get(Challenge, team.challenge_id) if team else None
    if team is None or challenge is None:
        raise TeamRefused(Problem.link_unknown)
    return team, challenge


def join_by_link(session: Session, *, actor: User, token: str, ip: str | None = None) -> Team:
    team, challenge = find_by_link(session, token=token)
    _join(session, actor=actor, team=team, challenge=challenge, via="link", ip=ip)
    session.commit()
    session.refresh(team)
    return team


def leave(session: Session, *, actor: User, challenge: Challenge, ip: str | None = None) -> None:
    """``actor`` leaves their team; the last one out ends the team (and its open invitations).
    Their submissions stay theirs and count for them alone from now on."""
    team = _require_member(session, user=actor, challenge=challenge)
    _lock_team(session, pk(team))
    session.execute(
        delete(TeamMember).where(col(TeamMember.team_id) == team.id, col(TeamMember.user_id) == actor.id)
    )
    ended = member_count(session, team_id=pk(team)) == 0
    audit.record(
        session,
        action="team.left",
        actor=actor,
        target_type="team",
        target_id=team.id,
        details={"challenge": challenge.slug, "team_ended": ended},
        ip=ip,
    )
    if ended:
        session.delete(team)
    session.commit()


def lock_for_cap(session: Session, *, user_id: int, challenge_id: int) -> None:
    """Serialise submissions of the developer's team (no-op without a team) until the current
    transaction ends, as :func:`.submissions._lock_developer` does for one developer."""
    team_id = session.exec(
        select(TeamMember.team_id).where(
            TeamMember.user_id == user_id, TeamMember.challenge_id == challenge_id
        )
    ).first()
    if team_id is None:
        return
    _lock_team(session, int(team_id))


def _lock_team(session: Session, team_id: int) -> None:
    """Serialise changes to the team until the current transaction ends: PostgreSQL ``SELECT
    ... FOR UPDATE`` on the team's row; on SQLite a no-op UPDATE takes the write lock at once."""
    if session.get_bind().dialect.name == "sqlite":
        session.execute(
            update(Team)
            .where(col(Team.id) == team_id)
            .values(id=Team.id)
            .execution_options(synchronize_session=False)
        )
    else:
        session.exec(select(Team.id).where(col(Team.id) == team_id).with_for_update()).one()
