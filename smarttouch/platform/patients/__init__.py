"""A patient's record and plan: view (therapist, the patient, admin) and plan editing
(the patient's therapist only, audited)."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("patients", __name__)

from . import routes  # noqa: E402,F401
