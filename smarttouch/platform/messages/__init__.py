"""Messages between a patient and their therapist: the therapist's inbox and a patient's
thread, the patient's own thread in the portal, the unread count in the navigation."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("messages", __name__)

from . import routes  # noqa: E402,F401
