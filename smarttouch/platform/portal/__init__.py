"""The patient portal: this week's plan, progress in plain words and charts, streak,
badges and the therapist's messages, for the logged-in patient only."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("portal", __name__)

from . import pilots, routes  # noqa: E402,F401
