"""Submission states and failure reasons, as the hub shows them to developers."""

from __future__ import annotations

# states of an evaluation job / submission
QUEUED, RUNNING, SCORED, FAILED, TIMED_OUT, REJECTED = (
    "queued",
    "running",
    "scored",
    "failed",
    "timed_out",
    "rejected",
)
STATES = (QUEUED, RUNNING, SCORED, FAILED, TIMED_OUT, REJECTED)
FINAL_STATES = (SCORED, FAILED, TIMED_OUT, REJECTED)

#: failure_reason -> what it means (shown next to the status)
FAILURE_REASONS: dict[str, str] = {
    "timed_out": "the solution exceeded the wall-clock or CPU time limit",
    "memory_exceeded": "the solution exceeded the memory limit",
    "crashed": "the solution raised an exception or died",
    "invalid_output": "the solution's output does not match the challenge's contract",
    "output_too_large": "the solution printed or returned more than allowed",
    "forbidden": "the solution tried something the sandbox does not allow "
    "(network, files outside the sandbox, too many processes, missing module)",
    "too_slow": "the game missed its frame-time budget",
    "rejected": "the submission is not a valid, safe solution archive for this challenge",
    "worker_lost": "the worker evaluating it stopped repeatedly; the job was given up",
    "sandbox_unavailable": "no sandbox is available on the worker, so the code was not run",
    "internal_error": "the evaluation failed because of a problem on the hub's side",
}


def status_for(failure_reason: str | None) -> str:
    """The submission state that goes with a failure reason (None = scored)."""
    if failure_reason is None:
        return SCORED
    if failure_reason == "timed_out":
        return TIMED_OUT
    if failure_reason == "rejected":
        return REJECTED
    return FAILED
