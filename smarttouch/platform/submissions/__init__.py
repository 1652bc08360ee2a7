"""Developers' side of challenges: submit a solution, follow its evaluation, leaderboards,
starter kits and personal API tokens."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint(
    "submissions",
    __name__,
    template_folder="templates",
    static_folder="static",
    static_url_path="/challenges-static",
)

from . import routes  # noqa: E402,F401
