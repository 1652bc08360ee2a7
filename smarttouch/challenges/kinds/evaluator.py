"""What every kind's evaluator shares: staging label-free inputs, running the kind's harness
in the sandbox, reading the run, checking the output contract and scoring with the challenge's
metrics.

A kind's evaluator (``kinds/<name>/evaluator.py``) is a small subclass named by its
:class:`~smarttouch.challenges.kinds.spec.KindSpec` (the CTFd challenge-type pattern);
:func:`evaluator_for` builds the one a challenge needs.
"""

from __future__ import annotations

import json
import signal
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from smarttouch.challenges.archive import make_readable
from smarttouch.challenges.bundle import ChallengeBundle
from smarttouch.challenges.kinds.registry import kind_spec
from smarttouch.challenges.kinds.spec import KindSpec
from smarttouch.challenges.metrics import LABEL_FREE, compute_metric
from smarttouch.challenges.sandbox import Sandbox, SandboxRun
from smarttouch.challenges.schema import InvalidOutput, validate_predictions
from smarttouch.challenges.solution import StagedSolution
from smarttouch.challenges.status import FAILURE_REASONS, SCORED, status_for
from smarttouch.sensors.recording_io import load_recording, save_recording


@dataclass
class SplitResult:
    """The outcome of running one solution over one split.

    Attributes:
        split: "public" or "hidden".
        status: a state of :mod:`.status` (``scored`` when it worked).
        failure_reason: a key of :data:`FAILURE_REASONS`, or None.
        message: one line for the developer.
        scores: metric name -> value (only when scored).
        wall_s: seconds the sandboxed run took.
        log: the tail of the solution's stdout/stderr.
        details: per-recording rows (id, prediction, label, seconds); filled only for the
            public split, whose labels are public anyway.
        artifacts: file name -> bytes produced by the harness (e.g. game screenshots).
    """

    split: str
    status: str
    failure_reason: str | None = None
    message: str = ""
    scores: dict[str, float] = field(default_factory=dict)
    wall_s: float = 0.0
    log: str = ""
    details: list[dict[str, Any]] = field(default_factory=list)
    artifacts: dict[str, bytes] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "split": self.split,
            "status": self.status,
            "failure_reason": self.failure_reason,
            "message": self.message,
            "scores": self.scores,
            "wall_s": round(self.wall_s, 3),
            "log": self.log,
            "details": self.details,
            "artifacts": sorted(self.artifacts),
        }


def failed(split: str, reason: str, message: str, run: SandboxRun | None = None) -> SplitResult:
    return SplitResult(
        split,
        status_for(reason),
        reason,
        message,
        wall_s=run.wall_s if run else 0.0,
        log=run.log if run else "",
    )


def stage_inputs(challenge: ChallengeBundle, split: str, dest: Path) -> list[str]:
    """Write the split's recordings into ``dest`` as ``<id>.npz`` with every label removed
    (the sandbox sees signals and sensor metadata only); return the recording ids."""
    dest.mkdir(parents=True, exist_ok=True)
    the_split = challenge.split(split)
    for rec_id, path in the_split.recordings.items():
        rec = load_recording(path)
        rec.labels = {}
        save_recording(rec, dest / f"{rec_id}.npz")
    make_readable(dest)
    return the_split.ids


class Evaluator:
    """Runs a staged solution over a split in the sandbox (by the kind's protocol and harness)
    and scores what comes out."""

    def __init__(self, challenge: ChallengeBundle, kind: KindSpec) -> None:
        self.challenge = challenge
        self.kind = kind

    def runner_options(self) -> dict[str, Any]:
        """Extra settings passed to the in-sandbox runner for this kind."""
        return {}

    def evaluate_split(
        self, solution: StagedSolution, split: str, sandbox: Sandbox, workdir: Path
    ) -> SplitResult:
        """Stage inputs, run the sandbox, check the contract, score. Never raises for anything
        the solution does; bundle or hub problems do raise."""
        inputs = workdir / f"input-{split}"
        ids = stage_inputs(self.challenge, split, inputs)
        run = sandbox.run(
            protocol=self.kind.protocol,
            harness=self.kind.harness,
            solution_dir=solution.root,
            entrypoint=solution.manifest.entrypoint,
            inputs_dir=inputs,
            limits=self.challenge.limits,
            options=self.runner_options(),
        )
        document = read_run(run, self.challenge)
        if isinstance(document, SplitResult):
            document.split = split
            return document
        try:
            predictions = validate_predictions(document.get("predictions"), ids, self.challenge.outputs)
            artifacts = self.artifacts(document)
        except InvalidOutput as exc:
            return failed(split, "invalid_output", str(exc), run)
        problem = self.check(predictions)
        if problem is not None:
            return failed(split, problem[0], problem[1], run)
        labels = self.challenge.split(split).labels()
        scores = self.score(predictions, labels)
        result = SplitResult(split, SCORED, None, "scored", scores, run.wall_s, run.log, artifacts=artifacts)
        if split == "public":
            raw_seconds = document.get("seconds")
            seconds = raw_seconds if isinstance(raw_seconds, dict) else {}
            result.details = [
                {"id": r, "prediction": predictions[r], "label": labels[r], "seconds": seconds.get(r)}
                for r in ids
            ]
        return result

    def check(self, predictions: dict[str, dict]) -> tuple[str, str] | None:
        """A kind's gate on valid predictions: (failure_reason, message), or None to score."""
        return None

    def artifacts(self, document: dict[str, Any]) -> dict[str, bytes]:
        """Files the harness produced (none for plain analyzers)."""
        return {}

    def score(self, predictions: dict[str, dict], labels: dict[str, dict]) -> dict[str, float]:
        """Each metric of the challenge over all recordings (trusted code, labels in hand)."""
        ids = sorted(predictions)
        scores = {}
        for metric in self.challenge.metrics:
            predicted = [float(predictions[r][metric.field]) for r in ids]
            true = (
                predicted if metric.function in LABEL_FREE else [float(labels[r][metric.field]) for r in ids]
            )
            scores[metric.name] = compute_metric(metric.function, predicted, true, **metric.params)
        return scores


def read_run(run: SandboxRun, challenge: ChallengeBundle) -> dict[str, Any] | SplitResult:
    """The runner's success document, or a failed SplitResult saying precisely why."""
    limits = challenge.limits
    if run.overflow == "log":
        return failed("", "output_too_large", "printed more than 2 MiB to stdout/stderr", run)
    if run.overflow == "result":
        return failed("", "output_too_large", f"returned more than {limits.output_kb} KiB of results", run)
    if run.timed_out:
        return failed(
            "", "timed_out", f"did not finish within the wall-clock limit of {limits.wall_s:g} s", run
        )
    code = run.exit_code
    if code == 128 + signal.SIGXCPU or (code == 128 + signal.SIGKILL and run.wall_s >= limits.cpu_s):
        return failed("", "timed_out", f"used more than the CPU limit of {limits.cpu_s} s", run)
    if run.result is None:
        if code is not None and code > 128:
            name = signal.Signals(code - 128).name if code - 128 in signal.valid_signals() else str(code)
            return failed("", "crashed", f"the solution was killed by {name}", run)
        return failed("", "crashed", f"the sandbox exited (status {code}) without a result", run)
    try:
        document = json.loads(run.result)
    except (json.JSONDecodeError, UnicodeDecodeError):
        return failed(
            "",
            "invalid_output",
            "the result is not valid JSON (did the solution write to the result channel itself?)",
            run,
        )
    if not isinstance(document, dict):
        return failed("", "invalid_output", "the result is not a JSON object", run)
    if document.get("ok") is True and code == 0:
        return document
    reason = document.get("reason")
    if reason not in FAILURE_REASONS or reason in (
        "rejected",
        "worker_lost",
        "internal_error",
        "sandbox_unavailable",
    ):
        reason = "crashed"
    return failed("", reason, str(document.get("error", ""))[:2000] or f"exit status {code}", run)


def evaluator_for(challenge: ChallengeBundle) -> Evaluator:
    """The evaluator of ``challenge.kind``.

    Raises:
        UnknownKind: no kind has this name.
    """
    spec = kind_spec(challenge.kind)
    return spec.evaluator(challenge, spec)
