"""A patient's record, progress and plan: the therapist's caseload, the progress page with
charts and alerts, the assignment editor and device pairing (the patient's therapist edits;
the patient and admins may view). Visibility is decided by the services (404 otherwise)."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("patients", __name__)

from . import device_routes, plan_routes, routes, template_globals  # noqa: E402,F401
