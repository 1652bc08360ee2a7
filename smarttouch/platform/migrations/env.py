"""Alembic environment: runs against the connection or URL handed over by migrate.py."""

from __future__ import annotations

from typing import Any, Literal

from alembic import context
from alembic.autogenerate.api import AutogenContext
from sqlmodel.sql.sqltypes import AutoString

from smarttouch.platform import models
from smarttouch.platform.storage.db import make_engine

config = context.config
target_metadata = models.metadata


def render_item(type_: str, obj: Any, autogen_context: AutogenContext) -> str | Literal[False]:
    """Render our column types as plain SQLAlchemy types so scripts need no app imports."""
    if type_ == "type":
        if isinstance(obj, models.UTCDateTime):
            return "sa.DateTime(timezone=True)"
        if isinstance(obj, AutoString):
            return f"sa.String(length={obj.length})" if obj.length else "sa.String()"
    return False


def _configure(connection: Any) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        render_item=render_item,
    )


def run_migrations_offline() -> None:
    context.configure(
        url=config.attributes["url"],
        target_metadata=target_metadata,
        literal_binds=True,
        render_item=render_item,
    )
    with context.begin_transaction():
        context.run_migrations()


def _migrate(connection: Any) -> None:
    """Run the migrations on ``connection``.

    SQLite: batch operations copy a table, drop the old one and rename the copy. With foreign
    keys enforced, dropping a table runs an implicit DELETE that fires the ON DELETE actions
    of the tables referring to it: adding a column to ``exercise_session`` silently deleted
    every session's metrics (CASCADE), and adding one to ``user_account`` failed once patients
    existed (RESTRICT). So enforcement is off while migrating (the pragma has no effect inside
    a transaction, hence before it), ``PRAGMA foreign_key_check`` must find nothing after,
    and enforcement is back on before the connection is used again.
    """
    sqlite = connection.dialect.name == "sqlite" and not connection.in_transaction()
    if sqlite:
        connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
        connection.commit()
    try:
        _configure(connection)
        with context.begin_transaction():
            context.run_migrations()
        if sqlite:
            broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
            connection.commit()
            if broken:
                raise RuntimeError(f"the migrations left rows with broken foreign keys: {broken[:5]}")
    finally:
        if sqlite:
            connection.exec_driver_sql("PRAGMA foreign_keys=ON")
            connection.commit()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _migrate(connection)
        return
    engine = make_engine(config.attributes["url"])
    try:
        with engine.connect() as conn:
            _migrate(conn)
    finally:
        engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
