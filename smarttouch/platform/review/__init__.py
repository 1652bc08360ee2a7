"""Reviewers' pages: scored submissions against the baselines, code, screenshots, decisions;
choosing approved analyzers per movement."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("review", __name__, template_folder="templates")

from . import routes  # noqa: E402,F401
