"""What the hub's commands share: the app built from ``SMARTTOUCH_*`` (a configuration error
is a clear message), service errors as click errors, migrating the database, and writing a
file atomically."""

from __future__ import annotations

from typing import Any

import click

from ..core.config import ConfigError


def hub_app() -> Any:
    from ..core.app import create_app

    try:
        return create_app()
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from None


def fail(exc: BaseException) -> click.ClickException:
    return click.ClickException(str(getattr(exc, "message", exc)).splitlines()[0])


def upgrade_database(app: Any, revision: str = "head") -> None:
    from sqlalchemy.exc import OperationalError

    from ..services.clinic.catalogue import ensure_builtin_activities
    from ..storage import migrate
    from ..storage.db import session_scope

    try:
        migrate.upgrade(app.config["DATABASE_URL"], revision)
    except OperationalError as exc:
        raise click.ClickException(f"cannot migrate {safe_url(app)}: {exc.orig}") from None
    if revision == "head":
        with session_scope(app) as session:
            ensure_builtin_activities(session)


def safe_url(app: Any) -> str:
    from sqlalchemy.engine import make_url

    return make_url(app.config["DATABASE_URL"]).render_as_string(hide_password=True)


def write_atomic(path: str, write: Any) -> int:
    """Write a file through a temporary sibling and rename; returns its size in bytes."""
    import os
    import tempfile
    from pathlib import Path

    target = Path(path).expanduser()
    if not target.parent.is_dir():
        raise click.ClickException(f"folder {target.parent} does not exist")
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.")
    try:
        with os.fdopen(fd, "wb") as fh:
            write(fh)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target.stat().st_size
