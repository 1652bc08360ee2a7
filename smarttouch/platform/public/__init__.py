"""The hub's public face, readable without logging in: the challenges, their public
leaderboards, the catalogue of approved solutions, ``/robots.txt`` and ``/sitemap.xml``."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("public", __name__)

from . import routes  # noqa: E402,F401  (registers the views on bp)
