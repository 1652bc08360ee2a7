"""Evaluation jobs: their state machine, where their state lives, and running one.

States: ``queued -> running -> scored | failed | timed_out | rejected``. A worker *claims* a
queued job with a lease (an expiry time) that the process's :class:`LeaseKeeper` thread renews
while it works. If the worker dies, renewals stop; :meth:`ResultStore.reclaim_expired` (run
periodically and at worker start) puts the job back to ``queued`` to be retried, or, after
``max_attempts`` claims, to ``failed`` with reason ``worker_lost``. So a job is never left
``running``. Each claim gets a token; a late worker whose lease was taken over cannot
overwrite the new attempt's result.

:class:`ResultStore` is the interface the hub plugs its database into;
:class:`FileResultStore` (one JSON file per job, transitions under a file lock) is the
stand-alone implementation used by the CLI and tests.
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import threading
import time
import traceback
import uuid
import weakref
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Generic, NamedTuple, NotRequired, Protocol, TypedDict, TypeVar

from smarttouch.challenges.status import FINAL_STATES, QUEUED, RUNNING, status_for
from smarttouch.files import atomic_write_json

log = logging.getLogger(__name__)


#: what a job's ``execute`` returns and its store keeps: ``status`` (a final state, or derived
#: from ``failure_reason``), ``failure_reason``, ``message`` and whatever else the job type
#: records (scores, outputs...); plain JSON values
Outcome = dict[str, Any]

SpecT = TypeVar("SpecT")


class JobRecord(TypedDict, Generic[SpecT]):
    """A job as its store reports it: ``spec`` is what ``execute`` receives (a TypedDict per
    job type); ``lease_expires`` is a Unix time in seconds."""

    job_id: str
    spec: SpecT
    state: str
    failure_reason: str | None
    message: str
    attempts: int
    token: str | None
    lease_expires: float | None
    result: NotRequired[Outcome | None]
    created_at: NotRequired[float]
    started_at: NotRequired[float | None]
    finished_at: NotRequired[float | None]


class LocalEvaluationSpec(TypedDict):
    """A stand-alone evaluation job: ``challenge`` is a slug or bundle path, ``solution`` the
    staged canonical archive (absent when the upload was rejected), ``sha256`` its identity."""

    challenge: str
    splits: list[str]
    solution: str
    sha256: NotRequired[str]


class ResultStore(Protocol[SpecT]):
    """Where job state lives (the hub implements this over its database)."""

    def create(self, job_id: str, spec: SpecT) -> None: ...
    def get(self, job_id: str) -> JobRecord[SpecT] | None: ...
    def claim(self, job_id: str, worker: str, lease_s: float) -> str | None: ...
    def claim_record(self, job_id: str, worker: str, lease_s: float) -> JobRecord[SpecT] | None:
        """``claim``, then the claimed job as ``get`` reports it (its ``token`` the claim's);
        None when it was not claimable. A store may do both in one round trip."""
        ...

    def renew(self, job_id: str, token: str, lease_s: float) -> bool: ...
    def finish(self, job_id: str, token: str, result: Outcome) -> bool: ...
    def reclaim_expired(self, now: float, max_attempts: int) -> list[str]: ...


class FileResultStore:
    """Job records as ``<root>/<job_id>.json``; every transition holds ``<root>/.lock``."""

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True)

    @contextmanager
    def _locked(self) -> Iterator[None]:
        with open(self.root / ".lock", "a+") as fh:
            fcntl.flock(fh, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(fh, fcntl.LOCK_UN)

    def _path(self, job_id: str) -> Path:
        if not job_id.replace("-", "").isalnum():
            raise ValueError(f"bad job id {job_id!r}")
        return self.root / f"{job_id}.json"

    def _write(self, record: JobRecord[LocalEvaluationSpec]) -> None:
        atomic_write_json(self._path(record["job_id"]), record)

    def get(self, job_id: str) -> JobRecord[LocalEvaluationSpec] | None:
        try:
            record: JobRecord[LocalEvaluationSpec] = json.loads(
                self._path(job_id).read_text(encoding="utf-8")
            )
            return record
        except FileNotFoundError:
            return None

    def create(self, job_id: str, spec: LocalEvaluationSpec) -> None:
        with self._locked():
            if self._path(job_id).exists():
                raise ValueError(f"job {job_id} exists already")
            self._write(
                {
                    "job_id": job_id,
                    "spec": spec,
                    "state": QUEUED,
                    "failure_reason": None,
                    "message": "",
                    "attempts": 0,
                    "token": None,
                    "lease_expires": None,
                    "created_at": time.time(),
                    "started_at": None,
                    "finished_at": None,
                    "result": None,
                }
            )

    def record_final(self, job_id: str, spec: LocalEvaluationSpec, result: Outcome) -> None:
        """Create a job that is already decided (e.g. rejected at submission)."""
        self.create(job_id, spec)
        with self._locked():
            record = self.get(job_id)
            assert record is not None
            _apply_result(record, result)
            self._write(record)

    def claim(self, job_id: str, worker: str, lease_s: float) -> str | None:
        with self._locked():
            record = self.get(job_id)
            if record is None or record["state"] != QUEUED:
                return None
            record["attempts"] += 1
            token = f"{worker}#{record['attempts']}"
            record["state"], record["token"] = RUNNING, token
            record["lease_expires"] = time.time() + lease_s
            record["started_at"] = time.time()
            self._write(record)
            return token

    def claim_record(self, job_id: str, worker: str, lease_s: float) -> JobRecord[LocalEvaluationSpec] | None:
        return self.get(job_id) if self.claim(job_id, worker, lease_s) is not None else None

    def renew(self, job_id: str, token: str, lease_s: float) -> bool:
        with self._locked():
            record = self.get(job_id)
            if record is None or record["state"] != RUNNING or record["token"] != token:
                return False
            record["lease_expires"] = time.time() + lease_s
            self._write(record)
            return True

    def finish(self, job_id: str, token: str, result: Outcome) -> bool:
        with self._locked():
            record = self.get(job_id)
            if record is None or record["state"] != RUNNING or record["token"] != token:
                return False
            _apply_result(record, result)
            self._write(record)
            return True

    def reclaim_expired(self, now: float, max_attempts: int) -> list[str]:
        requeued = []
        with self._locked():
            for path in sorted(self.root.glob("*.json")):
                record: JobRecord[LocalEvaluationSpec] = json.loads(path.read_text(encoding="utf-8"))
                if record["state"] != RUNNING or (record["lease_expires"] or 0) > now:
                    continue
                if record["attempts"] >= max_attempts:
                    _apply_result(
                        record,
                        {
                            "status": "failed",
                            "failure_reason": "worker_lost",
                            "message": f"the worker stopped during {record['attempts']} "
                            "attempt(s); giving up",
                        },
                    )
                else:
                    record["state"], record["token"], record["lease_expires"] = QUEUED, None, None
                    requeued.append(record["job_id"])
                self._write(record)
        return requeued


def final_state(result: Outcome) -> str:
    """The final state an outcome puts its job in: its ``status``, else the state that goes
    with its ``failure_reason`` (none = scored).

    Raises:
        ValueError: the outcome names a state that is not final.
    """
    state = result.get("status") or status_for(result.get("failure_reason"))
    if state not in FINAL_STATES:
        raise ValueError(f"not a final state: {state!r}")
    return str(state)


def _apply_result(record: JobRecord[LocalEvaluationSpec], result: Outcome) -> None:
    record["state"] = final_state(result)
    record["failure_reason"] = result.get("failure_reason")
    record["message"] = result.get("message", "")
    record["token"] = record["lease_expires"] = None
    record["finished_at"] = time.time()
    record["result"] = result


def new_job_id() -> str:
    return uuid.uuid4().hex


class _Lease(NamedTuple):
    store: ResultStore[Any]
    job_id: str
    token: str
    lease_s: float


class LeaseKeeper:
    """Renews the leases of the jobs this process runs, each every ``lease_s / 3`` seconds
    until it is released or lost, from one long-lived thread per process (started on the
    first :meth:`hold`; it ends after ``idle_s`` seconds with nothing to renew, or on
    :meth:`close`): not a thread started and joined per job. A forked child starts with no
    leases and no thread of its own (the parent's jobs are the parent's to renew).

    A renewal that finds the lease lost (taken over by another worker) is logged and not
    tried again. One that raises (the database unreachable) is logged and tried again at the
    next due time, ``lease_s / 3`` later: a job keeps its lease through an outage shorter than
    about two thirds of ``lease_s``. One thread renews every lease of the process, one after
    another, so a renewal that hangs delays the others (the worker's database connections
    time out, see ``docs/deploy.md``)."""

    def __init__(self, *, idle_s: float = 60.0) -> None:
        self.idle_s = idle_s
        self._reset()
        keeper = weakref.ref(self)

        def in_child() -> None:
            alive = keeper()
            if alive is not None:
                alive._reset()

        os.register_at_fork(after_in_child=in_child)

    def _reset(self) -> None:
        """A fresh state: at construction, and in a forked child (whose copy of the parent's
        lock may be held by the parent's keeper thread, which does not exist in the child)."""
        self._cond = threading.Condition()
        self._due: dict[int, tuple[float, _Lease]] = {}  # hold id -> (next renewal, lease)
        self._next_id = 0
        self._thread: threading.Thread | None = None
        self._closed = False
        self._wakes_at = 0.0  # when the thread's wait ends (monotonic; 0: not waiting)

    def hold(self, store: ResultStore[Any], job_id: str, token: str, lease_s: float) -> int:
        """Renew job ``job_id``'s lease (claimed with ``token``) until :meth:`release`;
        returns the hold's id."""
        with self._cond:
            self._next_id += 1
            hold = self._next_id
            due = time.monotonic() + lease_s / 3
            self._due[hold] = (due, _Lease(store, job_id, token, lease_s))
            self._closed = False
            if self._thread is None:
                self._wakes_at = 0.0
                self._thread = threading.Thread(target=self._run, daemon=True, name="lease-keeper")
                self._thread.start()
            elif due < self._wakes_at:  # else the thread wakes in time: no switch to it per job
                self._cond.notify()
        return hold

    def release(self, hold: int) -> None:
        """Stop renewing (the job finished). A renewal already under way is not waited for:
        it is guarded by the job's state and claim token, so it cannot undo the finish."""
        with self._cond:
            self._due.pop(hold, None)

    def holding(self) -> int:
        """How many leases are renewed now."""
        with self._cond:
            return len(self._due)

    def close(self) -> None:
        """Stop renewing every lease and end the thread (tests; a process that stops)."""
        with self._cond:
            self._due.clear()
            self._closed = True
            thread = self._thread
            self._cond.notify()
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout=5.0)

    def _run(self) -> None:
        idle_since: float | None = None  # since when nothing was held (monotonic)
        while True:
            with self._cond:
                now = time.monotonic()
                if not self._due:
                    idle_since = now if idle_since is None else idle_since
                    if self._closed or now - idle_since >= self.idle_s:
                        self._thread = None  # closed, or nothing to renew for idle_s: end
                        return
                    self._wakes_at = idle_since + self.idle_s
                    self._cond.wait(self._wakes_at - now)
                    self._wakes_at = 0.0
                    continue
                idle_since = None
                ready = [(h, lease) for h, (at, lease) in self._due.items() if at <= now]
                if not ready:
                    self._wakes_at = min(at for at, _ in self._due.values())
                    self._cond.wait(self._wakes_at - now)
                    self._wakes_at = 0.0
                    continue
                for hold, lease in ready:
                    self._due[hold] = (now + lease.lease_s / 3, lease)
            for hold, lease in ready:  # outside the lock: a renewal is a database round trip
                try:
                    kept = lease.store.renew(lease.job_id, lease.token, lease.lease_s)
                except Exception:
                    log.exception("job %s: lease renewal failed; trying again", lease.job_id)
                    continue
                if not kept:
                    with self._cond:
                        held = self._due.pop(hold, None) is not None
                    if held:  # not a job that finished meanwhile
                        log.warning("job %s: lease lost", lease.job_id)


#: the process's lease keeper (:func:`run_job`)
LEASES = LeaseKeeper()


def run_job(
    job_id: str,
    store: ResultStore[SpecT],
    execute: Callable[[SpecT], Outcome],
    *,
    worker: str,
    lease_s: float = 60.0,
) -> Outcome | None:
    """Claim job ``job_id``, run ``execute(spec) -> result dict`` under a renewed lease, store
    the result. Returns the result, or None when the job was not claimable (finished, or
    running elsewhere). An exception in ``execute`` becomes ``failed``/``internal_error``."""
    record = store.claim_record(job_id, worker, lease_s)
    if record is None:
        return None
    token = record["token"]
    assert token is not None
    hold = LEASES.hold(store, job_id, token, lease_s)
    try:
        result = execute(record["spec"])
    except Exception as exc:  # a hub-side failure; the job must still end
        log.exception("job %s failed", job_id)
        result = {
            "status": "failed",
            "failure_reason": "internal_error",
            "message": f"{type(exc).__name__}: {exc}",
            "log": traceback.format_exc(limit=-5),
        }
    finally:
        LEASES.release(hold)
    if not store.finish(job_id, token, result):
        # the lease was taken over (this attempt's result is dropped), or, rarely, this finish
        # was committed but its answer lost and the retry found the token already cleared
        log.warning(
            "job %s: result not written by this attempt (lease taken over, or already written)", job_id
        )
    return result
