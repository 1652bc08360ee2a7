"""Per-patient progress reports for a chosen period: a preview page, PDF and CSV downloads
(therapists for their own patients, admins; every download is audited)."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("reports", __name__)

from . import routes  # noqa: E402,F401
