"""Access control: every page needs a login unless marked :func:`public`; roles are checked
with :func:`role_required`. ``/api/`` routes authenticate themselves (device tokens) and are
left alone here."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import Flask, abort, current_app, redirect, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from ..core.extensions import login_manager
from ..models import Role, User
from ..storage.db import get_session

F = TypeVar("F", bound=Callable[..., Any])
PUBLIC_ENDPOINTS = {"static"}


def signed_in_user() -> User:
    """The logged-in :class:`User` itself (not Flask-Login's proxy), for services and audit."""
    return current_user._get_current_object()  # type: ignore[attr-defined]


def public(view: F) -> F:
    """Mark a view as reachable without logging in."""
    view._smarttouch_public = True  # type: ignore[attr-defined]
    return view


def role_required(*roles: str | Role) -> Callable[[F], F]:
    """Allow only users whose role is one of ``roles`` (403 for the others)."""
    allowed = {str(r) for r in roles}
    unknown = allowed - set(Role.__members__)
    if unknown:
        raise ValueError(f"unknown roles in role_required: {sorted(unknown)}")

    def decorator(view: F) -> F:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if current_user.role not in allowed:
                abort(403)
            return view(*args, **kwargs)

        return wrapped  # type: ignore[return-value]

    return decorator


def reviewer_required(view: F) -> F:
    """Therapists flagged as reviewers (and admins)."""

    @wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if not current_user.is_authenticated:
            return login_manager.unauthorized()
        if not (
            current_user.role == Role.admin
            or (current_user.role == Role.therapist and current_user.is_reviewer)
        ):
            abort(403)
        return view(*args, **kwargs)

    return wrapped  # type: ignore[return-value]


def safe_next(target: str | None) -> str | None:
    """``target`` if it is a path on this site (no open redirects), else None."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return None
    return target


def _is_public_request() -> bool:
    if request.path.startswith("/api/"):
        return True
    endpoint = request.endpoint
    if endpoint in PUBLIC_ENDPOINTS or (endpoint and endpoint.endswith(".static")):
        return True
    view = current_app.view_functions.get(endpoint) if endpoint else None
    return bool(getattr(view, "_smarttouch_public", False))


def init_app(app: Flask) -> None:
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Please log in to continue.")
    login_manager.login_message_category = "info"
    login_manager.session_protection = "strong"

    @login_manager.user_loader
    def _load_user(user_id: str) -> User | None:
        try:
            user = get_session().get(User, int(user_id))
        except ValueError:
            return None
        return user if user is not None and user.is_active else None

    @app.before_request
    def _require_login() -> Any:
        if _is_public_request() or current_user.is_authenticated:
            return None
        nxt = request.full_path if request.query_string else request.path
        return redirect(url_for("auth.login", next=nxt if request.method == "GET" else None))
