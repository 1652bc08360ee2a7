"""The activity catalogue page and the games' preview pictures."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("catalogue", __name__)

from . import routes  # noqa: E402,F401
