"""The ``game`` kind: a motion mini-game (the ``Game`` protocol of the games SDK) played headless
on recorded motion by the sandbox's runner, the game in its own process; the runner measures
the reps it counts, its points and its frame time."""

from smarttouch.challenges.kinds.game.evaluator import GameEvaluator
from smarttouch.challenges.kinds.spec import N_, KindSpec

KIND = KindSpec(
    name="game",
    display_name=N_("Game"),
    evaluator=GameEvaluator,
    protocol="game_process",
    outputs=frozenset({"reps", "score", "frame_ms_p95", "frames"}),
    on_approval="activity",
    description="A game following the games SDK's Game protocol, driven by the patient's movement.",
)
