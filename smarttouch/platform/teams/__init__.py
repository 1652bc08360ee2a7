"""Teams of developers per challenge: ``/challenges/<slug>/team`` (create, invite by e-mail,
share a join link, leave) and the pages that follow an invitation or a join link."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("teams", __name__)

from . import routes  # noqa: E402,F401
