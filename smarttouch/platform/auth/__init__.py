"""Web login and logout (Flask-Login sessions, argon2 passwords, throttled attempts)."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("auth", __name__)

from . import routes  # noqa: E402,F401  (registers the views on bp)
