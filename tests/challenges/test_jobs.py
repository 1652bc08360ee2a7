"""Job state machine, leases, reclaiming a dead worker's job, and the huey queue."""

from __future__ import annotations

import os
import threading
import time
import uuid

import pytest

from smarttouch.challenges.jobqueue import LocalEvaluationQueue, make_huey
from smarttouch.challenges.jobs import LEASES, FileResultStore, LeaseKeeper, run_job
from tests.challenges.helpers import COUNTER, make_solution

SCORED = {"status": "scored", "failure_reason": None, "message": "scored", "scores": {}}


@pytest.fixture()
def store(tmp_path):
    return FileResultStore(tmp_path / "state")


def test_claim_once_then_finish(store):
    store.create("j1", {"x": 1})
    token = store.claim("j1", "w1", 30)
    assert token == "w1#1"
    assert store.claim("j1", "w2", 30) is None  # running elsewhere
    assert store.get("j1")["state"] == "running"
    assert store.finish("j1", token, SCORED)
    record = store.get("j1")
    assert record["state"] == "scored" and record["lease_expires"] is None
    assert store.claim("j1", "w2", 30) is None  # finished jobs are not run again
    with pytest.raises(ValueError, match="exists already"):
        store.create("j1", {})


def test_dead_worker_job_is_requeued_then_failed(store):
    store.create("j2", {})
    assert store.claim("j2", "dead", 0.01)
    time.sleep(0.03)
    assert store.reclaim_expired(time.time(), max_attempts=2) == ["j2"]
    assert store.get("j2")["state"] == "queued"
    stale = "dead#1"
    token = store.claim("j2", "dead-again", 0.01)
    assert token == "dead-again#2"
    assert not store.finish("j2", stale, SCORED)  # a late first attempt cannot write
    time.sleep(0.03)
    assert store.reclaim_expired(time.time(), max_attempts=2) == []
    record = store.get("j2")
    assert (record["state"], record["failure_reason"]) == ("failed", "worker_lost")


def test_live_lease_is_not_reclaimed(store):
    store.create("j3", {})
    store.claim("j3", "w", 60)
    assert store.reclaim_expired(time.time(), max_attempts=3) == []
    assert store.get("j3")["state"] == "running"


def test_run_job_heartbeat_keeps_a_long_job_alive(store):
    store.create("j4", {"n": 4})

    def slow(spec):
        time.sleep(0.5)
        assert store.reclaim_expired(time.time(), max_attempts=3) == []  # renewed meanwhile
        return {**SCORED, "scores": {"public": {"n": spec["n"]}}}

    result = run_job("j4", store, slow, worker="w", lease_s=0.15)
    assert result["scores"] == {"public": {"n": 4}}
    assert store.get("j4")["state"] == "scored"
    assert run_job("j4", store, slow, worker="w") is None


def test_run_job_renews_from_one_thread_per_process_not_one_per_job(store):
    seen: list[threading.Thread | None] = []

    def quick(spec):
        seen.append(LEASES._thread)
        assert LEASES.holding() >= 1  # this job's lease is renewed while it runs
        return SCORED

    for i in range(5):
        store.create(f"one{i}", {})
        assert run_job(f"one{i}", store, quick, worker="w", lease_s=30)["status"] == "scored"
    assert seen[0] is not None and seen[0].is_alive()
    assert all(t is seen[0] for t in seen)  # the same long-lived thread each time
    assert LEASES.holding() == 0  # released when each job ended


class _FlakyStore(FileResultStore):
    """Renewals: the first fails (the database unreachable), the rest go through."""

    def __init__(self, root):
        super().__init__(root)
        self.renewals = 0

    def renew(self, job_id, token, lease_s):
        self.renewals += 1
        if self.renewals == 1:
            raise ConnectionError("database unreachable")
        return super().renew(job_id, token, lease_s)


def test_a_failed_renewal_is_tried_again_at_the_next_due_time(tmp_path, caplog):
    store = _FlakyStore(tmp_path / "flaky")
    store.create("f1", {})
    token = store.claim("f1", "w", 0.3)
    keeper = LeaseKeeper()
    hold = keeper.hold(store, "f1", token, 0.3)
    time.sleep(0.5)  # due at 0.1 s (fails), 0.2 s, 0.3 s, 0.4 s
    keeper.release(hold)
    keeper.close()
    assert store.renewals >= 3
    assert store.get("f1")["lease_expires"] > time.time()  # the later renewals kept it
    assert "lease renewal failed" in caplog.text


def test_a_shorter_lease_held_later_is_renewed_on_its_own_time(store):
    """The keeper, waiting for a long lease's renewal, is woken for a shorter one."""
    store.create("s1", {})
    store.create("s2", {})
    long_token, short_token = store.claim("s1", "w", 30), store.claim("s2", "w", 0.15)
    keeper = LeaseKeeper()
    first = keeper.hold(store, "s1", long_token, 30)  # next renewal in 10 s
    time.sleep(0.05)  # the keeper is waiting for it
    second = keeper.hold(store, "s2", short_token, 0.15)
    time.sleep(0.4)
    assert store.reclaim_expired(time.time(), max_attempts=3) == []  # s2 renewed meanwhile
    keeper.release(first)
    keeper.release(second)
    keeper.close()


def test_a_lost_lease_is_no_longer_renewed(store, caplog):
    store.create("l1", {})
    token = store.claim("l1", "w", 0.05)
    time.sleep(0.08)
    assert store.reclaim_expired(time.time(), max_attempts=3) == ["l1"]  # taken over
    keeper = LeaseKeeper()
    keeper.hold(store, "l1", token, 0.06)
    deadline = time.monotonic() + 2.0
    while keeper.holding() and time.monotonic() < deadline:
        time.sleep(0.01)
    assert keeper.holding() == 0
    assert "job l1: lease lost" in caplog.text
    assert store.get("l1")["state"] == "queued"
    keeper.close()


def test_the_keeper_thread_ends_when_idle_and_on_close(store):
    store.create("i1", {})
    token = store.claim("i1", "w", 30)
    keeper = LeaseKeeper(idle_s=0.1)
    # a short lease: if the new thread takes the lock before the release, it waits for this
    # lease's due time (0.1 s; a release wakes no thread), then idle_s
    keeper.release(keeper.hold(store, "i1", token, 0.3))
    thread = keeper._thread
    assert thread is not None
    thread.join(timeout=2.0)
    assert not thread.is_alive() and keeper._thread is None  # nothing to renew for idle_s
    hold = keeper.hold(store, "i1", token, 30)  # a new hold starts a new thread
    assert keeper._thread is not None and keeper._thread is not thread
    keeper.close()
    assert keeper.holding() == 0 and keeper._thread is None
    keeper.release(hold)  # harmless after close


def test_the_keeper_thread_waits_idle_s_after_the_last_lease_before_it_ends(store):
    """Not at the released lease's due time: only after ``idle_s`` with nothing held."""
    store.create("i2", {})
    token = store.claim("i2", "w", 30)
    keeper = LeaseKeeper(idle_s=0.6)
    hold = keeper.hold(store, "i2", token, 0.15)  # due in 0.05 s
    time.sleep(0.02)  # the thread now waits for that due time
    keeper.release(hold)
    thread = keeper._thread
    assert thread is not None
    time.sleep(0.25)  # past that due time, well within idle_s
    assert thread.is_alive() and keeper._thread is thread
    thread.join(timeout=3.0)
    assert not thread.is_alive() and keeper._thread is None


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
def test_a_forked_child_renews_none_of_its_parents_leases(store):
    store.create("p1", {})
    store.create("c1", {})
    parent_token = store.claim("p1", "w", 30)
    keeper = LeaseKeeper()
    keeper.hold(store, "p1", parent_token, 30)
    with keeper._cond:  # fork while the lock is held, as the keeper thread may hold it
        pid = os.fork()
        if pid == 0:  # the child: a fresh keeper state, its own lock free
            if not keeper._cond.acquire(timeout=2.0):
                os._exit(2)  # the parent's held lock came along: the child would hang
            keeper._cond.release()
            ok = keeper.holding() == 0 and keeper._thread is None
            child_token = store.claim("c1", "child", 30)
            hold = keeper.hold(store, "c1", child_token, 30)
            ok = ok and keeper.holding() == 1 and keeper._thread is not None
            keeper.release(hold)
            os._exit(0 if ok else 1)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    assert keeper.holding() == 1  # the parent's lease is still the parent's
    keeper.close()


def test_run_job_internal_error_still_ends_the_job(store):
    store.create("j5", {})

    def broken(spec):
        raise KeyError("challenge")

    result = run_job("j5", store, broken, worker="w")
    assert result["failure_reason"] == "internal_error"
    record = store.get("j5")
    assert record["state"] == "failed" and "KeyError" in record["message"]


def test_bad_job_ids_rejected(store):
    with pytest.raises(ValueError, match="bad job id"):
        store.get("../etc/passwd")


def _queues(tmp_path):
    """A SQLite-backed queue, and a Redis one when SMARTTOUCH_TEST_REDIS_URL is set."""
    yield "sqlite", make_huey(instance=tmp_path / "instance", redis_url="")
    url = os.environ.get("SMARTTOUCH_TEST_REDIS_URL")
    if url:
        yield "redis", make_huey(redis_url=url, name=f"test-{uuid.uuid4().hex}")


def drain(huey) -> int:
    """Run every queued task in this process, as a consumer would."""
    n = 0
    while (task := huey.dequeue()) is not None:
        huey.execute(task)
        n += 1
    return n


def test_queue_submit_run_and_recover(tmp_path, bundle_dir, sandbox):
    sol = make_solution(tmp_path / "sol", COUNTER)
    for backend, huey in _queues(tmp_path):
        jobs = tmp_path / backend
        queue = LocalEvaluationQueue(huey, FileResultStore(jobs / "state"), jobs, lease_s=0.05)
        job = queue.submit(sol, str(bundle_dir))
        assert queue.store.get(job)["state"] == "queued"
        assert (jobs / job / "solution.zip").is_file()
        assert drain(huey) == 1
        record = queue.store.get(job)
        assert record["state"] == "scored", (backend, record["message"])
        assert record["result"]["scores"]["hidden"]["exact_rate"] == 1.0
        assert record["spec"]["sha256"] == record["result"]["sha256"]

        # a worker claims the next job and dies: the lease expires, reap requeues, it is run
        crashed = queue.submit(sol, str(bundle_dir))
        huey.dequeue()  # the dead worker took the message...
        assert queue.store.claim(crashed, "dead-worker", 0.01)  # ...and the job
        time.sleep(0.05)
        assert queue.reap() == [crashed]
        assert drain(huey) == 1
        assert queue.store.get(crashed)["state"] == "scored"
        huey.flush()


def test_unsafe_archive_is_rejected_at_submission(tmp_path, bundle_dir):
    import zipfile

    evil = tmp_path / "evil.zip"
    with zipfile.ZipFile(evil, "w") as zf:
        zf.writestr("../x.py", "")
    huey = make_huey(instance=tmp_path / "instance", redis_url="")
    queue = LocalEvaluationQueue(huey, FileResultStore(tmp_path / "jobs" / "state"), tmp_path / "jobs")
    job = queue.submit(evil, str(bundle_dir))
    record = queue.store.get(job)
    assert (record["state"], record["failure_reason"]) == ("rejected", "rejected")
    assert huey.pending_count() == 0
