"""The ``game`` kind: a motion mini-game (the ``Game`` protocol of the games SDK) played headless
on recorded motion; its harness measures the reps it counts, its points and its frame time."""

from pathlib import Path

from smarttouch.challenges.kinds.game.evaluator import GameEvaluator
from smarttouch.challenges.kinds.spec import N_, KindSpec

KIND = KindSpec(
    name="game",
    display_name=N_("Game"),
    evaluator=GameEvaluator,
    harness=Path(__file__).with_name("harness.py"),
    outputs=frozenset({"reps", "score", "frame_ms_p95", "frames"}),
    on_approval="activity",
    description="A game following the games SDK's Game protocol, driven by the patient's movement.",
)
