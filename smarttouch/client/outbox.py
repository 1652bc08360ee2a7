"""The offline-first outbox: every finished or quit session is written here (SQLite, synced to
disk) BEFORE any upload is tried, and stays until the hub has acknowledged it.

Exactly once: the session's client UUID is the outbox key and the hub's idempotency key. A
crash or kill at any point leaves the row ``pending``; sending it again is safe because the
hub answers "already stored" for a UUID it has, and only then is the row marked ``sent``.

States: ``pending`` (waiting; ``next_attempt_at`` is the backoff), ``sent`` (acknowledged;
the recording bytes are dropped, the receipt kept), ``rejected`` (the hub refused it for good;
kept, with the reason, until the patient or a technician retries or removes it).
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

SCHEMA = """
CREATE TABLE IF NOT EXISTS outbox (
    session_id      TEXT PRIMARY KEY,
    hub_url         TEXT NOT NULL,
    created_at      REAL NOT NULL,
    summary         TEXT NOT NULL DEFAULT '',
    metadata        BLOB NOT NULL,
    recording       BLOB,
    recording_bytes INTEGER NOT NULL DEFAULT 0,
    status          TEXT NOT NULL DEFAULT 'pending',
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at REAL NOT NULL DEFAULT 0,
    last_error      TEXT,
    hub_id          INTEGER,
    receipt         TEXT,
    sent_at         REAL
);
CREATE INDEX IF NOT EXISTS ix_outbox_status ON outbox (status, next_attempt_at);
"""
STATES = ("pending", "sent", "rejected")


@dataclass(frozen=True)
class OutboxItem:
    """One row (``recording`` only when asked for)."""

    session_id: str
    hub_url: str
    created_at: float
    summary: str
    status: str
    attempts: int
    next_attempt_at: float
    last_error: str | None
    hub_id: int | None
    recording_bytes: int
    sent_at: float | None
    metadata: bytes = b""
    recording: bytes | None = None


class Outbox:
    """The outbox file at ``path`` (created on first use). Safe across threads and processes."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self._connect() as db:
            db.executescript(SCHEMA)

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        db = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        try:
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=FULL")  # a written session survives power loss
            db.row_factory = sqlite3.Row
            yield db
        finally:
            db.close()

    # ------------------------------------------------------------------ writing
    def add(
        self, session_id: str, *, hub_url: str, metadata: bytes, recording: bytes | None, summary: str = ""
    ) -> bool:
        """Store a session; returns False when that session id is already in the outbox."""
        with self._connect() as db:
            cur = db.execute(
                "INSERT OR IGNORE INTO outbox (session_id, hub_url, created_at, summary, "
                "metadata, recording, recording_bytes) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (session_id, hub_url, time.time(), summary[:200], metadata, recording, len(recording or b"")),
            )
            return cur.rowcount == 1

    def mark_sent(self, session_id: str, receipt: dict[str, Any]) -> None:
        with self._connect() as db:
            db.execute(
                "UPDATE outbox SET status='sent', recording=NULL, last_error=NULL, "
                "hub_id=?, receipt=?, sent_at=? WHERE session_id=?",
                (receipt.get("hub_id"), json.dumps(receipt), time.time(), session_id),
            )

    def mark_failed(self, session_id: str, error: str, retry_in_s: float) -> None:
        """A failed attempt that may succeed later: retry after ``retry_in_s`` seconds."""
        with self._connect() as db:
            db.execute(
                "UPDATE outbox SET attempts=attempts+1, last_error=?, "
                "next_attempt_at=? WHERE session_id=? AND status='pending'",
                (error[:500], time.time() + retry_in_s, session_id),
            )

    def mark_rejected(self, session_id: str, error: str) -> None:
        with self._connect() as db:
            db.execute(
                "UPDATE outbox SET status='rejected', attempts=attempts+1, last_error=? WHERE session_id=?",
                (error[:500], session_id),
            )

    def retry_now(self, *, include_rejected: bool = False) -> int:
        """Make waiting sessions due at once (at start-up, or when the patient asks)."""
        states = ("pending", "rejected") if include_rejected else ("pending",)
        with self._connect() as db:
            cur = db.execute(
                f"UPDATE outbox SET status='pending', next_attempt_at=0 WHERE status IN "
                f"({','.join('?' * len(states))})",
                states,
            )
            return cur.rowcount

    def purge_sent(self, older_than_s: float = 30 * 86400) -> int:
        with self._connect() as db:
            cur = db.execute(
                "DELETE FROM outbox WHERE status='sent' AND sent_at < ?", (time.time() - older_than_s,)
            )
            return cur.rowcount

    # ------------------------------------------------------------------ reading
    def _item(self, row: sqlite3.Row, with_payload: bool) -> OutboxItem:
        return OutboxItem(
            session_id=row["session_id"],
            hub_url=row["hub_url"],
            created_at=row["created_at"],
            summary=row["summary"],
            status=row["status"],
            attempts=row["attempts"],
            next_attempt_at=row["next_attempt_at"],
            last_error=row["last_error"],
            hub_id=row["hub_id"],
            recording_bytes=row["recording_bytes"],
            sent_at=row["sent_at"],
            metadata=bytes(row["metadata"]) if with_payload else b"",
            recording=(bytes(row["recording"]) if with_payload and row["recording"] is not None else None),
        )

    def get(self, session_id: str, *, with_payload: bool = False) -> OutboxItem | None:
        with self._connect() as db:
            row = db.execute("SELECT * FROM outbox WHERE session_id=?", (session_id,)).fetchone()
        return None if row is None else self._item(row, with_payload)

    def items(self, *, status: str | None = None) -> list[OutboxItem]:
        """Rows without their payload, oldest first."""
        cols = (
            "session_id, hub_url, created_at, summary, status, attempts, next_attempt_at, "
            "last_error, hub_id, recording_bytes, sent_at, metadata"
        )
        with self._connect() as db:
            if status is None:
                rows = db.execute(f"SELECT {cols} FROM outbox ORDER BY created_at").fetchall()
            else:
                rows = db.execute(
                    f"SELECT {cols} FROM outbox WHERE status=? ORDER BY created_at", (status,)
                ).fetchall()
        return [self._item(r, False) for r in rows]

    def due(self, *, hub_url: str, now: float | None = None) -> list[str]:
        """Ids of pending sessions for ``hub_url`` whose backoff has passed, oldest first."""
        with self._connect() as db:
            rows = db.execute(
                "SELECT session_id FROM outbox WHERE status='pending' AND "
                "hub_url=? AND next_attempt_at<=? ORDER BY created_at",
                (hub_url, time.time() if now is None else now),
            ).fetchall()
        return [r["session_id"] for r in rows]

    def next_attempt_at(self, *, hub_url: str) -> float | None:
        """When the earliest pending session becomes due (epoch seconds), or None."""
        with self._connect() as db:
            row = db.execute(
                "SELECT MIN(next_attempt_at) FROM outbox WHERE status='pending' AND hub_url=?", (hub_url,)
            ).fetchone()
        return None if row[0] is None else float(row[0])

    def counts(self) -> dict[str, int]:
        with self._connect() as db:
            rows = db.execute("SELECT status, COUNT(*) FROM outbox GROUP BY status").fetchall()
        return {state: 0 for state in STATES} | {r[0]: r[1] for r in rows}
