"""The challenge API under ``/api/v1``: leaderboards, submissions with a developer's personal
token, and approved game packages for the patients' clients (device token).

Bearer tokens only (no cookies, except that a logged-in web user may read a leaderboard), so
the blueprint is exempt from CSRF protection. Its operations are part of the hub's one OpenAPI
document, ``/api/v1/openapi.json`` (see ``api.document``).
"""

from flask import Blueprint

from ..core.extensions import csrf

bp = Blueprint("challenge_api", __name__)
csrf.exempt(bp)

from . import routes  # noqa: E402,F401  (registers the handlers)
