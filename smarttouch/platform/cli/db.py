"""``smarttouch db``: the hub database's Alembic migrations (SQLite and PostgreSQL)."""

from __future__ import annotations

import click

from .common import hub_app, safe_url, upgrade_database


@click.group()
def db() -> None:
    """Manage the hub database (Alembic migrations for SQLite and PostgreSQL)."""


@db.command("upgrade")
@click.option("--revision", default="head", show_default=True, help="Target revision.")
def db_upgrade(revision: str) -> None:
    """Apply migrations up to REVISION and refresh the built-in activity catalogue."""
    app = hub_app()
    upgrade_database(app, revision)
    click.echo(f"database {safe_url(app)} is at revision {revision}")


@db.command("downgrade")
@click.argument("revision")
def db_downgrade(revision: str) -> None:
    """Revert migrations down to REVISION (``base`` empties the database)."""
    from ..storage import migrate

    app = hub_app()
    migrate.downgrade(app.config["DATABASE_URL"], revision)
    click.echo(f"database {safe_url(app)} downgraded to {revision}")


@db.command("current")
def db_current() -> None:
    """Print the database's revision and the newest one available."""
    from ..storage import migrate
    from ..storage.db import get_engine

    app = hub_app()
    with get_engine(app).connect() as conn:
        current = migrate.current_revision(conn)
    click.echo(f"current: {current or 'empty database'}\nhead:    {migrate.head_revision()}")


@db.command("revision")
@click.option("-m", "--message", required=True, help="What the migration changes.")
@click.option(
    "--autogenerate/--empty",
    default=True,
    show_default=True,
    help="Diff the models against an up-to-date database, or write an empty script.",
)
def db_revision(message: str, autogenerate: bool) -> None:
    """Write a new migration script (run `db upgrade` first so the diff is against head)."""
    from ..storage import migrate

    app = hub_app()
    click.echo(f"wrote {migrate.revision(app.config['DATABASE_URL'], message, autogenerate)}")
