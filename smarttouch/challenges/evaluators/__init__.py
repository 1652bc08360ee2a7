"""Evaluator kinds, looked up by a challenge's ``kind`` (the CTFd challenge-type pattern)."""

from __future__ import annotations

from smarttouch.challenges.bundle import ChallengeBundle
from smarttouch.challenges.evaluators.analyzer import AnalyzerEvaluator
from smarttouch.challenges.evaluators.base import Evaluator, SplitResult
from smarttouch.challenges.evaluators.game import GameEvaluator

EVALUATORS: dict[str, type[Evaluator]] = {
    AnalyzerEvaluator.kind: AnalyzerEvaluator,
    GameEvaluator.kind: GameEvaluator,
}


def evaluator_for(challenge: ChallengeBundle) -> Evaluator:
    """The evaluator instance for ``challenge.kind``."""
    try:
        cls = EVALUATORS[challenge.kind]
    except KeyError:
        raise ValueError(f"no evaluator for challenge kind {challenge.kind!r}") from None
    return cls(challenge)


__all__ = ["EVALUATORS", "Evaluator", "SplitResult", "evaluator_for"]
