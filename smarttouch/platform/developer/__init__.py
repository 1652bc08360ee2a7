"""The developer area: open challenges and their detail pages, from the Challenge table."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("developer", __name__)

from . import routes  # noqa: E402,F401
