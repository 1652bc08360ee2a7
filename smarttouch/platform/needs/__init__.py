"""Clinical needs: ``/needs`` (the list, by status), ``/needs/new`` (a therapist files one),
``/needs/<id>`` (the need, its supporters, its thread and the managers' actions)."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("needs", __name__)

from . import routes  # noqa: E402,F401
