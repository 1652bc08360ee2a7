"""The hub's job queue: huey (SQLite in the instance folder, or Redis when
``SMARTTOUCH_REDIS_URL`` is set) with one task per job type.

The web processes, the CLI and ``smarttouch worker`` build the same :class:`HubQueue`: web
processes only send messages (``enqueue``), workers run the huey consumer. Every message is
just a job id; the job's state lives in its database row (:class:`~.leases.LeaseStore`), so a
lost or duplicated message is harmless: rows still queued are resent at worker start and, for
job types that ask for it, by the tick, and only one worker can claim a queued row.

Once a minute (and at worker start for the first step) :meth:`HubQueue.tick`, per job type:

1. reclaims the rows of dead workers (requeued and resent, or failed with ``worker_lost``);
2. creates the jobs that are due (``JobType.schedule``) and sends them;
3. resends queued rows older than ``JobType.resend_after``.

Every huey consumer enqueues the periodic tick, so K workers would tick K times a minute;
the periodic task first takes the shared lease ``hub.jobs.tick`` for 50 s
(:mod:`..storage.shared`: Redis or the ``shared_lock`` table), so one worker ticks per minute.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, NamedTuple

from flask import Flask
from huey import Huey, crontab
from sqlmodel import Session

from smarttouch.challenges.jobqueue import make_huey, worker_name
from smarttouch.challenges.jobs import Outcome, run_job

from ..models import utcnow
from ..storage.blobstore import get_blobstore
from ..storage.db import get_engine
from ..storage.retry import once_more_if_dropped
from ..storage.shared import locks_for
from . import registry
from .leases import LeaseStore
from .types import JobContext, JobType

HUEY_NAME = "smarttouch-hub"
TICK_LOCK = "hub.jobs.tick"
#: Seconds the tick's lease lasts: under a minute, so next minute's tick finds it free.
TICK_LEASE_S = 50.0
#: Seconds before a message for a job type this worker does not run is sent again (for a
#: worker that runs it; the row stays queued meanwhile).
DEFER_S = 15.0
EXTENSION_KEY = "smarttouch.jobqueue"


class JobRef(NamedTuple):
    """One job: its type's name and its id."""

    kind: str
    job_id: str


class HubQueue:
    """The hub's queue over ``job_types`` (default: every registered type, :mod:`.registry`).

    Args:
        app: the hub (database, blob store, instance folder, ``REDIS_URL``).
        unsafe: run jobs without bubblewrap (local development only).
        lease_s: seconds a claim lasts without a heartbeat.
        max_attempts: claims before a job whose worker keeps dying is failed.
        huey: a huey instance to use instead of the app's.
        runs: the job types this process executes (default: all it serves). A message for
            another type is not claimed but sent again in ``DEFER_S`` seconds, for a worker
            that runs it (``smarttouch worker --jobs scoring`` on a machine without
            bubblewrap leaves evaluations to the workers that have it).
    """

    def __init__(
        self,
        app: Flask,
        *,
        unsafe: bool = False,
        lease_s: float = 60.0,
        max_attempts: int = 3,
        huey: Huey | None = None,
        job_types: Iterable[JobType[Any, Any]] | None = None,
        runs: Iterable[str] | None = None,
    ) -> None:
        instance = Path(app.instance_path)
        # the app itself, not ``current_app``'s proxy: jobs run later, outside any context
        self.app: Flask = getattr(app, "_get_current_object", lambda: app)()
        self.context = JobContext(
            blobs=get_blobstore(app),
            instance=instance,
            unsafe=unsafe,
            timezone=str(app.config.get("TIMEZONE") or "UTC"),
        )
        self.engine = get_engine(app)
        self.huey = huey or make_huey(
            instance=instance, redis_url=app.config.get("REDIS_URL") or "", name=HUEY_NAME
        )
        self.lease_s, self.max_attempts = lease_s, max_attempts
        self.worker = worker_name()
        self.types = {jt.name: jt for jt in (registry.JOB_TYPES.values() if job_types is None else job_types)}
        self.runs = frozenset(self.types if runs is None else runs)
        unknown = self.runs - set(self.types)
        if unknown:
            raise KeyError(f"no job type {', '.join(sorted(unknown))} (types: {', '.join(self.types)})")
        self.stores = {name: LeaseStore(self.engine, jt) for name, jt in self.types.items()}
        self.tasks = {name: self._task(jt) for name, jt in self.types.items()}
        self.locks = locks_for(app, self.engine)
        self.tick_task = self.huey.periodic_task(crontab(minute="*"), name="hub.jobs.tick")(
            self.periodic_tick
        )

    def _task(self, job_type: JobType[Any, Any]) -> Any:
        def run_one(job_id: str) -> None:
            if job_type.name not in self.runs:
                task.schedule(args=(job_id,), delay=DEFER_S)  # left for a worker that runs it
                return
            self.run(job_type.name, job_id)

        task = self.huey.task(name=job_type.task_name)(run_one)
        return task

    def store(self, kind: str) -> LeaseStore[Any, Any]:
        """The lease store of job type ``kind``."""
        return self.stores[kind]

    def enqueue(self, kind: str, job_id: int | str) -> None:
        """Send the message that runs job ``job_id`` (a row already stored as ``queued``)."""
        self.tasks[kind](str(job_id))

    def enqueuer(self, kind: str, *, eager: bool = False) -> Callable[[int], bool]:
        """``enqueue`` for one job type, as services take it: ``enqueue(job_id)``. ``eager``:
        run the job here and now (:meth:`run`: the same claim, lease and finish as a worker)
        instead of sending a message. ``enqueue`` returns whether the job ran here (eager)."""
        if kind not in self.tasks:
            raise KeyError(f"no job type {kind!r} (types: {', '.join(self.tasks)})")

        def enqueue(job_id: int) -> bool:
            if eager:
                self.run(kind, str(job_id))
            else:
                self.enqueue(kind, job_id)
            return eager

        return enqueue

    def run(self, kind: str, job_id: str, *, worker: str | None = None) -> Outcome | None:
        """Claim and run one job in this process (what the huey task does); returns its outcome,
        or None when it was not claimable (finished, or running elsewhere). Runs in the hub's
        application context (its settings and translations: e-mails a saved result causes)."""
        job_type = self.types[kind]
        with self.app.app_context():
            return run_job(
                job_id,
                self.stores[kind],
                lambda spec: job_type.execute(self.context, spec),
                worker=worker or self.worker,
                lease_s=self.lease_s,
            )

    def reap(self) -> list[JobRef]:
        """Requeue (and resend) or fail the jobs whose worker stopped renewing its lease;
        returns the requeued ones."""
        requeued = []
        for kind, store in self.stores.items():
            for job_id in store.reclaim_expired(time.time(), self.max_attempts):
                self.enqueue(kind, job_id)
                requeued.append(JobRef(kind, job_id))
        return requeued

    def schedule(self, kind: str) -> int:
        """Create and send the jobs of type ``kind`` that are due; returns how many."""
        schedule = self.types[kind].schedule
        if schedule is None:
            return 0

        def create() -> list[int]:  # due jobs are those missing: a second try finds what the first made
            with Session(self.engine) as session:
                return schedule(session)

        new = once_more_if_dropped(create)
        for job_id in new:
            self.enqueue(kind, job_id)
        return len(new)

    def requeue_waiting(self) -> dict[str, int]:
        """Send a message for every queued row of every job type (run at worker start): rows
        whose message was lost (queue flushed, seeded without a queue) get run. Returns how
        many per type."""
        sent = {}
        for kind, store in self.stores.items():
            ids = store.queued_ids()
            for job_id in ids:
                self.enqueue(kind, job_id)
            sent[kind] = len(ids)
        return sent

    def periodic_tick(self) -> bool:
        """The periodic task: :meth:`tick` if no other worker ticked in the last 50 s;
        returns whether this one did."""
        if not self.locks.acquire(TICK_LOCK, self.worker, TICK_LEASE_S):
            return False
        self.tick()
        return True

    def tick(self) -> None:
        """The once-a-minute task (see the module docstring)."""
        self.reap()
        now = utcnow()
        for kind, job_type in self.types.items():
            self.schedule(kind)
            if job_type.resend_after is not None:
                for job_id in self.stores[kind].queued_ids(older_than=now - job_type.resend_after):
                    self.enqueue(kind, job_id)


def scoring_enqueuer(app: Flask) -> Callable[[int], bool]:
    """How the app sends a session's scoring job: to the workers (``SMARTTOUCH_SCORING=queue``)
    or run in the calling process (``inline``, tests)."""
    return get_queue(app).enqueuer("scoring", eager=app.config.get("SCORING") == "inline")


def challenge_data_enqueuer(app: Flask) -> Callable[[int], bool]:
    """How the app sends a challenge-data job: to the workers, or run in the calling process
    when the hub runs its own jobs inline (``SMARTTOUCH_SCORING=inline``, tests)."""
    return get_queue(app).enqueuer("challenge_data", eager=app.config.get("SCORING") == "inline")


def get_queue(app: Flask) -> HubQueue:
    """The app's queue (built once per app)."""
    queue = app.extensions.get(EXTENSION_KEY)
    if queue is None:
        queue = HubQueue(app)
        app.extensions[EXTENSION_KEY] = queue
    return queue


__all__ = [
    "DEFER_S",
    "HUEY_NAME",
    "HubQueue",
    "JobRef",
    "challenge_data_enqueuer",
    "get_queue",
    "scoring_enqueuer",
]
