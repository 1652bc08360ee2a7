"""The hub's feature blueprints, registered in this order by the app factory.

Add a feature: create ``smarttouch/platform/<feature>/`` with ``bp`` in ``__init__.py`` and
the handlers in ``routes.py``, then list ``"<feature>"`` here (with its URL prefix).
"""

from __future__ import annotations

import importlib

from flask import Flask

# package name under smarttouch.platform -> URL prefix ("" for the site root)
BLUEPRINTS: dict[str, str] = {
    "auth": "",
    "signup": "",
    "home": "",
    "patients": "",
    "sessions": "",
    "reports": "",
    "portal": "",
    "developer": "/developer",
    "fhir": "/api/v1/fhir",
    "admin": "/admin",
    "datarights": "/data-rights",
    "api": "/api/v1",
    "submissions": "",
    "public": "",
    "review": "",
    "challenge_api": "/api/v1",
    "catalogue": "",
    "onboarding": "",
    "messages": "",
    "library": "",
    "staff": "/admin",
    "pilots": "",
    "manage": "",
    "needs": "",
    "teams": "",
    "forum": "",
}


def register_blueprints(app: Flask) -> None:
    for name, prefix in BLUEPRINTS.items():
        module = importlib.import_module(f"smarttouch.platform.{name}")
        app.register_blueprint(module.bp, url_prefix=prefix or None)
