"""Absolute URLs of the hub, built from the configured ``BASE_URL``.

The request's ``Host`` (or an untrusted ``X-Forwarded-Host``) never goes into a link: a client
that sends ``Host: evil.example`` would otherwise get ``http://evil.example/...`` back, in an
API answer or a page another person copies. Relative links and redirects stay relative.
"""

from __future__ import annotations

from typing import Any

from flask import current_app, url_for


def hub_url() -> str:
    """The hub's public address, ``scheme://host[:port]`` with no trailing slash."""
    return str(current_app.config["BASE_URL"])


def external_url(endpoint: str, **values: Any) -> str:
    """``url_for(endpoint, **values)`` as an absolute URL on :func:`hub_url`."""
    return hub_url() + url_for(endpoint, **values)
