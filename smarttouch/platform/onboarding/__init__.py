"""Onboarding: a therapist invites a patient (one-time link and code, QR code, printable
sheet), the patient sets a password and lands in the portal; the pairing link of a home
computer. Logic in :mod:`..services.accounts.invitations`."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("onboarding", __name__)

from . import routes  # noqa: E402,F401
