"""The client's files: the token (0600), preferences, the outbox states and the backoff."""

from __future__ import annotations

import os
import random
import sqlite3
import stat
import time

import pytest

from smarttouch.client import ClientStore, HubLink, NotPaired, Outbox, PlanCache
from smarttouch.client.uploader import BASE_BACKOFF_S, MAX_BACKOFF_S, backoff_s

LINK = HubLink(
    hub_url="http://hub.test",
    token="stt_secret",
    device_id=3,
    patient_code="PT-1",
    paired_at="2026-01-01T00:00:00+00:00",
)


def test_the_token_file_is_private_and_tightened_when_loosened(tmp_path):
    store = ClientStore(tmp_path / "config", tmp_path / "data")
    with pytest.raises(NotPaired, match="smarttouch pair"):
        store.load_link()
    path = store.save_link(LINK)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    os.chmod(path, 0o644)
    assert store.load_link() == LINK
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    path.write_text("{broken")
    with pytest.raises(NotPaired, match="damaged"):
        store.load_link()


def test_client_home_variable_puts_everything_in_one_folder(tmp_path, monkeypatch):
    monkeypatch.setenv("SMARTTOUCH_CLIENT_HOME", str(tmp_path / "portable"))
    store = ClientStore()
    assert store.link_path.parent == store.outbox_path.parent == tmp_path / "portable"
    store.set_pref("sensor", "ble:AA:BB")
    assert ClientStore().prefs() == {"sensor": "ble:AA:BB"}


def test_plan_cache_is_per_hub(tmp_path):
    cache = PlanCache(tmp_path / "plan.json")
    assert cache.load("http://hub.test") is None
    cache.save("http://hub.test", {"exercises": [1]})
    assert cache.load("http://hub.test").plan == {"exercises": [1]}
    assert cache.load("http://other.test") is None


def test_outbox_states(tmp_path):
    box = Outbox(tmp_path / "outbox.sqlite")
    assert box.add("s1", hub_url="http://hub.test", metadata=b"{}", recording=b"rec")
    assert not box.add("s1", hub_url="http://hub.test", metadata=b"{}", recording=b"other")
    box.add("s2", hub_url="http://hub.test", metadata=b"{}", recording=None)
    box.add("s3", hub_url="http://elsewhere.test", metadata=b"{}", recording=None)
    assert box.due(hub_url="http://hub.test") == ["s1", "s2"]
    assert box.get("s1", with_payload=True).recording == b"rec"

    box.mark_failed("s1", "unreachable", retry_in_s=60)
    assert box.due(hub_url="http://hub.test") == ["s2"]
    assert box.next_attempt_at(hub_url="http://hub.test") <= time.time()
    box.mark_rejected("s2", "assignment_id: 9 is not in your plan")
    box.mark_sent("s1", {"hub_id": 12, "created": True})
    sent = box.get("s1", with_payload=True)
    assert (sent.status, sent.hub_id, sent.recording, sent.attempts) == ("sent", 12, None, 1)
    assert box.counts() == {"pending": 1, "sent": 1, "rejected": 1}
    assert box.retry_now(include_rejected=True) == 2
    assert box.get("s2").status == "pending"
    assert box.purge_sent(older_than_s=-1) == 1 and box.get("s1") is None


def test_outbox_survives_a_new_process_view(tmp_path):
    Outbox(tmp_path / "o.sqlite").add("s1", hub_url="h", metadata=b"m", recording=b"r")
    assert [i.session_id for i in Outbox(tmp_path / "o.sqlite").items()] == ["s1"]


def test_backoff_doubles_with_jitter_and_is_capped():
    rng = random.Random(1)
    delays = [backoff_s(n, rng) for n in range(1, 12)]
    assert BASE_BACKOFF_S * 0.8 <= delays[0] <= BASE_BACKOFF_S * 1.2
    assert 2 * BASE_BACKOFF_S * 0.8 <= delays[1] <= 2 * BASE_BACKOFF_S * 1.2
    assert max(delays) <= MAX_BACKOFF_S * 1.2 and delays[-1] >= MAX_BACKOFF_S * 0.8


def _dead_pid() -> int:
    """The id of a process that has ended (a child run and reaped)."""
    import subprocess
    import sys

    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def test_a_session_awaiting_the_answers_is_held_then_completed_in_place(tmp_path):
    box = Outbox(tmp_path / "outbox.sqlite")
    assert box.add("s1", hub_url="h", metadata=b'{"after": "skipped"}', recording=b"r1", awaiting_s=300)
    box.add("s2", hub_url="h", metadata=b"{}", recording=None)
    held = box.get("s1")
    assert held.awaiting and held.awaiting_pid == os.getpid() and held.awaiting_until > time.time() + 290
    assert box.due(hub_url="h") == ["s2"]  # this process runs and the wait is not over
    assert box.due(hub_url="h", now=time.time() + 301) == ["s1", "s2"]  # the wait is over
    assert box.next_attempt_at(hub_url="h") <= time.time()  # s2 is due now
    box.mark_sent("s2", {"hub_id": 1})
    assert box.next_attempt_at(hub_url="h") == pytest.approx(held.awaiting_until)

    assert box.complete("s1", metadata=b'{"after": [6, 3]}', recording=b"r2", summary="answered")
    done = box.get("s1", with_payload=True)
    assert (done.metadata, done.recording, done.recording_bytes, done.summary) == (
        b'{"after": [6, 3]}',
        b"r2",
        2,
        "answered",
    )
    assert not done.awaiting and done.created_at == held.created_at and done.status == "pending"
    assert [i.session_id for i in box.items()] == ["s1", "s2"]  # the same row, not a second one
    assert box.due(hub_url="h") == ["s1"]
    assert not box.complete("s1", metadata=b"late", recording=None)  # no longer awaiting
    assert box.get("s1", with_payload=True).metadata == b'{"after": [6, 3]}'


def test_a_session_whose_process_is_gone_is_due_and_its_wait_ends_before_it_is_read(tmp_path):
    box = Outbox(tmp_path / "outbox.sqlite")
    box.add("s1", hub_url="h", metadata=b"as ended", recording=None, awaiting_s=300)
    with sqlite3.connect(box.path) as db:  # as if another process, since ended, had written it
        db.execute("UPDATE outbox SET awaiting_pid=? WHERE session_id='s1'", (_dead_pid(),))
    assert box.due(hub_url="h") == ["s1"]
    box.stop_awaiting("s1")  # what the uploader does before it reads the session
    assert not box.get("s1").awaiting
    assert not box.complete("s1", metadata=b"answers too late", recording=None)
    assert box.get("s1", with_payload=True).metadata == b"as ended"


def test_an_outbox_file_from_before_the_wait_gains_its_columns(tmp_path):
    path = tmp_path / "old.sqlite"
    with sqlite3.connect(path) as db:
        db.executescript(
            "CREATE TABLE outbox (session_id TEXT PRIMARY KEY, hub_url TEXT NOT NULL, "
            "created_at REAL NOT NULL, summary TEXT NOT NULL DEFAULT '', metadata BLOB NOT NULL, "
            "recording BLOB, recording_bytes INTEGER NOT NULL DEFAULT 0, "
            "status TEXT NOT NULL DEFAULT 'pending', attempts INTEGER NOT NULL DEFAULT 0, "
            "next_attempt_at REAL NOT NULL DEFAULT 0, last_error TEXT, hub_id INTEGER, "
            "receipt TEXT, sent_at REAL);"
            "INSERT INTO outbox (session_id, hub_url, created_at, metadata) VALUES ('old', 'h', 1, x'7b7d');"
        )
    box = Outbox(path)
    assert box.due(hub_url="h") == ["old"] and not box.get("old").awaiting
    assert box.add("new", hub_url="h", metadata=b"{}", recording=None, awaiting_s=60)
    assert box.due(hub_url="h") == ["old"]
