"""Run the hub's Alembic migrations programmatically (no alembic.ini needed).

``smarttouch db upgrade`` calls :func:`upgrade`; developers add a migration with
``smarttouch db revision -m "add x" --autogenerate`` and review the generated script in
``smarttouch/platform/migrations/versions/``.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection

MIGRATIONS_DIR = Path(__file__).resolve().parents[1] / "migrations"


def alembic_config(url: str, connection: Connection | None = None) -> Config:
    """An Alembic config for ``url`` (or an open ``connection``, which then is reused)."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.set_main_option("path_separator", "os")
    cfg.attributes["url"] = url
    if connection is not None:
        cfg.attributes["connection"] = connection
    return cfg


def upgrade(url: str, revision: str = "head", connection: Connection | None = None) -> None:
    command.upgrade(alembic_config(url, connection), revision)


def downgrade(url: str, revision: str, connection: Connection | None = None) -> None:
    command.downgrade(alembic_config(url, connection), revision)


def revision(url: str, message: str, autogenerate: bool = True) -> str:
    """Write a new migration script; returns its path."""
    script = command.revision(alembic_config(url), message=message, autogenerate=autogenerate)
    scripts = script if isinstance(script, list) else [script]
    return ", ".join(s.path for s in scripts if s is not None)


def head_revision() -> str | None:
    return ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()


def current_revision(connection: Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()
