"""Approved analyzers scoring patients' sessions, as background jobs in the sandbox.

When a reviewer chooses an approved analyzer for a movement (``analyzer_choice``), every
session of that movement whose recording the hub has already analysed gets one
``analyzer_run``: the queue's once-a-minute tick finds the missing runs and queues them
(:func:`schedule_missing_runs`); a worker runs the analyzer's ``analyze(recording)`` in the
same bubblewrap sandbox as evaluations, checks its output against the challenge's contract and
stores it beside the hub's own metrics. The hub's ``SessionMetricsRecord`` rows stay
authoritative: nothing here changes them.

Job rows are ``analyzer_run`` rows (job id = the run id), under the same lease store as
evaluations (:mod:`.leases`).
"""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path
from typing import Any, TypedDict

from sqlmodel import Session, col, select

from smarttouch.challenges.archive import make_readable
from smarttouch.challenges.jobs import Outcome, final_state
from smarttouch.challenges.kinds.evaluator import read_run
from smarttouch.challenges.kinds.registry import UnknownKind, kind_spec
from smarttouch.challenges.sandbox import SandboxUnavailable
from smarttouch.challenges.schema import InvalidOutput, validate_predictions
from smarttouch.challenges.solution import stage_solution
from smarttouch.challenges.status import SCORED
from smarttouch.sensors.recording_io import recording_from_bytes, save_recording

from ..models import (
    AnalyzerChoice,
    AnalyzerRun,
    Assignment,
    Challenge,
    ExerciseSession,
    SessionStatus,
    Solution,
    Submission,
)
from .types import JobContext, JobType

BATCH = 200
RECORDING_ID = "session"
RESEND_AFTER = dt.timedelta(minutes=2)


class AnalysisSpec(TypedDict):
    """What a worker needs to run an approved analyzer over one session.

    Attributes:
        run_id: the analyzer run (and job) id.
        kind: the solution's challenge kind (its harness runs the solution).
        recording_sha256: blob key of the session's raw recording (None if it has none).
        code_sha256: blob key of the approved canonical archive.
        entrypoint: the solution's ``module:Class``.
        bundle_sha256: blob key of the challenge's bundle (its output contract and limits).
    """

    run_id: int
    kind: str
    recording_sha256: str | None
    code_sha256: str
    entrypoint: str
    bundle_sha256: str | None


def load_spec(session: Session, run: AnalyzerRun) -> AnalysisSpec:
    sess = session.get(ExerciseSession, run.session_id)
    sub = session.get(Submission, run.submission_id)
    sol = session.get(Solution, sub.solution_id) if sub else None
    ch = session.get(Challenge, sol.challenge_id) if sol else None
    assert run.id is not None
    return {
        "run_id": run.id,
        "kind": sol.kind if sol else "",
        "recording_sha256": sess.recording_sha256 if sess else None,
        "code_sha256": run.code_sha256,
        "entrypoint": sub.entrypoint if sub else "",
        "bundle_sha256": ch.bundle_sha256 if ch else None,
    }


def schedule_missing_runs(session: Session, limit: int = BATCH) -> list[int]:
    """Create queued runs for analysed sessions of chosen movements that lack one; returns
    the new run ids (committed)."""
    choices = session.exec(select(AnalyzerChoice)).all()
    created: list[int] = []
    for choice in choices:
        sub = session.get(Submission, choice.submission_id)
        if sub is None or sub.id is None:
            continue
        done_ids = select(AnalyzerRun.session_id).where(AnalyzerRun.submission_id == sub.id)
        movement = col(ExerciseSession.movement)
        rows = session.exec(
            select(ExerciseSession)
            .outerjoin(Assignment, col(Assignment.id) == col(ExerciseSession.assignment_id))
            .where(
                col(ExerciseSession.recording_sha256).is_not(None),
                ExerciseSession.status == SessionStatus.scored,
                (movement == choice.movement)
                | (movement.is_(None) & (col(Assignment.movement) == choice.movement)),
                col(ExerciseSession.id).not_in(done_ids),
            )
            .order_by(col(ExerciseSession.id))
            .limit(limit - len(created))
        ).all()
        for es in rows:
            assert es.id is not None
            run = AnalyzerRun(session_id=es.id, submission_id=sub.id, code_sha256=sub.code_sha256)
            session.add(run)
            session.flush()
            assert run.id is not None
            created.append(run.id)
        if len(created) >= limit:
            break
    session.commit()
    return created


def execute(ctx: JobContext, spec: AnalysisSpec) -> Outcome:
    """Run an approved analyzer over one session's recording in the sandbox."""
    try:
        sandbox = ctx.sandbox()
    except SandboxUnavailable as exc:
        return {"status": "failed", "failure_reason": "sandbox_unavailable", "message": str(exc)}
    recording_sha256, bundle_sha256 = spec["recording_sha256"], spec["bundle_sha256"]
    if not recording_sha256 or not bundle_sha256:
        return {
            "status": "failed",
            "failure_reason": "internal_error",
            "message": "the session has no recording or the challenge no bundle",
        }
    try:
        kind = kind_spec(spec["kind"])
    except UnknownKind as exc:
        return {"status": "failed", "failure_reason": "internal_error", "message": str(exc)}
    bundle = ctx.bundle(bundle_sha256)
    with tempfile.TemporaryDirectory(prefix="st-analysis-") as tmp:
        work = Path(tmp)
        archive = work / "solution.zip"
        archive.write_bytes(ctx.blobs.get(spec["code_sha256"]))
        staged = stage_solution(archive, work / "solution")
        recording = recording_from_bytes(ctx.blobs.get(recording_sha256))
        recording.labels = {}
        (work / "input").mkdir()
        save_recording(recording, work / "input" / f"{RECORDING_ID}.npz")
        make_readable(work / "input")
        run = sandbox.run(
            protocol=kind.protocol,
            harness=kind.harness,
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


def outcome_values(result: Outcome) -> dict[str, Any]:
    """Column values of a finished analyzer run."""
    return {
        "status": final_state(result),
        "failure_reason": result.get("failure_reason"),
        "message": str(result.get("message", ""))[:4000],
        "outputs": dict(result.get("outputs") or {}),
    }


ANALYSIS: JobType[AnalyzerRun, AnalysisSpec] = JobType(
    name="analysis",
    table=AnalyzerRun,
    task_name="hub.analyze_session",
    load_spec=load_spec,
    execute=execute,
    outcome_values=outcome_values,
    schedule=schedule_missing_runs,
    resend_after=RESEND_AFTER,
    needs_sandbox=True,
)

__all__ = ["ANALYSIS", "AnalysisSpec", "schedule_missing_runs"]
