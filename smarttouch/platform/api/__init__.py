"""The device API, ``/api/v1``: JSON over HTTPS for the patients' home clients.

Authenticated by device bearer tokens (no cookies, so CSRF protection does not apply and the
blueprint is exempt from it). The OpenAPI document is served at ``/api/v1/openapi.json``;
``docs/api.md`` explains the flow.
"""

from flask import Blueprint

from ..extensions import csrf

bp = Blueprint("api", __name__)
csrf.exempt(bp)

from . import routes  # noqa: E402,F401  (registers the handlers)
