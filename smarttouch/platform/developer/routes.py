"""``/developer/challenges`` (open challenges, also the developer's home) and
``/developer/challenges/<slug>``."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_wtf import FlaskForm
from wtforms import BooleanField, SubmitField
from wtforms.validators import DataRequired

from ..auth.access import role_required, signed_in_user
from ..models import Role, utcnow
from ..services.challenges import listing, teams, terms
from ..services.challenges.leaderboards import get_published_challenge
from ..services.challenges.safe_markdown import render as render_markdown
from ..storage.db import get_session
from . import bp

READERS = (Role.developer, Role.therapist, Role.admin)


def render_challenge_list():
    open_challenges = listing.list_open_challenges(get_session(), now=utcnow())
    return render_template("developer/list.html", challenges=open_challenges)


@bp.route("/challenges")
@role_required(*READERS)
def index():
    return render_challenge_list()


@bp.route("/challenges/<slug>")
@role_required(*READERS)
def detail(slug: str):
    """A published challenge (open, upcoming or closed); drafts are not found."""
    db = get_session()
    row = get_published_challenge(db, slug=slug)
    user = signed_in_user()
    team = (
        teams.team_of(db, user_id=user.id or 0, challenge_id=row.id or 0)
        if user.role == Role.developer
        else None
    )
    return render_template(
        "developer/detail.html",
        c=row,
        team_info=team,
        team_size=teams.member_count(db, team_id=team.id or 0) if team else 0,
        needs_terms=terms.needs_acceptance(db, user=signed_in_user(), challenge=row),
        is_open=row.is_open(utcnow()),
        description=render_markdown(row.description_md),
        now=utcnow(),
    )


class TermsForm(FlaskForm):
    agree = BooleanField(validators=[DataRequired()])
    submit = SubmitField()


@bp.route("/challenges/<slug>/terms", methods=["GET", "POST"])
@role_required(*READERS)
def challenge_terms(slug: str):
    """The challenge's data-use terms; a developer accepts them here (time and version are
    recorded) before downloading the data or submitting."""
    db = get_session()
    row = get_published_challenge(db, slug=slug)
    user = signed_in_user()
    form = TermsForm()
    status = 200
    if user.role == Role.developer and request.method == "POST":
        if form.validate_on_submit():
            terms.accept(db, user=user, challenge=row, ip=request.remote_addr)
            flash(_("You accepted the data-use terms of this challenge."), "success")
            if request.args.get("next") == "submit":
                return redirect(url_for("submissions.submit", slug=slug))
            return redirect(url_for("developer.detail", slug=slug))
        form.agree.errors = [_("Tick the box to accept the terms.")]
        status = 400
    return render_template(
        "developer/terms.html",
        c=row,
        form=form,
        accepted_at=terms.accepted_at(db, user=user, challenge=row),
    ), status
