"""Evaluation jobs: their state machine, where their state lives, and running one.

States: ``queued -> running -> scored | failed | timed_out | rejected``. A worker *claims* a
queued job with a lease (an expiry time) that a heartbeat thread renews while it works. If the
worker dies, renewals stop; :meth:`ResultStore.reclaim_expired` (run periodically and at worker
start) puts the job back to ``queued`` to be retried, or, after ``max_attempts`` claims, to
``failed`` with reason ``worker_lost``. So a job is never left ``running``. Each claim gets a
token; a late worker whose lease was taken over cannot overwrite the new attempt's result.

:class:`ResultStore` is the interface the hub plugs its database into;
:class:`FileResultStore` (one JSON file per job, transitions under a file lock) is the
stand-alone implementation used by the CLI and tests.
"""

from __future__ import annotations

import fcntl
import json
import logging
import threading
import time
import traceback
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Generic, NotRequired, Protocol, TypedDict, TypeVar

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


class _Heartbeat(threading.Thread):
    """Renews a job's lease every ``lease_s / 3`` seconds until stopped or the lease is lost."""

    def __init__(self, store: ResultStore[Any], job_id: str, token: str, lease_s: float) -> None:
        super().__init__(daemon=True, name=f"lease-{job_id[:8]}")
        self.store, self.job_id, self.token, self.lease_s = store, job_id, token, lease_s
        self.stopped = threading.Event()

    def run(self) -> None:
        while not self.stopped.wait(self.lease_s / 3):
            if not self.store.renew(self.job_id, self.token, self.lease_s):
                log.warning("job %s: lease lost", self.job_id)
                return


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
    beat = _Heartbeat(store, job_id, token, lease_s)
    beat.start()
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
        beat.stopped.set()
        beat.join()
    if not store.finish(job_id, token, result):
        log.warning("job %s: result of a stale attempt dropped", job_id)
    return result
