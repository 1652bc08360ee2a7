"""The evaluation queue of the hub: job state in the database, code and bundles in blobs.

:class:`DbResultStore` implements the challenges room's :class:`~smarttouch.challenges.jobs.
ResultStore` over ``submission`` rows (job id = the submission id): a worker *claims* a queued
submission with one conditional ``UPDATE`` (so two workers never both run it), renews its
lease while it works, and writes the outcome (status, precise reason, public log, per-split
results and one ``score`` row per split and metric) in one transaction. A worker that dies
stops renewing; ``reclaim_expired`` (each minute and at worker start) re-queues the job or,
after ``max_attempts``, fails it with ``worker_lost``: never stuck ``running``.

:class:`HubQueue` is the challenges room's :class:`~smarttouch.challenges.jobqueue.
EvaluationQueue` with the hub's ``execute``: unpack the imported bundle (cached per blob key),
write the stored canonical archive to a private temporary file, run exactly
``evaluate_solution`` (sandbox, public then hidden split, trusted scoring), keep screenshots
as blobs. The hub's web processes and ``smarttouch worker`` build the same queue (huey on
SQLite in the instance folder, or Redis when ``SMARTTOUCH_REDIS_URL`` is set).
"""

from __future__ import annotations

import datetime as dt
import tempfile
import time
from pathlib import Path
from typing import Any

from flask import Flask
from sqlalchemy import update
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, delete, select

from smarttouch.challenges.jobqueue import EvaluationQueue, make_huey
from smarttouch.challenges.sandbox import Sandbox, SandboxUnavailable
from smarttouch.challenges.status import FINAL_STATES, QUEUED, RUNNING, status_for

from ..models import Challenge, Score, Solution, Submission, utcnow
from ..storage.blobstore import BlobStore, get_blobstore
from ..storage.db import get_engine

HUEY_NAME = "smarttouch-hub"
EXTENSION_KEY = "smarttouch.jobqueue"
LOG_KEEP_CHARS = 64 * 1024


def _utc(ts: float) -> dt.datetime:
    return dt.datetime.fromtimestamp(ts, dt.UTC)


class DbResultStore:
    """Submission rows as evaluation jobs (see module docstring)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def _session(self) -> Session:
        return Session(self.engine, expire_on_commit=False)

    @staticmethod
    def _id(job_id: str) -> int:
        if not str(job_id).isdigit():
            raise ValueError(f"bad job id {job_id!r}: the hub's jobs are submission ids")
        return int(job_id)

    def create(self, job_id: str, spec: dict[str, Any]) -> None:
        """The hub creates submissions itself; this only checks the row is queued."""
        with self._session() as s:
            sub = s.get(Submission, self._id(job_id))
            if sub is None or sub.status != QUEUED:
                raise ValueError(f"submission {job_id} is not queued")

    def get(self, job_id: str) -> dict[str, Any] | None:
        with self._session() as s:
            sub = s.get(Submission, self._id(job_id))
            if sub is None:
                return None
            sol = s.get(Solution, sub.solution_id)
            ch = s.get(Challenge, sol.challenge_id) if sol else None
            spec = {
                "submission_id": sub.id,
                "challenge": ch.slug if ch else None,
                "bundle_sha256": ch.bundle_sha256 if ch else None,
                "sha256": sub.code_sha256,
                "splits": list(sub.splits or []),
            }
            return {
                "job_id": str(sub.id),
                "spec": spec,
                "state": sub.status,
                "failure_reason": sub.failure_reason,
                "message": sub.message,
                "attempts": sub.attempts,
                "token": sub.lease_token,
                "lease_expires": sub.lease_expires_at.timestamp() if sub.lease_expires_at else None,
                "result": sub.result,
            }

    def claim(self, job_id: str, worker: str, lease_s: float) -> str | None:
        token = f"{worker}#{time.time_ns()}"[:120]
        now = utcnow()
        with self._session() as s:
            done = s.execute(
                update(Submission)
                .where(col(Submission.id) == self._id(job_id), col(Submission.status) == QUEUED)
                .values(
                    status=RUNNING,
                    attempts=col(Submission.attempts) + 1,
                    lease_token=token,
                    started_at=now,
                    lease_expires_at=now + dt.timedelta(seconds=lease_s),
                    message="running in the sandbox",
                )
            )
            s.commit()
        return token if done.rowcount == 1 else None  # type: ignore[attr-defined]

    def renew(self, job_id: str, token: str, lease_s: float) -> bool:
        with self._session() as s:
            done = s.execute(
                update(Submission)
                .where(
                    col(Submission.id) == self._id(job_id),
                    col(Submission.status) == RUNNING,
                    col(Submission.lease_token) == token,
                )
                .values(lease_expires_at=utcnow() + dt.timedelta(seconds=lease_s))
            )
            s.commit()
        return done.rowcount == 1  # type: ignore[attr-defined]

    def finish(self, job_id: str, token: str, result: dict[str, Any]) -> bool:
        sid = self._id(job_id)
        values = _final_values(result)
        with self._session() as s:
            done = s.execute(
                update(Submission)
                .where(
                    col(Submission.id) == sid,
                    col(Submission.status) == RUNNING,
                    col(Submission.lease_token) == token,
                )
                .values(**values)
            )
            if done.rowcount != 1:  # type: ignore[attr-defined]
                s.rollback()
                return False
            s.execute(delete(Score).where(col(Score.submission_id) == sid))
            for split, metrics in (result.get("scores") or {}).items():
                for metric, value in metrics.items():
                    s.add(Score(submission_id=sid, split=split, metric=metric, value=float(value)))
            s.commit()
        return True

    def reclaim_expired(self, now: float, max_attempts: int) -> list[str]:
        requeued = []
        with self._session() as s:
            stale = s.exec(
                select(Submission).where(
                    Submission.status == RUNNING, col(Submission.lease_expires_at) < _utc(now)
                )
            ).all()
            for sub in stale:
                guard = (
                    col(Submission.id) == sub.id,
                    col(Submission.status) == RUNNING,
                    col(Submission.lease_token) == sub.lease_token,
                )
                if sub.attempts >= max_attempts:
                    values = _final_values(
                        {
                            "status": "failed",
                            "failure_reason": "worker_lost",
                            "message": f"the worker stopped during {sub.attempts} attempt(s); giving up",
                        }
                    )
                else:
                    values = {
                        "status": QUEUED,
                        "lease_token": None,
                        "lease_expires_at": None,
                        "message": "requeued: the worker evaluating it stopped",
                    }
                done = s.execute(update(Submission).where(*guard).values(**values))
                if done.rowcount == 1 and values["status"] == QUEUED:  # type: ignore[attr-defined]
                    requeued.append(str(sub.id))
            s.commit()
        return requeued


def _final_values(result: dict[str, Any]) -> dict[str, Any]:
    """Column values of a finished submission from an evaluation result dict."""
    reason = result.get("failure_reason")
    state = result.get("status") or status_for(reason)
    if state not in FINAL_STATES:
        raise ValueError(f"not a final state: {state!r}")
    splits = result.get("splits") or []
    public_log = "\n".join(s.get("log", "") for s in splits if s.get("split") == "public")
    private_log = "\n".join(s.get("log", "") for s in splits if s.get("split") != "public")
    if not splits and result.get("log"):
        private_log = str(result["log"])
    stored = {
        "splits": [{k: v for k, v in s.items() if k != "log"} for s in splits],
        "private_log": private_log[-LOG_KEEP_CHARS:],
        "wall_s": result.get("wall_s"),
        "solution": result.get("solution"),
        "bundle_sha256": result.get("bundle_sha256"),
    }
    return {
        "status": state,
        "failure_reason": reason,
        "message": str(result.get("message", ""))[:4000],
        "log": public_log[-LOG_KEEP_CHARS:],
        "result": stored,
        "artifacts": dict(result.get("artifact_blobs") or {}),
        "lease_token": None,
        "lease_expires_at": None,
        "finished_at": utcnow(),
    }


class HubQueue(EvaluationQueue):
    """The challenges room's queue with the hub's store and ``execute`` (module docstring)."""

    def __init__(
        self,
        app: Flask,
        *,
        unsafe: bool = False,
        lease_s: float = 60.0,
        max_attempts: int = 3,
        huey: Any = None,
    ) -> None:
        self.app = app
        self.blobs: BlobStore = get_blobstore(app)
        self.instance = Path(app.instance_path)
        huey = huey or make_huey(
            instance=self.instance, redis_url=app.config.get("REDIS_URL") or "", name=HUEY_NAME
        )
        super().__init__(
            huey,
            DbResultStore(get_engine(app)),
            self.instance / "challenge-jobs",
            unsafe=unsafe,
            lease_s=lease_s,
            max_attempts=max_attempts,
        )
        from .analyses import register_analysis_tasks

        register_analysis_tasks(self)

    def enqueue(self, submission_id: int) -> None:
        """Queue the evaluation of a submission already stored as ``queued``."""
        self.evaluate_task(str(submission_id))

    def requeue_waiting(self) -> int:
        """Send a message for every submission stored as ``queued`` (run at worker start):
        rows whose message was lost (queue flushed, seeded without a queue) get evaluated.
        A duplicate message is harmless: only one worker can claim a queued row."""
        with Session(get_engine(self.app)) as s:
            ids = s.exec(
                select(Submission.id).where(Submission.status == QUEUED).order_by(col(Submission.id))
            ).all()
        for sid in ids:
            self.enqueue(sid)  # type: ignore[arg-type]
        return len(ids)

    def sandbox(self) -> Sandbox:
        return Sandbox(unsafe=self.unsafe)

    def execute(self, spec: dict[str, Any]) -> dict[str, Any]:
        """Run one evaluation (the worker's side): exactly ``smarttouch challenge evaluate``."""
        from smarttouch.challenges.bundle import load_bundle
        from smarttouch.challenges.evaluation import evaluate_solution

        from ..services.challenges.importer import bundle_cache_root, materialize_bundle

        try:
            sandbox = self.sandbox()
        except SandboxUnavailable as exc:
            return {"status": "failed", "failure_reason": "sandbox_unavailable", "message": str(exc)}
        if not spec.get("bundle_sha256") or not spec.get("sha256"):
            return {
                "status": "failed",
                "failure_reason": "internal_error",
                "message": "the challenge has no imported bundle or the code is missing",
            }
        code = self.blobs.get(spec["sha256"])
        if BlobStore.key_for(code) != spec["sha256"]:
            return {
                "status": "failed",
                "failure_reason": "internal_error",
                "message": "the stored code does not hash to the submitted sha256",
            }
        bundle_dir = materialize_bundle(self.blobs, spec["bundle_sha256"], bundle_cache_root(self.instance))
        challenge = load_bundle(bundle_dir)
        with tempfile.TemporaryDirectory(prefix="st-job-") as tmp:
            archive = Path(tmp) / "solution.zip"
            archive.write_bytes(code)
            result = evaluate_solution(
                archive,
                challenge,
                sandbox=sandbox,
                splits=tuple(spec["splits"] or ("public", "hidden")),
                artifacts_dir=Path(tmp) / "artifacts",
            )
            out = result.to_dict()
            out["bundle_sha256"] = spec["bundle_sha256"]
            out["artifact_blobs"] = {
                f"{p.parent.name}/{p.name}": self.blobs.put(p.read_bytes())
                for p in sorted((Path(tmp) / "artifacts").glob("*/*"))
                if p.is_file()
            }
        return out


def get_queue(app: Flask) -> HubQueue:
    """The app's queue (built once per app)."""
    queue = app.extensions.get(EXTENSION_KEY)
    if queue is None:
        queue = HubQueue(app)
        app.extensions[EXTENSION_KEY] = queue
    return queue


__all__ = ["HUEY_NAME", "DbResultStore", "HubQueue", "get_queue"]
