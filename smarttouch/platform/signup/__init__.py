"""Developers join by themselves: sign-up, e-mail verification, password reset by e-mail."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("signup", __name__)

from . import routes  # noqa: E402,F401  (registers the views on bp)
