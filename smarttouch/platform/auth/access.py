"""Access control: every page needs a login unless marked :func:`public`; roles are checked
with :func:`role_required`. ``/api/`` routes authenticate themselves (device tokens) and are
left alone here."""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import wraps
from typing import Any, ParamSpec, TypeVar
from urllib.parse import urlsplit

from flask import Flask, abort, current_app, redirect, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from ..core.extensions import login_manager
from ..models import Role, User
from ..services.accounts import permissions
from ..storage.db import get_session

F = TypeVar("F", bound=Callable[..., Any])
P = ParamSpec("P")
R = TypeVar("R")
PUBLIC_ENDPOINTS = {"static"}
MAX_DB_INT = 2**31 - 1
_LOGIN_ID = re.compile(r"([0-9]{1,10}):([0-9]{1,10})")


def signed_in_user() -> User:
    """The logged-in :class:`User` itself (not Flask-Login's proxy), for services and audit."""
    return current_user._get_current_object()


def public(view: F) -> F:
    """Mark a view as reachable without logging in."""
    view._smarttouch_public = True  # type: ignore[attr-defined]  # a marker the login check reads
    return view


def role_required(*roles: str | Role) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Allow only users whose role is one of ``roles`` (403 for the others)."""
    allowed = {str(r) for r in roles}
    unknown = allowed - set(Role.__members__)
    if unknown:
        raise ValueError(f"unknown roles in role_required: {sorted(unknown)}")

    def decorator(view: Callable[P, R]) -> Callable[P, R]:
        @wraps(view)
        def wrapped(*args: P.args, **kwargs: P.kwargs) -> R:
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if current_user.role not in allowed:
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


def _permission_required(allowed: Callable[[User], bool]) -> Callable[[Callable[P, R]], Callable[P, R]]:
    def decorator(view: Callable[P, R]) -> Callable[P, R]:
        @wraps(view)
        def wrapped(*args: P.args, **kwargs: P.kwargs) -> R:
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if not allowed(signed_in_user()):
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


#: Therapists flagged as reviewers (and admins).
reviewer_required = _permission_required(permissions.can_review)
#: Challenge managers (and admins).
challenge_manager_required = _permission_required(permissions.can_manage_challenges)
#: Therapists and challenge managers: the clinical needs.
need_reader_required = _permission_required(permissions.can_read_needs)


#: Longest ``next`` target kept (longer ones go to the home page).
MAX_NEXT_CHARS = 2048
# C0/C1 control characters, space and backslash: browsers drop tabs and newlines from URLs and
# read "\\" as "/" (WHATWG URL standard, "special" schemes), so "/\t/evil.example" and
# "/\\evil.example" both become the other host "//evil.example"; CR/LF cannot be in a header.
_UNSAFE_IN_NEXT = re.compile(r"[\x00-\x20\x7f-\x9f\\]")


def safe_next(target: str | None) -> str | None:
    """``target`` if it is a path on this site, else None (the caller then goes home).

    Only an absolute path passes: it starts with exactly one ``/``, has no scheme or host, and
    holds no control character, space or backslash, which browsers strip or rewrite into a
    network-path reference to another site. A path is never an open redirect and never a
    header that cannot be sent.
    """
    if not target or len(target) > MAX_NEXT_CHARS or _UNSAFE_IN_NEXT.search(target):
        return None
    if not target.startswith("/") or target.startswith("//"):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    return target


def load_login(login_id: str) -> User | None:
    """The active user a login cookie's ``"<id>:<session_version>"`` names, or None when the
    account is gone or disabled or the version is not the account's current one (logged out,
    password changed or deactivated since: the cookie is a replay)."""
    match = _LOGIN_ID.fullmatch(login_id)
    if match is None or int(match[1]) > MAX_DB_INT:
        return None
    user = get_session().get(User, int(match[1]))
    if user is None or not user.is_active or user.session_version != int(match[2]):
        return None
    return user


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
    def _load_user(login_id: str) -> User | None:
        return load_login(login_id)

    @app.before_request
    def _require_login() -> Any:
        if _is_public_request() or current_user.is_authenticated:
            return None
        nxt = request.full_path if request.query_string else request.path
        return redirect(url_for("auth.login", next=nxt if request.method == "GET" else None))
