"""``/challenges/<slug>/team`` and its actions; ``/challenges/<slug>/team/invitation`` (an
e-mailed invitation) and ``/challenges/<slug>/team/join`` (a shared join link). Developers
only: a GET shows a button, the POST joins (a mail scanner opening the link joins nobody)."""

from __future__ import annotations

from typing import Any

from flask import current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ..auth.access import role_required, signed_in_user
from ..models import Challenge, Role, pk, utcnow
from ..services.challenges import submissions, teams
from ..services.challenges.leaderboards import get_published_challenge
from ..services.mail import MailError
from ..storage.db import get_session
from ..web.urls import external_url
from . import bp
from .forms import InviteForm, TeamForm

P = teams.Problem
#: What each refusal says, in the page's language.
PROBLEM_TEXT = {
    P.not_developer: _l("Only developers form teams."),
    P.solo: _l("This challenge is for individuals: each developer competes alone."),
    P.name_short: _l("Give the team a name of at least 2 characters."),
    P.name_long: _l("The team name is too long: at most 60 characters."),
    P.name_taken: _l("Another team of this challenge already has this name."),
    P.already_in_team: _l("You are already in a team for this challenge: leave it first."),
    P.not_member: _l("You are not in a team for this challenge."),
    P.team_full: _l("This team is full: it has the most members the challenge allows."),
    P.email_invalid: _l("Enter an e-mail address such as name@example.org."),
    P.own_email: _l("That is your own address: invite someone else."),
    P.link_unknown: _l(
        "This join link does not work: it was revoked or mistyped. Ask the team for a new one."
    ),
    P.invite_unknown: _l("This invitation link is not valid. Check that you copied all of it."),
    P.invite_used: _l("This invitation was already used. Ask the team for a new one."),
    P.invite_expired: _l("This invitation has expired. Ask the team for a new one."),
    P.invite_revoked: _l("This invitation was replaced by a newer one or withdrawn."),
}


def _challenge(slug: str) -> Challenge:
    return get_published_challenge(get_session(), slug=slug)


def _compose(team: str, challenge: str, inviter: str, link: str) -> tuple[str, str]:
    subject = _("%(name)s invites you to their team on SmartTouch", name=inviter)
    body = _(
        "%(name)s invites you to join the team “%(team)s” in the challenge “%(challenge)s” on "
        "the SmartTouch hub. Open this link to join (it works once, within 7 days; log in or "
        "sign up as a developer first):",
        name=inviter,
        team=team,
        challenge=challenge,
    )
    return subject, f"{_('Hello,')}\n\n{body}\n\n{link}\n\n{_('The SmartTouch hub')}\n"


def _page(
    c: Challenge,
    *,
    form: TeamForm | None = None,
    invite: InviteForm | None = None,
    new_link: str | None = None,
    status: int = 200,
) -> ResponseReturnValue:
    db, user, now = get_session(), signed_in_user(), utcnow()
    team = teams.team_of(db, user_id=pk(user), challenge_id=pk(c))
    return render_template(
        "teams/team.html",
        c=c,
        info=teams.view(db, team=team, now=now) if team else None,
        form=form or TeamForm(formdata=None),
        invite=invite or InviteForm(formdata=None),
        new_link=new_link,
        quota=submissions.quota(db, developer=user, challenge=c, now=now),
        shared=teams.team_submissions(db, viewer=user, challenge=c, now=now) if team else [],
        me=pk(user),
    ), status


@bp.route("/challenges/<slug>/team")
@role_required(Role.developer)
def team(slug: str) -> ResponseReturnValue:
    return _page(_challenge(slug))


def _refused(c: Challenge, exc: teams.TeamRefused, field: Any | None, **forms: Any) -> ResponseReturnValue:
    text = str(PROBLEM_TEXT[exc.problem])
    if field is not None:
        field.errors = [text]
    else:
        flash(text, "error")
    return _page(c, status=400 if exc.problem != P.team_full else 409, **forms)


@bp.route("/challenges/<slug>/team/create", methods=["POST"])
@role_required(Role.developer)
def create(slug: str) -> ResponseReturnValue:
    c, form = _challenge(slug), TeamForm()
    if not form.validate_on_submit():
        return _page(c, form=form, status=400)
    try:
        made = teams.create_team(
            get_session(),
            actor=signed_in_user(),
            challenge=c,
            name=form.name.data or "",
            ip=request.remote_addr,
        )
    except teams.TeamRefused as exc:
        field = form.name if exc.problem.value.startswith("name") else None
        return _refused(c, exc, field, form=form)
    flash(_("Team “%(name)s” created. Invite the others.", name=made.name), "success")
    return redirect(url_for("teams.team", slug=slug))


@bp.route("/challenges/<slug>/team/invite", methods=["POST"])
@role_required(Role.developer)
def invite(slug: str) -> ResponseReturnValue:
    c, form = _challenge(slug), InviteForm()
    if not form.validate_on_submit():
        return _page(c, invite=form, status=400)
    try:
        sent = teams.invite_by_email(
            get_session(),
            actor=signed_in_user(),
            challenge=c,
            email=form.email.data or "",
            settings=current_app.config,
            compose=_compose,
            link=lambda token: external_url("teams.invitation", slug=slug, token=token),
            ip=request.remote_addr,
        )
    except teams.TeamRefused as exc:
        field = form.email if exc.problem in (P.email_invalid, P.own_email) else None
        return _refused(c, exc, field, invite=form)
    except MailError:
        form.email.errors = [_("The e-mail could not be sent just now. Please try again in a few minutes.")]
        return _page(c, invite=form, status=502)
    flash(_("Invitation sent to %(email)s.", email=sent.email), "success")
    return redirect(url_for("teams.team", slug=slug))


@bp.route("/challenges/<slug>/team/link", methods=["POST"])
@role_required(Role.developer)
def make_link(slug: str) -> ResponseReturnValue:
    c = _challenge(slug)
    try:
        token = teams.create_join_link(
            get_session(), actor=signed_in_user(), challenge=c, ip=request.remote_addr
        )
    except teams.TeamRefused as exc:
        return _refused(c, exc, None)
    return _page(c, new_link=external_url("teams.join", slug=slug, token=token))


@bp.route("/challenges/<slug>/team/link/revoke", methods=["POST"])
@role_required(Role.developer)
def revoke_link(slug: str) -> ResponseReturnValue:
    c = _challenge(slug)
    try:
        teams.revoke_join_link(get_session(), actor=signed_in_user(), challenge=c, ip=request.remote_addr)
    except teams.TeamRefused as exc:
        return _refused(c, exc, None)
    flash(_("The join link no longer works."), "success")
    return redirect(url_for("teams.team", slug=slug))


@bp.route("/challenges/<slug>/team/leave", methods=["POST"])
@role_required(Role.developer)
def leave(slug: str) -> ResponseReturnValue:
    c = _challenge(slug)
    try:
        teams.leave(get_session(), actor=signed_in_user(), challenge=c, ip=request.remote_addr)
    except teams.TeamRefused as exc:
        return _refused(c, exc, None)
    flash(_("You left the team."), "success")
    return redirect(url_for("teams.team", slug=slug))


def _join_page(c: Challenge, *, team_name: str | None, problem: teams.Problem | None, status: int = 200):
    return render_template(
        "teams/join.html",
        c=c,
        team_name=team_name,
        problem=PROBLEM_TEXT[problem] if problem else None,
        token=request.args.get("token", ""),
    ), status


@bp.route("/challenges/<slug>/team/invitation", methods=["GET", "POST"])
@role_required(Role.developer)
def invitation(slug: str) -> ResponseReturnValue:
    """An e-mailed invitation: GET shows whose team it is; POST joins."""
    db, c = get_session(), _challenge(slug)
    token = request.args.get("token", "")
    try:
        _inv, found, where = teams.find_invitation(db, token=token)
        if where.id != c.id:
            raise teams.TeamRefused(P.invite_unknown)
        if request.method == "POST":
            teams.accept_invitation(db, actor=signed_in_user(), token=token, ip=request.remote_addr)
            flash(_("You joined the team “%(name)s”.", name=found.name), "success")
            return redirect(url_for("teams.team", slug=slug))
    except teams.TeamRefused as exc:
        db.rollback()
        return _join_page(
            c, team_name=None, problem=exc.problem, status=400 if request.method == "POST" else 410
        )
    return _join_page(c, team_name=found.name, problem=None)


@bp.route("/challenges/<slug>/team/join", methods=["GET", "POST"])
@role_required(Role.developer)
def join(slug: str) -> ResponseReturnValue:
    """A shared join link: GET shows the team; POST joins."""
    db, c = get_session(), _challenge(slug)
    token = request.args.get("token", "")
    try:
        found, where = teams.find_by_link(db, token=token)
        if where.id != c.id:
            raise teams.TeamRefused(P.link_unknown)
        if request.method == "POST":
            teams.join_by_link(db, actor=signed_in_user(), token=token, ip=request.remote_addr)
            flash(_("You joined the team “%(name)s”.", name=found.name), "success")
            return redirect(url_for("teams.team", slug=slug))
    except teams.TeamRefused as exc:
        db.rollback()
        return _join_page(
            c, team_name=None, problem=exc.problem, status=400 if request.method == "POST" else 410
        )
    return _join_page(c, team_name=found.name, problem=None)
