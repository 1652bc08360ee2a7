"""User administration: accounts (create by invitation, deactivate, reset password, roles)
and caseloads (assign a patient to a therapist, hand a caseload over). Administrators only;
logic in :mod:`..services.accounts.administration` and :mod:`..services.accounts.invitations`."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("staff", __name__)

from . import routes  # noqa: E402,F401
