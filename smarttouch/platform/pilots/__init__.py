"""Pilots of approved solutions in care: the list, the creation form, enrolment of the
therapist's own patients, the outcome page with its charts, the PDF and CSV reports and the
public anonymised summary of a closed pilot. The patient's side (what the pilot is, consent,
withdrawal) lives in the portal (``portal/pilots.py``)."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("pilots", __name__)

from . import after_scoring, routes  # noqa: E402,F401  routes, and the safety check after scoring


@bp.app_context_processor
def _pilot_words() -> dict:
    from . import fmt, labels

    return {**labels.TEMPLATE_GLOBALS, **fmt.TEMPLATE_GLOBALS}
