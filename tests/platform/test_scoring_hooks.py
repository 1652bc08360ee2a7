"""Work handed to :func:`scoring_hooks.after_commit` runs once after the commit of the
scoring transaction, never after a rollback; a failing hook or work keeps the result."""

from __future__ import annotations

from typing import Any

from flask import Flask
from sqlmodel import Session

from smarttouch.platform.models import ExerciseSession
from smarttouch.platform.services.clinic import scoring_hooks
from smarttouch.platform.storage.db import get_engine


def test_work_runs_once_after_the_commit_and_never_after_a_rollback(app: Flask) -> None:
    ran: list[str] = []
    with Session(get_engine(app)) as s:
        s.connection()  # a transaction, as the scoring job's
        scoring_hooks.after_commit(s, lambda: ran.append("rolled back"))
        s.rollback()
        s.commit()
        assert ran == []
        s.connection()
        scoring_hooks.after_commit(s, lambda: ran.append("first"))
        scoring_hooks.after_commit(s, lambda: 1 / 0)  # logged, the next one still runs
        scoring_hooks.after_commit(s, lambda: ran.append("second"))
        assert ran == []  # nothing before the commit
        s.commit()
        assert ran == ["first", "second"]
        s.commit()
        assert ran == ["first", "second"]  # once


def test_a_failing_hook_is_logged_and_the_others_run(app: Flask, caplog: Any) -> None:
    seen: list[int | None] = []

    def broken(_s: Session, _row: ExerciseSession, _tz: Any) -> None:
        raise RuntimeError("boom")

    def counting(_s: Session, row: ExerciseSession, _tz: Any) -> None:
        seen.append(row.id)

    scoring_hooks.register(broken)
    scoring_hooks.register(counting)
    scoring_hooks.register(counting)  # registered once however often
    try:
        with Session(get_engine(app)) as s:
            scoring_hooks.run(s, ExerciseSession(id=7, client_uuid="x", patient_id=1), "UTC")
    finally:
        scoring_hooks._HOOKS.remove(broken)
        scoring_hooks._HOOKS.remove(counting)
    assert seen == [7] and "boom" in caplog.text
