"""The ``analyzer`` kind: ``analyze(recording) -> dict`` per recording, compared with labels."""

from __future__ import annotations

from smarttouch.challenges.evaluators.base import Evaluator


class AnalyzerEvaluator(Evaluator):
    """A motion-analysis algorithm (e.g. repetition counting, ROM estimation).

    The solution class has ``analyze(self, recording) -> dict``; each dict must match the
    challenge's ``[output.*]`` fields; the challenge's metrics compare them with the labels.
    """

    kind = "analyzer"
    runner_kind = "analyzer"
