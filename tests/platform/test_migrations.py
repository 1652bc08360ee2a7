"""Alembic migrations on SQLite and PostgreSQL: they build exactly the models' schema."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from smarttouch.platform import models
from smarttouch.platform.storage import migrate
from smarttouch.platform.storage.db import make_engine


def _diff(url: str) -> list:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            ctx = MigrationContext.configure(conn, opts={"compare_type": True})
            return compare_metadata(ctx, models.metadata)
    finally:
        engine.dispose()


def test_upgrade_builds_the_models_schema(db_url: str) -> None:
    migrate.upgrade(db_url)
    assert _diff(db_url) == []
    engine = make_engine(db_url)
    with engine.connect() as conn:
        assert migrate.current_revision(conn) == migrate.head_revision()
        tables = set(inspect(conn).get_table_names())
    engine.dispose()
    expected = {t.name for t in models.metadata.sorted_tables}
    assert expected <= tables
    assert {
        "user_account",
        "patient",
        "assignment",
        "exercise_session",
        "session_metrics",
        "audit_event",
        "alert",
        "device",
        "pairing_code",
        "challenge",
        "solution",
        "submission",
        "score",
        "review",
        "activity",
        "login_throttle",
    } <= expected


def test_downgrade_to_base_and_back(db_url: str) -> None:
    migrate.upgrade(db_url)
    migrate.downgrade(db_url, "base")
    engine = make_engine(db_url)
    with engine.connect() as conn:
        left = set(inspect(conn).get_table_names()) - {"alembic_version"}
    engine.dispose()
    assert left == set()
    migrate.upgrade(db_url)
    assert _diff(db_url) == []


def test_revision_chain_is_linear() -> None:
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(migrate.alembic_config("sqlite://"))
    assert len(script.get_heads()) == 1, "several heads: merge them with alembic merge"
    for rev in script.walk_revisions():
        assert rev.doc, f"migration {rev.revision} needs a docstring saying what it changes"
