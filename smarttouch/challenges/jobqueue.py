"""The stand-alone evaluation queue on huey: SQLite in the instance folder, or Redis for many
workers.

:class:`LocalEvaluationQueue` wires three things onto a huey instance: the ``evaluate`` task
(job id in, result into a :class:`~.jobs.FileResultStore`), a once-a-minute ``reap`` task that
gives expired leases back to the queue (or fails them), and ``submit`` for producers. It serves
``smarttouch challenge enqueue`` and the worker without a hub; the hub has its own queue over
its database (``smarttouch.platform.jobs``) and shares :func:`make_huey` and
:func:`~.jobs.run_job` with this one.
"""

from __future__ import annotations

import os
import socket
import time
from collections.abc import Sequence
from pathlib import Path

from huey import Huey, RedisHuey, SqliteHuey, crontab

from smarttouch.challenges.archive import ArchiveRejected
from smarttouch.challenges.jobs import FileResultStore, LocalEvaluationSpec, Outcome, new_job_id, run_job
from smarttouch.challenges.sandbox import Sandbox, SandboxUnavailable
from smarttouch.challenges.solution import stage_solution
from smarttouch.paths import instance_path

HUEY_NAME = "smarttouch-challenges"


def make_huey(
    *,
    instance: Path | None = None,
    redis_url: str | None = None,
    name: str = HUEY_NAME,
    immediate: bool = False,
) -> Huey:
    """RedisHuey when ``redis_url`` (default ``$SMARTTOUCH_REDIS_URL``) is set, else SqliteHuey
    at ``<instance>/huey.sqlite3``."""
    url = os.environ.get("SMARTTOUCH_REDIS_URL", "") if redis_url is None else redis_url
    if url:
        return RedisHuey(name, url=url, immediate=immediate)
    folder = instance or instance_path()
    folder.mkdir(parents=True, exist_ok=True)
    return SqliteHuey(name, filename=str(folder / "huey.sqlite3"), immediate=immediate)


def worker_name() -> str:
    """This process as a lease holder: ``host:pid``."""
    return f"{socket.gethostname()}:{os.getpid()}"


class LocalEvaluationQueue:
    """Runs stand-alone evaluation jobs in huey consumers: solutions are staged into
    ``<jobs_dir>/<job_id>/`` and job state lives in a :class:`FileResultStore`.

    Args:
        huey: the huey instance (same name/storage in producers and workers).
        store: where job state and results live.
        jobs_dir: folder for submitted archives and artifacts (``<jobs_dir>/<job_id>/``).
        unsafe: run evaluations without bubblewrap (local development only).
        lease_s: seconds a claim lasts without a heartbeat.
        max_attempts: claims before a job whose worker keeps dying is failed.
    """

    def __init__(
        self,
        huey: Huey,
        store: FileResultStore,
        jobs_dir: Path,
        *,
        unsafe: bool = False,
        lease_s: float = 60.0,
        max_attempts: int = 3,
    ) -> None:
        self.huey, self.store, self.jobs_dir = huey, store, Path(jobs_dir)
        self.unsafe, self.lease_s, self.max_attempts = unsafe, lease_s, max_attempts
        self.worker = worker_name()

        def evaluate(job_id: str) -> None:
            run_job(job_id, self.store, self.execute, worker=self.worker, lease_s=self.lease_s)

        def reap() -> list[str]:
            return self.reap()

        self.evaluate_task = huey.task(name="challenges.evaluate")(evaluate)
        self.reap_task = huey.periodic_task(crontab(minute="*"), name="challenges.reap")(reap)

    def execute(self, spec: LocalEvaluationSpec) -> Outcome:
        """Run one evaluation (the worker's side): exactly ``challenge evaluate``."""
        from smarttouch.challenges.catalog import resolve_challenge
        from smarttouch.challenges.evaluation import evaluate_solution

        try:
            sandbox = Sandbox(unsafe=self.unsafe)
        except SandboxUnavailable as exc:
            return {"status": "failed", "failure_reason": "sandbox_unavailable", "message": str(exc)}
        challenge = resolve_challenge(spec["challenge"])
        artifacts = Path(spec["solution"]).parent / "artifacts"
        result = evaluate_solution(
            spec["solution"],
            challenge,
            sandbox=sandbox,
            splits=tuple(spec["splits"]),
            artifacts_dir=artifacts,
        )
        return result.to_dict()

    def reap(self) -> list[str]:
        """Requeue (or fail) jobs whose worker stopped renewing its lease; returns requeued ids."""
        requeued = self.store.reclaim_expired(time.time(), self.max_attempts)
        for job_id in requeued:
            self.evaluate_task(job_id)
        return requeued

    def submit(
        self, solution: str | Path, challenge: str, *, splits: Sequence[str] = ("public", "hidden")
    ) -> str:
        """Stage ``solution`` (folder or zip) into an immutable canonical archive and queue its
        evaluation on ``challenge`` (slug or bundle path); returns the job id. A solution that
        is not a safe archive is recorded as ``rejected`` at once and never queued."""
        job_id = new_job_id()
        folder = self.jobs_dir / job_id
        folder.mkdir(parents=True)
        spec: LocalEvaluationSpec = {
            "challenge": str(challenge),
            "splits": list(splits),
            "solution": str(folder / "solution.zip"),
        }
        try:
            staged = stage_solution(solution, folder / "staged")
        except ArchiveRejected as exc:
            self.store.record_final(
                job_id, spec, {"status": "rejected", "failure_reason": "rejected", "message": str(exc)}
            )
            return job_id
        (folder / "solution.zip").write_bytes(staged.archive)
        spec["sha256"] = staged.sha256
        self.store.create(job_id, spec)
        self.evaluate_task(job_id)
        return job_id


def default_queue(
    *, instance: Path | None = None, redis_url: str | None = None, unsafe: bool = False, lease_s: float = 60.0
) -> LocalEvaluationQueue:
    """The stand-alone queue of an instance folder: huey + a file store in
    ``<instance>/challenge-jobs``."""
    folder = instance or instance_path()
    jobs = folder / "challenge-jobs"
    return LocalEvaluationQueue(
        make_huey(instance=folder, redis_url=redis_url),
        FileResultStore(jobs / "state"),
        jobs,
        unsafe=unsafe,
        lease_s=lease_s,
    )
