"""Data-rights pages: a patient downloads their data; their therapist (or an administrator)
downloads it on request, records research consent, donates sessions, and erases the patient
after a confirmation step."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("datarights", __name__)

from . import routes  # noqa: E402,F401
