"""``/developer/challenges`` (open challenges, also the developer's home) and
``/developer/challenges/<slug>``."""

from __future__ import annotations

from flask import render_template

from ..auth.access import role_required
from ..models import Role, utcnow
from ..services.challenges import listing
from ..services.challenges.leaderboards import get_published_challenge
from ..storage.db import get_session
from . import bp
from .safe_markdown import render as render_markdown

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
    row = get_published_challenge(get_session(), slug=slug)
    return render_template(
        "developer/detail.html",
        c=row,
        is_open=row.is_open(utcnow()),
        description=render_markdown(row.description_md),
        now=utcnow(),
    )
