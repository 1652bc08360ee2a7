"""Approved analyzers scoring patients' sessions, as background jobs in the sandbox.

When a reviewer chooses an approved analyzer for a movement (``analyzer_choice``), every
session of that movement whose recording the hub has already analysed gets one
``analyzer_run``: a once-a-minute task finds the missing runs and queues them; a worker runs
the analyzer's ``analyze(recording)`` in the same bubblewrap sandbox as evaluations, checks
its output against the challenge's contract and stores it beside the hub's own metrics.
The hub's ``SessionMetricsRecord`` rows stay authoritative: nothing here changes them.

The runs use the same lease protocol as evaluations (:mod:`smarttouch.challenges.jobs`).
"""

from __future__ import annotations

import datetime as dt
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from huey import crontab
from sqlalchemy import update
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from smarttouch.challenges.jobs import run_job
from smarttouch.challenges.schema import InvalidOutput, validate_predictions
from smarttouch.challenges.status import FINAL_STATES, QUEUED, RUNNING, SCORED, status_for

from ..models import (
    AnalyzerChoice,
    AnalyzerRun,
    Assignment,
    Challenge,
    ExerciseSession,
    SessionStatus,
    Solution,
    Submission,
    utcnow,
)

if TYPE_CHECKING:
    from .evaluations import HubQueue

BATCH = 200
RECORDING_ID = "session"
RESEND_AFTER = dt.timedelta(minutes=2)


class AnalyzerRunStore:
    """``analyzer_run`` rows as jobs (job id = the run id); same protocol as evaluations."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def _session(self) -> Session:
        return Session(self.engine, expire_on_commit=False)

    def create(self, job_id: str, spec: dict[str, Any]) -> None:
        raise ValueError("analyzer runs are created by schedule_missing_runs")

    def get(self, job_id: str) -> dict[str, Any] | None:
        with self._session() as s:
            run = s.get(AnalyzerRun, int(job_id))
            if run is None:
                return None
            sess = s.get(ExerciseSession, run.session_id)
            sub = s.get(Submission, run.submission_id)
            sol = s.get(Solution, sub.solution_id) if sub else None
            ch = s.get(Challenge, sol.challenge_id) if sol else None
            spec = {
                "run_id": run.id,
                "recording_sha256": sess.recording_sha256 if sess else None,
                "code_sha256": run.code_sha256,
                "entrypoint": sub.entrypoint if sub else "",
                "bundle_sha256": ch.bundle_sha256 if ch else None,
            }
            return {
                "job_id": str(run.id),
                "spec": spec,
                "state": run.status,
                "attempts": run.attempts,
                "token": run.lease_token,
            }

    def claim(self, job_id: str, worker: str, lease_s: float) -> str | None:
        token = f"{worker}#{time.time_ns()}"[:120]
        now = utcnow()
        with self._session() as s:
            done = s.execute(
                update(AnalyzerRun)
                .where(col(AnalyzerRun.id) == int(job_id), col(AnalyzerRun.status) == QUEUED)
                .values(
                    status=RUNNING,
                    attempts=col(AnalyzerRun.attempts) + 1,
                    lease_token=token,
                    started_at=now,
                    lease_expires_at=now + dt.timedelta(seconds=lease_s),
                )
            )
            s.commit()
        return token if done.rowcount == 1 else None  # type: ignore[attr-defined]

    def renew(self, job_id: str, token: str, lease_s: float) -> bool:
        with self._session() as s:
            done = s.execute(
                update(AnalyzerRun)
                .where(
                    col(AnalyzerRun.id) == int(job_id),
                    col(AnalyzerRun.status) == RUNNING,
                    col(AnalyzerRun.lease_token) == token,
                )
                .values(lease_expires_at=utcnow() + dt.timedelta(seconds=lease_s))
            )
            s.commit()
        return done.rowcount == 1  # type: ignore[attr-defined]

    def finish(self, job_id: str, token: str, result: dict[str, Any]) -> bool:
        reason = result.get("failure_reason")
        state = result.get("status") or status_for(reason)
        if state not in FINAL_STATES:
            raise ValueError(f"not a final state: {state!r}")
        with self._session() as s:
            done = s.execute(
                update(AnalyzerRun)
                .where(
                    col(AnalyzerRun.id) == int(job_id),
                    col(AnalyzerRun.status) == RUNNING,
                    col(AnalyzerRun.lease_token) == token,
                )
                .values(
                    status=state,
                    failure_reason=reason,
                    message=str(result.get("message", ""))[:4000],
                    outputs=dict(result.get("outputs") or {}),
                    lease_token=None,
                    lease_expires_at=None,
                    finished_at=utcnow(),
                )
            )
            s.commit()
        return done.rowcount == 1  # type: ignore[attr-defined]

    def reclaim_expired(self, now: float, max_attempts: int) -> list[str]:
        requeued = []
        with self._session() as s:
            stale = s.exec(
                select(AnalyzerRun).where(
                    AnalyzerRun.status == RUNNING,
                    col(AnalyzerRun.lease_expires_at) < dt.datetime.fromtimestamp(now, dt.UTC),
                )
            ).all()
            for run in stale:
                give_up = run.attempts >= max_attempts
                values = (
                    {
                        "status": "failed",
                        "failure_reason": "worker_lost",
                        "message": "the worker stopped repeatedly",
                        "finished_at": utcnow(),
                    }
                    if give_up
                    else {"status": QUEUED}
                )
                done = s.execute(
                    update(AnalyzerRun)
                    .where(
                        col(AnalyzerRun.id) == run.id,
                        col(AnalyzerRun.lease_token) == run.lease_token,
                        col(AnalyzerRun.status) == RUNNING,
                    )
                    .values(lease_token=None, lease_expires_at=None, **values)
                )
                if done.rowcount == 1 and not give_up:  # type: ignore[attr-defined]
                    requeued.append(str(run.id))
            s.commit()
        return requeued


def schedule_missing_runs(session: Session, *, limit: int = BATCH) -> list[int]:
    """Create queued runs for analysed sessions of chosen movements that lack one; returns
    the new run ids (committed)."""
    choices = session.exec(select(AnalyzerChoice)).all()
    created: list[int] = []
    for choice in choices:
        sub = session.get(Submission, choice.submission_id)
        if sub is None:
            continue
        done_ids = select(AnalyzerRun.session_id).where(AnalyzerRun.submission_id == sub.id)
        movement = ExerciseSession.movement
        rows = session.exec(
            select(ExerciseSession)
            .outerjoin(Assignment, col(Assignment.id) == col(ExerciseSession.assignment_id))
            .where(
                col(ExerciseSession.recording_sha256).is_not(None),
                ExerciseSession.status == SessionStatus.scored,
                (movement == choice.movement)
                | (col(movement).is_(None) & (Assignment.movement == choice.movement)),
                col(ExerciseSession.id).not_in(done_ids),
            )
            .order_by(col(ExerciseSession.id))
            .limit(limit - len(created))
        ).all()
        for es in rows:
            run = AnalyzerRun(session_id=es.id, submission_id=sub.id, code_sha256=sub.code_sha256)
            session.add(run)
            session.flush()
            created.append(run.id)  # type: ignore[arg-type]
        if len(created) >= limit:
            break
    session.commit()
    return created


def execute_analysis(queue: HubQueue, spec: dict[str, Any]) -> dict[str, Any]:
    """Run an approved analyzer over one session's recording in the sandbox."""
    from smarttouch.challenges.archive import make_readable
    from smarttouch.challenges.bundle import load_bundle
    from smarttouch.challenges.evaluators.base import read_run
    from smarttouch.challenges.sandbox import SandboxUnavailable
    from smarttouch.challenges.solution import stage_solution
    from smarttouch.sensors.recording_io import recording_from_bytes, save_recording

    from ..services.challenges.importer import bundle_cache_root, materialize_bundle

    try:
        sandbox = queue.sandbox()
    except SandboxUnavailable as exc:
        return {"status": "failed", "failure_reason": "sandbox_unavailable", "message": str(exc)}
    if not spec.get("recording_sha256") or not spec.get("bundle_sha256"):
        return {
            "status": "failed",
            "failure_reason": "internal_error",
            "message": "the session has no recording or the challenge no bundle",
        }
    bundle = load_bundle(
        materialize_bundle(queue.blobs, spec["bundle_sha256"], bundle_cache_root(queue.instance))
    )
    with tempfile.TemporaryDirectory(prefix="st-analysis-") as tmp:
        work = Path(tmp)
        archive = work / "solution.zip"
        archive.write_bytes(queue.blobs.get(spec["code_sha256"]))
        staged = stage_solution(archive, work / "solution")
        recording = recording_from_bytes(queue.blobs.get(spec["recording_sha256"]))
        recording.labels = {}
        (work / "input").mkdir()
        save_recording(recording, work / "input" / f"{RECORDING_ID}.npz")
        make_readable(work / "input")
        run = sandbox.run(
            kind="analyzer",
            solution_dir=staged.root,
            entrypoint=staged.manifest.entrypoint,
            inputs_dir=work / "input",
            limits=bundle.limits,
        )
    document = read_run(run, bundle)
    if not isinstance(document, dict):
        return {
            "status": document.status,
            "failure_reason": document.failure_reason,
            "message": document.message,
        }
    try:
        predictions = validate_predictions(document.get("predictions"), [RECORDING_ID], bundle.outputs)
    except InvalidOutput as exc:
        return {"status": "failed", "failure_reason": "invalid_output", "message": str(exc)}
    return {
        "status": SCORED,
        "failure_reason": None,
        "message": "scored",
        "outputs": predictions[RECORDING_ID],
    }


def register_analysis_tasks(queue: HubQueue) -> None:
    """Add the analysis tasks to the queue's huey: ``analyze_session`` and a once-a-minute
    ``schedule_analyses`` (finds missing runs, queues them, retries lost ones)."""
    from ..storage.db import get_engine

    engine = get_engine(queue.app)
    store = AnalyzerRunStore(engine)
    queue.analysis_store = store  # type: ignore[attr-defined]

    def analyze_session(run_id: str) -> None:
        run_job(
            run_id,
            store,
            lambda spec: execute_analysis(queue, spec),
            worker=queue.worker,
            lease_s=queue.lease_s,
        )

    task = queue.huey.task(name="hub.analyze_session")(analyze_session)

    def schedule_analyses() -> int:
        with Session(engine) as s:
            new = schedule_missing_runs(s)
            waiting = s.exec(
                select(AnalyzerRun.id).where(
                    AnalyzerRun.status == QUEUED,
                    col(AnalyzerRun.created_at) < utcnow() - RESEND_AFTER,
                    col(AnalyzerRun.id).not_in(new),
                )
            ).all()
        again = [int(r) for r in store.reclaim_expired(time.time(), queue.max_attempts)]
        for run_id in [*new, *waiting, *again]:  # duplicates are harmless: one claim wins
            task(str(run_id))
        return len(new)

    queue.schedule_analyses = schedule_analyses  # type: ignore[attr-defined]
    queue.huey.periodic_task(crontab(minute="*"), name="hub.schedule_analyses")(schedule_analyses)
