"""The SmartTouch hub (Flask): app factory, data model, auth, web UI and CLI.

``create_app(config=None)`` builds the app from ``SMARTTOUCH_*`` environment variables and
optional overrides.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from flask import Flask


def create_app(config: Any = None) -> Flask:
    from .core.app import create_app as _create_app

    return _create_app(config)


__all__ = ["create_app"]
