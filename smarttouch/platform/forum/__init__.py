"""Each challenge's question-and-answer forum: ``/challenges/<slug>/forum`` and its threads
(read without login; developers, therapists and administrators post; challenge managers pin
answers and lock threads)."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("forum", __name__)

from . import routes  # noqa: E402,F401
