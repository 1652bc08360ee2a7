"""The ``analyzer`` kind: a motion-analysis algorithm, ``analyze(recording) -> dict`` per
recording, scored against the labels of the hidden recordings."""

from pathlib import Path

from smarttouch.challenges.kinds.analyzer.evaluator import AnalyzerEvaluator
from smarttouch.challenges.kinds.analyzer.template import starter_files
from smarttouch.challenges.kinds.spec import N_, KindSpec

KIND = KindSpec(
    name="analyzer",
    display_name=N_("Motion analysis"),
    evaluator=AnalyzerEvaluator,
    harness=Path(__file__).with_name("harness.py"),
    starter_template=starter_files,
    on_approval="session_analyzer",
    description="A class with analyze(recording) -> dict, e.g. counting repetitions or estimating the range of motion.",
)
