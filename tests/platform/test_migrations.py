"""Alembic migrations on SQLite and PostgreSQL: they build exactly the models' schema."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from smarttouch.platform import models
from smarttouch.platform.storage import migrate
from smarttouch.platform.storage.db import make_engine
from tests.platform.migration_support import insert_patient, insert_therapist


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


def test_0015_merges_duplicate_open_alerts(db_url: str) -> None:
    """Before 0015 a patient could have several open alerts about one concern (a decline of
    the largest and of the mean ROM): the migration keeps the newest open and marks the others
    resolved as merged, so the unique index on open concerns can be created."""
    from datetime import UTC, datetime

    from sqlalchemy import text

    migrate.upgrade(db_url, "0009_record_access")
    engine = make_engine(db_url)
    now = datetime(2026, 12, 1, tzinfo=UTC)
    try:
        with engine.begin() as conn:
            pid = insert_patient(conn, therapist_id=insert_therapist(conn, now=now), now=now)
            for kind, acked in (("decline", None), ("decline", None), ("decline", now), ("pain_stop", None)):
                conn.execute(
                    text(
                        "INSERT INTO alert (patient_id, kind, message, details, created_at, acknowledged_at) "
                        "VALUES (:pid, :kind, 'm', '{}', :now, :acked)"
                    ),
                    {"pid": pid, "kind": kind, "now": now, "acked": acked},
                )
        migrate.upgrade(db_url)
        with engine.connect() as conn:
            rows = conn.execute(
                text(
                    "SELECT id, concern, acknowledged_at, resolved_at, resolution_note FROM alert ORDER BY id"
                )
            ).all()
    finally:
        engine.dispose()
    assert [r.concern for r in rows] == ["decline", "decline", "decline", "pain_stop"]
    open_rows = [r.id for r in rows if r.acknowledged_at is None and r.resolved_at is None]
    assert open_rows == [rows[1].id, rows[3].id]  # the newest open decline, the pain stop
    assert rows[0].resolved_at is not None and "merged" in rows[0].resolution_note
