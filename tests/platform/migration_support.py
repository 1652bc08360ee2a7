"""Rows written with plain SQL into a database held at an older revision, for the tests of
the data migrations that run after it (the models describe the newest schema, so they cannot
write these rows). Only the columns every revision since 0009 has are set."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, text


def insert_user(
    conn: Connection,
    *,
    now: datetime,
    email: str = "t@example.org",
    role: str = "therapist",
    active: bool = True,
) -> int:
    """An account (a therapist unless ``role`` says otherwise); its id."""
    conn.execute(
        text(
            "INSERT INTO user_account (email, full_name, role, password_hash, is_active, "
            "is_reviewer, session_version, created_at) VALUES "
            "(:email, 'T', :role, 'x', :active, false, 1, :now)"
        ),
        {"email": email, "role": role, "active": active, "now": now},
    )
    return conn.execute(
        text("SELECT id FROM user_account WHERE email = :email"), {"email": email}
    ).scalar_one()


def insert_patient(
    conn: Connection,
    *,
    therapist_id: int,
    now: datetime,
    code: str = "PT-1",
    condition: str = "parkinson",
    affected_side: str = "both",
) -> int:
    """A patient of ``therapist_id``; its id."""
    conn.execute(
        text(
            "INSERT INTO patient (code, condition, affected_side, notes, therapist_id, created_at) "
            "VALUES (:code, :condition, :side, '', :tid, :now)"
        ),
        {"code": code, "condition": condition, "side": affected_side, "tid": therapist_id, "now": now},
    )
    return conn.execute(text("SELECT id FROM patient WHERE code = :code"), {"code": code}).scalar_one()
