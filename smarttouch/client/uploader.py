"""Uploading the outbox: :class:`Uploader` sends what is due once; :class:`BackgroundUploader`
keeps doing it in a thread, waking when kicked or when the next backoff ends.

Backoff after a failed attempt: 5 s, 10 s, 20 s... capped at 15 minutes, with +-20 % jitter so
many clients do not retry in step. A session is marked sent only after the hub's receipt
(201 stored or 200 already stored), so any crash before that simply sends it again. A session
still awaiting the patient's answers after the game waits (see ``outbox``).
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from smarttouch.client.http import HubClient, HubRejected, HubUnreachable, TokenRejected
from smarttouch.client.outbox import Outbox

log = logging.getLogger(__name__)

BASE_BACKOFF_S = 5.0
MAX_BACKOFF_S = 15 * 60.0


def backoff_s(attempts: int, rng: random.Random | None = None) -> float:
    """Seconds to wait after the ``attempts``-th failure (1, 2, ...)."""
    delay: float = min(BASE_BACKOFF_S * 2.0 ** max(0, attempts - 1), MAX_BACKOFF_S)
    jitter = rng.uniform(0.8, 1.2) if rng is not None else random.uniform(0.8, 1.2)
    return delay * jitter


@dataclass
class FlushReport:
    """What one pass over the outbox did."""

    sent: list[str] = field(default_factory=list)
    already_there: list[str] = field(default_factory=list)
    rejected: dict[str, str] = field(default_factory=dict)
    failed: dict[str, str] = field(default_factory=dict)
    token_error: str | None = None

    @property
    def uploaded(self) -> list[str]:
        return self.sent + self.already_there


class Uploader:
    """Sends the due sessions of ``outbox`` to ``client``'s hub, one at a time, oldest first."""

    def __init__(
        self, outbox: Outbox, client: HubClient, on_sent: Callable[[str, dict[str, Any]], None] | None = None
    ) -> None:
        self.outbox = outbox
        self.client = client
        self.on_sent = on_sent
        self._lock = threading.Lock()

    def flush(self) -> FlushReport:
        """One pass. Stops at the first network failure (the hub is down: no hammering)."""
        report = FlushReport()
        with self._lock:
            for session_id in self.outbox.due(hub_url=self.client.hub_url):
                # a session held for the patient's answers is due only once that wait is over
                # or its process is gone: end the wait first, so no late answer changes what
                # is being sent
                self.outbox.stop_awaiting(session_id)
                item = self.outbox.get(session_id, with_payload=True)
                if item is None or item.status != "pending":
                    continue
                try:
                    receipt = self.client.upload_session(item.metadata, item.recording)
                except TokenRejected as exc:
                    report.token_error = exc.message
                    self.outbox.mark_failed(session_id, exc.message, backoff_s(item.attempts + 1))
                    break
                except HubRejected as exc:
                    log.warning("hub refused session %s: %s", session_id, exc.message)
                    self.outbox.mark_rejected(session_id, exc.message)
                    report.rejected[session_id] = exc.message
                    continue
                except HubUnreachable as exc:
                    self.outbox.mark_failed(session_id, exc.message, backoff_s(item.attempts + 1))
                    report.failed[session_id] = exc.message
                    break
                self.outbox.mark_sent(session_id, receipt)
                (report.sent if receipt.get("created", True) else report.already_there).append(session_id)
                if self.on_sent is not None:
                    self.on_sent(session_id, receipt)
        return report


class BackgroundUploader:
    """A daemon thread running :meth:`Uploader.flush` whenever something is due."""

    def __init__(self, uploader: Uploader, *, idle_check_s: float = 60.0) -> None:
        self.uploader = uploader
        self.idle_check_s = idle_check_s
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._idle = threading.Condition()
        self._busy = False
        self.last_report: FlushReport | None = None
        self._thread = threading.Thread(target=self._run, name="outbox-uploader", daemon=True)

    def start(self) -> BackgroundUploader:
        self._thread.start()
        return self

    def kick(self) -> None:
        """Upload now (e.g. a session was just added)."""
        with self._idle:
            self._busy = True
        self._wake.set()

    def stop(self, timeout_s: float = 5.0) -> None:
        self._stop.set()
        self._wake.set()
        self._thread.join(timeout=timeout_s)

    def wait_until_sent(self, session_id: str, timeout_s: float) -> bool:
        """Wait up to ``timeout_s`` for ``session_id`` to be acknowledged by the hub."""
        deadline = time.monotonic() + timeout_s
        while True:
            item = self.uploader.outbox.get(session_id)
            if item is not None and item.status == "sent":
                return True
            if item is None or item.status == "rejected":
                return False
            left = deadline - time.monotonic()
            if left <= 0:
                return False
            with self._idle:
                if not self._busy:
                    due = self.uploader.outbox.due(hub_url=self.uploader.client.hub_url)
                    if session_id not in due:
                        return False  # waiting for its backoff: not going to happen now
                self._idle.wait(min(left, 0.2))

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.last_report = self.uploader.flush()
            except Exception:
                log.exception("outbox upload pass failed")
            with self._idle:
                self._busy = False
                self._idle.notify_all()
            nxt = self.uploader.outbox.next_attempt_at(hub_url=self.uploader.client.hub_url)
            wait = self.idle_check_s if nxt is None else min(max(nxt - time.time(), 0.05), self.idle_check_s)
            self._wake.wait(wait)
            self._wake.clear()
            with self._idle:
                self._busy = True
