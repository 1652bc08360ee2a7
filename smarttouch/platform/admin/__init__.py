"""Administrators' pages: the audit trail (read-only page and CSV export)."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("admin", __name__)

from . import routes  # noqa: E402,F401
