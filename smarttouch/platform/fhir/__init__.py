"""HL7 FHIR R4 read API for therapists: ``GET /api/v1/fhir/Patient/<id>/$everything``.

Authenticated by the therapist's web login (Flask-Login session cookie); a therapist sees only
their own patients (404 for the others). Read-only, so exempt from CSRF. The resource mapping
lives in :mod:`smarttouch.platform.services.rights.fhir` (no Flask, so services use it too).
"""

from __future__ import annotations

from flask import Blueprint

from ..core.extensions import csrf

bp = Blueprint("fhir", __name__)
csrf.exempt(bp)

from . import routes  # noqa: E402,F401
