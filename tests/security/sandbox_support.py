"""Shared by the sandbox probes: sandboxes in each identity, a small bundle, a runner."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from smarttouch.challenges.bundle import ChallengeBundle, load_bundle
from smarttouch.challenges.evaluation import EvaluationResult, evaluate_solution
from smarttouch.challenges.sandbox import Sandbox, SandboxUnavailable
from tests.challenges.helpers import make_bundle, make_solution

IDENTITIES = ["setuid", "userns"] if os.geteuid() == 0 else ["userns"]
"""Every way this machine can start the sandbox: as root both, else the user namespace only."""


def sandbox_for(identity: str) -> Sandbox:
    """A real sandbox in ``identity`` (skips when bubblewrap cannot run here)."""
    try:
        return Sandbox(identity=identity)
    except SandboxUnavailable as exc:  # pragma: no cover - bubblewrap is a test dependency
        pytest.skip(f"bubblewrap sandbox unavailable: {exc}")


def small_bundle(root: Path) -> ChallengeBundle:
    """An analyzer bundle with one recording per split and short limits."""
    return load_bundle(make_bundle(root / "test-reps", n_public=1, n_hidden=1, wall_s=20, cpu_s=10))


def run_analyzer(tmp_path: Path, challenge: ChallengeBundle, sandbox: Sandbox, code: str) -> EvaluationResult:
    """Evaluate the analyzer ``code`` (a module defining ``Solution``) on the hidden split."""
    return evaluate_solution(
        make_solution(tmp_path / "sol", code), challenge, sandbox=sandbox, splits=("hidden",)
    )
