"""Alembic migrations on SQLite and PostgreSQL: they build exactly the models' schema."""

from __future__ import annotations

from typing import Any

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
            conn.execute(
                text(
                    "INSERT INTO user_account (email, full_name, role, password_hash, is_active, "
                    "is_reviewer, session_version, created_at) VALUES "
                    "('t@example.org', 'T', 'therapist', 'x', true, false, 1, :now)"
                ),
                {"now": now},
            )
            tid = conn.execute(text("SELECT id FROM user_account")).scalar_one()
            conn.execute(
                text(
                    "INSERT INTO patient (code, condition, affected_side, notes, therapist_id, created_at) "
                    "VALUES ('PT-1', 'parkinson', 'both', '', :tid, :now)"
                ),
                {"tid": tid, "now": now},
            )
            pid = conn.execute(text("SELECT id FROM patient")).scalar_one()
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


def _insert(conn: Any, name: str, **values: Any) -> int:
    """Insert a row into table ``name`` with ``values``, any other required column given a
    plain value of its type; returns the new id."""
    from datetime import UTC, datetime

    import sqlalchemy as sa

    table = sa.Table(name, sa.MetaData(), autoload_with=conn)
    row = dict(values)
    for column in table.columns:
        if column.name in row or column.nullable or column.server_default is not None or column.primary_key:
            continue
        kind = column.type.python_type if not isinstance(column.type, sa.JSON) else dict
        row[column.name] = {
            bool: False,
            int: 1,
            float: 1.0,
            str: "x",
            dict: {},
            list: [],
            datetime: datetime(2026, 12, 1, tzinfo=UTC),
        }[kind]
    return conn.execute(table.insert().values(**row).returning(table.c.id)).scalar_one()


def test_0026_keeps_one_link_between_a_need_and_its_challenge(db_url: str) -> None:
    """Before 0026 both ``challenge.need_id`` and ``clinical_need.challenge_id`` held the link.
    The migration moves a link only the challenge held onto the need (turned into the
    challenge, as linking does), keeps the need's own link where both are set, leaves declined
    needs alone, and drops ``challenge.need_id``; the downgrade brings it back filled."""
    from sqlalchemy import text

    migrate.upgrade(db_url, "0025_metrics_computed_at_index")
    engine = make_engine(db_url)
    try:
        with engine.begin() as conn:
            tid = _insert(conn, "user_account", email="t@example.org", role="therapist")

            def need(status: str, challenge_id: int | None = None) -> int:
                return _insert(
                    conn, "clinical_need", proposer_id=tid, status=status, challenge_id=challenge_id
                )

            def challenge(slug: str, need_id: int | None) -> int:
                return _insert(conn, "challenge", slug=slug, need_id=need_id, is_published=False)

            both = need("challenge")
            c_both = challenge("both", both)
            conn.execute(
                text("UPDATE clinical_need SET challenge_id = :c WHERE id = :n"), {"c": c_both, "n": both}
            )
            orphan = need("accepted")  # the link failed after the challenge was saved
            c_orphan = challenge("orphan", orphan)
            challenge("orphan-again", orphan)  # a second challenge naming it: the first wins
            declined = need("declined")
            challenge("declined", declined)
            elsewhere = need("challenge", c_orphan)  # linked from its page to another challenge
            challenge("other", elsewhere)  # names a need linked elsewhere: that link stays
        migrate.upgrade(db_url)
        with engine.connect() as conn:
            links = dict(conn.execute(text("SELECT id, challenge_id FROM clinical_need")).all())
            statuses = dict(conn.execute(text("SELECT id, status FROM clinical_need")).all())
            columns = {c["name"] for c in inspect(conn).get_columns("challenge")}
        assert "need_id" not in columns
        assert links == {both: c_both, orphan: c_orphan, declined: None, elsewhere: c_orphan}
        assert (statuses[orphan], statuses[declined], statuses[both]) == (
            "challenge",
            "declined",
            "challenge",
        )
        assert _diff(db_url) == []
        migrate.downgrade(db_url, "0025_metrics_computed_at_index")
        with engine.connect() as conn:
            back = dict(conn.execute(text("SELECT slug, need_id FROM challenge")).all())
        assert back == {
            "both": both,
            "orphan": orphan,
            "orphan-again": None,
            "declined": None,
            "other": None,
        }
    finally:
        engine.dispose()
