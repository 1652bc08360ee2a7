"""One exercise session in detail: the joint-angle trace with the repetitions marked, the
per-repetition table, why it ended, data-quality flags and the device that recorded it."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("sessions", __name__)

from . import routes  # noqa: E402,F401
