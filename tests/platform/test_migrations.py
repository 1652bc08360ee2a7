"""Alembic migrations on SQLite and PostgreSQL: they build exactly the models' schema."""

from __future__ import annotations

from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from smarttouch.platform import models
from smarttouch.platform.storage import migrate
from smarttouch.platform.storage.db import make_engine
from tests.platform.migration_support import insert_patient, insert_user


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
            pid = insert_patient(conn, therapist_id=insert_user(conn, now=now), now=now)
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


def _email_link(conn, *, user_id: int, purpose: str, token: str, created, expires, used=None) -> None:
    from sqlalchemy import text

    from smarttouch.platform.services.accounts.bearer_tokens import digest

    conn.execute(
        text(
            "INSERT INTO email_link (user_id, purpose, token_hash, created_at, expires_at, used_at) "
            "VALUES (:uid, :purpose, :hash, :created, :expires, :used)"
        ),
        {
            "uid": user_id,
            "purpose": purpose,
            "hash": digest(token),
            "created": created,
            "expires": expires,
            "used": used,
        },
    )


def test_0028_carries_email_links_over_as_invitations(db_url: str) -> None:
    """Every e-mail link becomes an invitation row of its account: a live one still works
    once after the upgrade, a used or expired one is still refused, and a sign-up whose link
    expired is still a sign-up waiting for verification (a reset request mails it a new
    link). Downgrading puts the links back."""
    from datetime import UTC, datetime, timedelta

    from sqlalchemy import text
    from sqlmodel import Session, col, select

    from smarttouch.platform.models import Invitation, User
    from smarttouch.platform.services.accounts import signup
    from smarttouch.platform.services.accounts.invitations import Purpose

    migrate.upgrade(db_url, "0026_need_link_on_the_need")
    engine = make_engine(db_url)
    now = datetime.now(UTC)
    try:
        with engine.begin() as conn:
            waiting = insert_user(conn, now=now, email="new@example.org", role="developer", active=False)
            active = insert_user(conn, now=now, email="dev@example.org", role="developer")
            late = insert_user(conn, now=now, email="late@example.org", role="developer", active=False)
            hour = timedelta(hours=1)
            _email_link(
                conn,
                user_id=waiting,
                purpose="verify",
                token="stl_live-verify",
                created=now,
                expires=now + hour,
            )
            _email_link(
                conn,
                user_id=active,
                purpose="reset",
                token="stl_used",
                created=now - hour,
                expires=now,
                used=now,
            )
            _email_link(
                conn, user_id=active, purpose="reset", token="stl_live-reset", created=now, expires=now + hour
            )
            _email_link(
                conn,
                user_id=late,
                purpose="verify",
                token="stl_late",
                created=now - 3 * hour,
                expires=now - hour,
            )
        migrate.upgrade(db_url)
        with engine.connect() as conn:
            assert "email_link" not in inspect(conn).get_table_names()
        with Session(engine) as session:
            rows = session.exec(select(Invitation).order_by(col(Invitation.id))).all()
            assert [(r.user_id, r.purpose, r.email, r.role, r.used_at is None) for r in rows] == [
                (waiting, "verify", "new@example.org", "developer", True),
                (active, "forgot", "dev@example.org", "developer", False),
                (active, "forgot", "dev@example.org", "developer", True),
                (late, "verify", "late@example.org", "developer", True),
            ]
            assert len({r.code_hash for r in rows}) == 4 and all(len(r.code_hash) == 64 for r in rows)
            for token, purpose, reason in (("stl_used", "forgot", "used"), ("stl_late", "verify", "expired")):
                with pytest.raises(signup.LinkInvalid) as refused:
                    signup.find_link(session, token=token, purpose=Purpose(purpose))
                assert refused.value.reason == reason
            assert signup.verify_email(session, token="stl_live-verify").is_active
            changed = signup.reset_password(
                session, token="stl_live-reset", password="velvet otter ladder cinnamon"
            )
            assert changed.id == active
            with pytest.raises(signup.LinkInvalid):
                signup.verify_email(session, token="stl_live-verify")
            sent: list[str] = []
            signup.request_reset(
                session,
                email="late@example.org",
                settings={},
                compose=lambda kind, link: (sent.append(kind) or kind, link or ""),
                link=lambda page, token: f"/{page}?token={token}",
            )
            assert sent == ["verify"]  # still a sign-up waiting for verification
            assert session.get(User, late).is_active is False
        migrate.downgrade(db_url, "0026_need_link_on_the_need")
        with engine.connect() as conn:
            back = conn.execute(text("SELECT user_id, purpose FROM email_link ORDER BY id")).all()
            left = conn.execute(text("SELECT count(*) FROM invitation")).scalar_one()
    finally:
        engine.dispose()
    assert [tuple(r) for r in back] == [
        (waiting, "verify"),
        (active, "reset"),
        (active, "reset"),
        (late, "verify"),
        (late, "verify"),
    ]
    assert left == 0
