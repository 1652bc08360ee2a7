"""One evaluation, end to end: stage the solution, run it on each split in the sandbox, score.

This is exactly what the worker runs for a submission and what ``smarttouch challenge
evaluate`` prints; ``validate`` runs it on the public split only.
"""

from __future__ import annotations

import re
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from smarttouch.challenges.archive import ArchiveRejected
from smarttouch.challenges.bundle import ChallengeBundle
from smarttouch.challenges.kinds.evaluator import SplitResult, evaluator_for
from smarttouch.challenges.sandbox import Sandbox
from smarttouch.challenges.solution import stage_solution
from smarttouch.challenges.status import REJECTED, SCORED

_SAFE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,80}$")


@dataclass
class EvaluationResult:
    """The outcome of evaluating one solution on a challenge.

    Attributes:
        challenge: the challenge slug.
        solution: the solution's name from its manifest ("" when rejected before reading it).
        sha256: the submission identity (sha256 of the canonical archive), None if rejected.
        status / failure_reason / message: overall outcome (the first failing split decides).
        scores: split -> metric -> value, for every split that was scored.
        splits: the per-split results, in the order run.
        wall_s: total seconds, staging included.
        reference: True for a baseline solution shown as a reference row.
    """

    challenge: str
    solution: str
    sha256: str | None
    status: str
    failure_reason: str | None
    message: str
    scores: dict[str, dict[str, float]] = field(default_factory=dict)
    splits: list[SplitResult] = field(default_factory=list)
    wall_s: float = 0.0
    reference: bool = False

    def to_dict(self, *, with_logs: bool = True) -> dict[str, Any]:
        splits = [s.to_dict() for s in self.splits]
        if not with_logs:
            for s in splits:
                s.pop("log", None)
        return {
            "challenge": self.challenge,
            "solution": self.solution,
            "sha256": self.sha256,
            "status": self.status,
            "failure_reason": self.failure_reason,
            "message": self.message,
            "scores": self.scores,
            "splits": splits,
            "wall_s": round(self.wall_s, 3),
            "reference": self.reference,
        }


ProgressFn = Callable[[str], None]


def evaluate_solution(
    source: str | Path,
    challenge: ChallengeBundle,
    *,
    sandbox: Sandbox,
    splits: Sequence[str] = ("public", "hidden"),
    artifacts_dir: Path | None = None,
    progress: ProgressFn | None = None,
) -> EvaluationResult:
    """Evaluate the solution directory or zip ``source`` on ``challenge``'s ``splits``.

    Never raises for anything the solution does (that becomes a status and failure reason);
    raises for problems of the bundle or the host (missing split, SandboxUnavailable...).
    """
    start = time.monotonic()
    evaluator = evaluator_for(challenge)
    with tempfile.TemporaryDirectory(prefix="st-eval-") as tmp:
        work = Path(tmp)
        try:
            solution = stage_solution(source, work / "solution")
            _check_target(solution.manifest.challenge, solution.manifest.kind, challenge)
        except ArchiveRejected as exc:
            return EvaluationResult(
                challenge.slug, "", None, REJECTED, "rejected", str(exc), wall_s=time.monotonic() - start
            )
        result = EvaluationResult(
            challenge.slug, solution.manifest.name, solution.sha256, SCORED, None, "scored"
        )
        for split in splits:
            if progress:
                progress(split)
            outcome = evaluator.evaluate_split(solution, split, sandbox, work)
            result.splits.append(outcome)
            if outcome.artifacts and artifacts_dir is not None:
                _save_artifacts(outcome, artifacts_dir / split)
            if outcome.status != SCORED:
                result.status, result.failure_reason = outcome.status, outcome.failure_reason
                result.message = f"{split} split: {outcome.message}"
                break
            result.scores[split] = outcome.scores
    result.wall_s = time.monotonic() - start
    return result


def _check_target(slug: str, kind: str, challenge: ChallengeBundle) -> None:
    if slug != challenge.slug:
        raise ArchiveRejected(f"solution.toml names challenge {slug!r}, but this is {challenge.slug!r}")
    if kind != challenge.kind:
        raise ArchiveRejected(
            f"solution.toml says kind {kind!r}, but {challenge.slug!r} takes {challenge.kind!r}"
        )


def _save_artifacts(outcome: SplitResult, folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for name, data in outcome.artifacts.items():
        if _SAFE_NAME.match(name) and ".." not in name:
            (folder / name).write_bytes(data)
