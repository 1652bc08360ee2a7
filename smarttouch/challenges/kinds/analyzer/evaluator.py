"""The ``analyzer`` kind's trusted side: ``analyze(recording) -> dict`` per recording, compared
with the labels by the challenge's metrics (the base :class:`Evaluator` does all of it)."""

from __future__ import annotations

from smarttouch.challenges.kinds.evaluator import Evaluator


class AnalyzerEvaluator(Evaluator):
    """A motion-analysis algorithm (e.g. repetition counting, ROM estimation).

    The solution class has ``analyze(self, recording) -> dict``; each dict must match the
    challenge's ``[output.*]`` fields; the challenge's metrics compare them with the labels.
    """
