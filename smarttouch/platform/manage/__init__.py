"""Challenge managers' pages (``/manage/challenges``): author a challenge, attach its data,
preview it as developers will see it, publish, extend, close and announce its results."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("manage", __name__, template_folder="templates")

from . import routes  # noqa: E402,F401
