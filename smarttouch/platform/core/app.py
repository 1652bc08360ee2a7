"""The hub's application factory."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from flask import Flask, request
from flask_login import current_user
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter

from ..auth import access
from ..i18n import language as i18n
from ..i18n.vocab import JINJA_GLOBALS
from ..services.accounts import permissions
from ..storage import blobstore, db
from ..web import record_reads
from . import errors
from .blueprints import register_blueprints
from .config import resolve
from .extensions import csrf
from .request import HubRequest

#: The Content-Security-Policy of every response. Scripts, data requests and form posts go
#: only to the hub itself: the pages have no inline script (figures travel in non-executable
#: ``application/json`` blocks read by ``static/js/charts.js``) and plotly.js is served by the
#: hub. Styles allow inline: plotly.js styles the SVG it draws through ``style`` attributes
#: and so do a few of our templates; a style cannot run code or send data anywhere that
#: ``img-src``/``font-src``/``connect-src`` do not allow. ``data:``/``blob:`` images: plotly's
#: "download plot as PNG" renders through them.
CONTENT_SECURITY_POLICY = {
    "default-src": "'self'",
    "script-src": "'self'",
    "connect-src": "'self'",
    "img-src": "'self' data: blob:",
    "style-src": "'self' 'unsafe-inline'",
    "font-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'self'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}
SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Content-Security-Policy": "; ".join(f"{k} {v}" for k, v in CONTENT_SECURITY_POLICY.items()),
}


class BoundedInt(IntegerConverter):
    """``<int:...>`` in every route, capped at the largest id a 32-bit INTEGER column holds, so
    an absurd id in a URL is a 404 rather than a database overflow."""

    def __init__(self, map, *args, **kwargs):
        kwargs.setdefault("max", 2**31 - 1)
        super().__init__(map, *args, **kwargs)


def create_app(config: Mapping[str, Any] | type | None = None) -> Flask:
    """Build the hub. ``config``: overrides (mapping or config class) on top of the
    ``SMARTTOUCH_*`` environment; see :mod:`smarttouch.platform.core.config`."""
    settings = resolve(config)
    # named after the package, so the templates/ and static/ beside it are found
    app = Flask("smarttouch.platform", instance_path=settings["INSTANCE_PATH"])
    app.request_class = HubRequest  # uploaded parts of a few MiB stay in memory
    app.url_map.converters["int"] = BoundedInt
    app.config.update(settings)
    logging.getLogger("smarttouch").setLevel(app.config["LOG_LEVEL"].upper())
    if app.config["PROXY_HOPS"]:
        hops = int(app.config["PROXY_HOPS"])
        # Flask's documented way to add WSGI middleware; mypy forbids assigning to a method
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)  # type: ignore[method-assign]

    db.init_app(app)
    blobstore.init_app(app)
    i18n.init_app(app)
    csrf.init_app(app)
    access.init_app(app)
    errors.init_app(app)
    record_reads.init_app(app)
    register_blueprints(app)
    app.jinja_env.globals.update(JINJA_GLOBALS)
    app.jinja_env.globals.update(
        can_review=permissions.can_review,
        can_manage_challenges=permissions.can_manage_challenges,
        can_read_needs=permissions.can_read_needs,
    )

    @app.after_request
    def _security_headers(response):
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        # (an answer already no-store, as every API one, needs no look-up of the signed-in user)
        if (
            response.headers.get("Cache-Control") != "no-store"
            and current_user
            and current_user.is_authenticated
            and not request.path.startswith("/static/")
        ):
            response.headers["Cache-Control"] = "no-store"
        return response

    return app


__all__ = ["create_app"]
