"""The offline-first outbox: every finished or quit session is written here (SQLite, synced to
disk) BEFORE any upload is tried, and stays until the hub has acknowledged it.

Exactly once: the session's client UUID is the outbox key and the hub's idempotency key. A
crash or kill at any point leaves the row ``pending``; sending it again is safe because the
hub answers "already stored" for a UUID it has, and only then is the row marked ``sent``.

States: ``pending`` (waiting; ``next_attempt_at`` is the backoff), ``sent`` (acknowledged;
the recording bytes are dropped, the receipt kept), ``rejected`` (the hub refused it for good;
kept, with the reason, until the patient or a technician retries or removes it).

Awaiting the patient: a session is written here the moment the game ends, while the patient
still answers "how do you feel now". Its stored upload is already complete (the questions
still open are recorded as skipped), and the row is marked awaiting (``awaiting_until``, the
playing process's ``awaiting_pid``). The answers replace it in place (:meth:`Outbox.complete`);
until then no uploader sends it, unless the wait is over or the playing process is gone (a
crash, a kill, a power loss): then it goes as stored, once. Whoever ends the wait first wins
(:meth:`Outbox.complete` or :meth:`Outbox.stop_awaiting`, one SQLite write each), so the hub
is never sent one version while the other is written.
"""

from __future__ import annotations

import json
import os
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
    sent_at         REAL,
    awaiting_until  REAL,
    awaiting_pid    INTEGER
);
CREATE INDEX IF NOT EXISTS ix_outbox_status ON outbox (status, next_attempt_at);
"""
# columns added after the first release: (name, SQL type), added to older outbox files on open
LATER_COLUMNS = (("awaiting_until", "REAL"), ("awaiting_pid", "INTEGER"))
STATES = ("pending", "sent", "rejected")


def process_alive(pid: int) -> bool:
    """Whether process ``pid`` still runs. Where that cannot be asked safely (Windows, where
    ``os.kill`` terminates) it counts as alive: the session then waits for its deadline."""
    if pid == os.getpid():
        return True
    if os.name != "posix" or pid <= 0:
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, owned by someone else
        return True
    return True


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
    awaiting_until: float | None = None  # set while the patient still answers (see module doc)
    awaiting_pid: int | None = None

    @property
    def awaiting(self) -> bool:
        return self.awaiting_until is not None


class Outbox:
    """The outbox file at ``path`` (created on first use). Safe across threads and processes."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self._connect() as db:
            db.executescript(SCHEMA)
            have = {row["name"] for row in db.execute("PRAGMA table_info(outbox)")}
            for name, kind in LATER_COLUMNS:
                if name not in have:
                    db.execute(f"ALTER TABLE outbox ADD COLUMN {name} {kind}")

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
        self,
        session_id: str,
        *,
        hub_url: str,
        metadata: bytes,
        recording: bytes | None,
        summary: str = "",
        awaiting_s: float | None = None,
    ) -> bool:
        """Store a session; returns False when that session id is already in the outbox.

        ``awaiting_s``: the patient is still answering; hold the upload for up to that many
        seconds while this process runs, until :meth:`complete` (see module docstring)."""
        until = None if awaiting_s is None else time.time() + awaiting_s
        pid = None if awaiting_s is None else os.getpid()
        with self._connect() as db:
            cur = db.execute(
                "INSERT OR IGNORE INTO outbox (session_id, hub_url, created_at, summary, "
                "metadata, recording, recording_bytes, awaiting_until, awaiting_pid) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    session_id,
                    hub_url,
                    time.time(),
                    summary[:200],
                    metadata,
                    recording,
                    len(recording or b""),
                    until,
                    pid,
                ),
            )
            return cur.rowcount == 1

    def complete(
        self, session_id: str, *, metadata: bytes, recording: bytes | None, summary: str = ""
    ) -> bool:
        """The patient answered: replace the awaiting session's upload in place and let it go.
        False when it is no longer awaiting (its wait ended and it may be on the hub already:
        the exactly-once contract keeps the version sent)."""
        with self._connect() as db:
            cur = db.execute(
                "UPDATE outbox SET metadata=?, recording=?, recording_bytes=?, summary=?, "
                "awaiting_until=NULL, awaiting_pid=NULL "
                "WHERE session_id=? AND status='pending' AND awaiting_until IS NOT NULL",
                (metadata, recording, len(recording or b""), summary[:200], session_id),
            )
            return cur.rowcount == 1

    def stop_awaiting(self, session_id: str) -> None:
        """End the wait: the session is uploaded as stored from now on (the uploader calls this
        before it reads a session whose wait is over or whose playing process is gone)."""
        with self._connect() as db:
            db.execute(
                "UPDATE outbox SET awaiting_until=NULL, awaiting_pid=NULL "
                "WHERE session_id=? AND awaiting_until IS NOT NULL",
                (session_id,),
            )

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
            awaiting_until=row["awaiting_until"],
            awaiting_pid=row["awaiting_pid"],
        )

    def get(self, session_id: str, *, with_payload: bool = False) -> OutboxItem | None:
        with self._connect() as db:
            row = db.execute("SELECT * FROM outbox WHERE session_id=?", (session_id,)).fetchone()
        return None if row is None else self._item(row, with_payload)

    def items(self, *, status: str | None = None) -> list[OutboxItem]:
        """Rows without their payload, oldest first."""
        cols = (
            "session_id, hub_url, created_at, summary, status, attempts, next_attempt_at, "
            "last_error, hub_id, recording_bytes, sent_at, metadata, awaiting_until, awaiting_pid"
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
        """Ids of pending sessions for ``hub_url`` whose backoff has passed, oldest first; a
        session awaiting the patient only once its wait is over or its process is gone."""
        now = time.time() if now is None else now
        with self._connect() as db:
            rows = db.execute(
                "SELECT session_id, awaiting_until, awaiting_pid FROM outbox WHERE status='pending' AND "
                "hub_url=? AND next_attempt_at<=? ORDER BY created_at",
                (hub_url, now),
            ).fetchall()
        return [
            r["session_id"] for r in rows if not _still_awaiting(r["awaiting_until"], r["awaiting_pid"], now)
        ]

    def next_attempt_at(self, *, hub_url: str) -> float | None:
        """When the earliest pending session becomes due (epoch seconds), or None (a session
        awaiting the patient: when its wait ends, or now when its process is gone)."""
        with self._connect() as db:
            rows = db.execute(
                "SELECT next_attempt_at, awaiting_until, awaiting_pid FROM outbox "
                "WHERE status='pending' AND hub_url=?",
                (hub_url,),
            ).fetchall()
        now = time.time()
        times = [
            max(float(r["next_attempt_at"]), float(r["awaiting_until"]))
            if _still_awaiting(r["awaiting_until"], r["awaiting_pid"], now)
            else float(r["next_attempt_at"])
            for r in rows
        ]
        return min(times) if times else None

    def counts(self) -> dict[str, int]:
        with self._connect() as db:
            rows = db.execute("SELECT status, COUNT(*) FROM outbox GROUP BY status").fetchall()
        return {state: 0 for state in STATES} | {r[0]: r[1] for r in rows}


def _still_awaiting(until: float | None, pid: int | None, now: float) -> bool:
    """A session held for the patient's answers: its wait is not over and its process runs."""
    if until is None or until <= now:
        return False
    return pid is None or process_alive(int(pid))
