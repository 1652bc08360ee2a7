"""Landing pages per role, the language switcher and the health check."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("home", __name__)

from . import routes  # noqa: E402,F401
