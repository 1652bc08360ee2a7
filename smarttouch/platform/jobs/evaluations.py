"""The evaluation job: a developer's submission run on a challenge's splits in the sandbox.

Job rows are ``submission`` rows (job id = the submission id). The worker reads the stored
canonical archive from the blob store (checking it still hashes to the submission's sha256),
unpacks the imported bundle (cached per blob key) and runs exactly ``evaluate_solution`` -
what ``smarttouch challenge evaluate`` runs: sandbox, public then hidden split, trusted
scoring. A finished row holds the status, the precise reason, the public split's log (the
hidden split's log stays private to reviewers), per-split results, screenshots as blobs, and
one ``score`` row per split and metric.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any, TypedDict

from sqlmodel import Session, col, delete

from smarttouch.challenges import evaluation
from smarttouch.challenges.jobs import Outcome, final_state
from smarttouch.challenges.sandbox import SandboxUnavailable

from ..models import Challenge, Score, Solution, Submission
from ..storage.blobstore import BlobStore
from .types import JobContext, JobType

LOG_KEEP_CHARS = 64 * 1024


class EvaluationSpec(TypedDict):
    """What a worker needs to evaluate one submission.

    Attributes:
        submission_id: the submission (and job) id.
        challenge: the challenge's slug (None when the row lost its challenge).
        bundle_sha256: blob key of the imported bundle (None when none was imported).
        sha256: blob key of the submitted canonical archive (its identity).
        splits: the splits to run, in order (empty = public then hidden).
    """

    submission_id: int
    challenge: str | None
    bundle_sha256: str | None
    sha256: str
    splits: list[str]


def load_spec(session: Session, sub: Submission) -> EvaluationSpec:
    sol = session.get(Solution, sub.solution_id)
    ch = session.get(Challenge, sol.challenge_id) if sol else None
    assert sub.id is not None
    return {
        "submission_id": sub.id,
        "challenge": ch.slug if ch else None,
        "bundle_sha256": ch.bundle_sha256 if ch else None,
        "sha256": sub.code_sha256,
        "splits": list(sub.splits or []),
    }


def execute(ctx: JobContext, spec: EvaluationSpec) -> Outcome:
    """Run one evaluation (the worker's side): exactly ``smarttouch challenge evaluate``."""
    try:
        sandbox = ctx.sandbox()
    except SandboxUnavailable as exc:
        return {"status": "failed", "failure_reason": "sandbox_unavailable", "message": str(exc)}
    bundle_sha256 = spec["bundle_sha256"]
    if not bundle_sha256 or not spec["sha256"]:
        return {
            "status": "failed",
            "failure_reason": "internal_error",
            "message": "the challenge has no imported bundle or the code is missing",
        }
    code = ctx.blobs.get(spec["sha256"])
    if BlobStore.key_for(code) != spec["sha256"]:
        return {
            "status": "failed",
            "failure_reason": "internal_error",
            "message": "the stored code does not hash to the submitted sha256",
        }
    challenge = ctx.bundle(bundle_sha256)
    with tempfile.TemporaryDirectory(prefix="st-job-") as tmp:
        archive = Path(tmp) / "solution.zip"
        archive.write_bytes(code)
        result = evaluation.evaluate_solution(
            archive,
            challenge,
            sandbox=sandbox,
            splits=tuple(spec["splits"] or ("public", "hidden")),
            artifacts_dir=Path(tmp) / "artifacts",
        )
        out = result.to_dict()
        out["bundle_sha256"] = bundle_sha256
        out["artifact_blobs"] = {
            f"{p.parent.name}/{p.name}": ctx.blobs.put(p.read_bytes())
            for p in sorted((Path(tmp) / "artifacts").glob("*/*"))
            if p.is_file()
        }
    return out


def outcome_values(result: Outcome) -> dict[str, Any]:
    """Column values of a finished submission from an evaluation outcome."""
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
        "status": final_state(result),
        "failure_reason": result.get("failure_reason"),
        "message": str(result.get("message", ""))[:4000],
        "log": public_log[-LOG_KEEP_CHARS:],
        "result": stored,
        "artifacts": dict(result.get("artifact_blobs") or {}),
    }


def save_scores(session: Session, submission_id: int, result: Outcome) -> None:
    """One ``score`` row per split and metric (replacing any earlier ones)."""
    session.execute(delete(Score).where(col(Score.submission_id) == submission_id))
    for split, metrics in (result.get("scores") or {}).items():
        for metric, value in metrics.items():
            session.add(Score(submission_id=submission_id, split=split, metric=metric, value=float(value)))


EVALUATION: JobType[Submission, EvaluationSpec] = JobType(
    name="evaluation",
    table=Submission,
    task_name="challenges.evaluate",
    load_spec=load_spec,
    execute=execute,
    outcome_values=outcome_values,
    save_outcome=save_scores,
    claim_message="running in the sandbox",
    requeue_message="requeued: the worker evaluating it stopped",
    needs_sandbox=True,
)

__all__ = ["EVALUATION", "LOG_KEEP_CHARS", "EvaluationSpec"]
