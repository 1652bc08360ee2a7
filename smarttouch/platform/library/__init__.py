"""The exercise library (each activity's description and what the game asks of the patient),
plan templates per condition, copying a plan to another patient, the suggested target and
resuming an exercise ended today. Logic in :mod:`..services.clinic.plan_templates`."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("library", __name__)

from . import routes  # noqa: E402,F401
