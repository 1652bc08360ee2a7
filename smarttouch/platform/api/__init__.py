"""The device API, ``/api/v1``: JSON over HTTPS for the patients' home clients.

Authenticated by device bearer tokens (no cookies, so CSRF protection does not apply and the
blueprint is exempt from it). ``/api/v1/openapi.json`` serves the ONE OpenAPI document of
every ``/api/v1`` operation, this blueprint's and the challenge API's (:mod:`.document`);
``docs/api.md`` explains the flow.
"""

from flask import Blueprint

from ..core.extensions import csrf

bp = Blueprint("api", __name__)
csrf.exempt(bp)

from . import message_routes, routes  # noqa: E402,F401  (registers the handlers)
