"""The ``game`` kind's trusted side: a ``Game`` plugin played headless by the games framework on
recorded motion (the harness, :mod:`.harness`, plays it inside the sandbox).

The in-sandbox runner plays a fresh instance of the game on every recording (calibration,
instructions, play until the recording ends; the scoring room's streaming tracker turns the
motion into ``ControlState``) and reports per recording: ``reps`` (the game's ``rep`` events),
``score`` (points), ``frame_ms_p95`` (95th percentile of the game's update + draw per displayed
frame, ms, timed by the runner around each call to the game's own process) and ``frames``, plus
the pixels of the first session's screenshots for reviewers. Here the trusted side checks the
contract, writes the screenshots as PNG from their pixels, fails games slower than
``options.frame_budget_ms`` with ``too_slow``, and scores rep counts against the true
repetitions of the motion.

Challenge ``[options]``: ``movement``, ``rom_deg``, ``max_rom_deg`` (degrees), ``draw_every``
(draw one logic step in N), ``screenshots`` (bool), ``frame_budget_ms``.
"""

from __future__ import annotations

import re
from typing import Any

from smarttouch.challenges.kinds.evaluator import Evaluator
from smarttouch.challenges.schema import InvalidOutput
from smarttouch.challenges.screenshots import BadScreenshot, screenshot_png

MAX_FILES = 12
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,80}\.png$")


class GameEvaluator(Evaluator):
    """A motion mini-game following the ``smarttouch.games.sdk.protocol.Game`` protocol."""

    def runner_options(self) -> dict[str, Any]:
        keys = ("movement", "rom_deg", "max_rom_deg", "draw_every", "screenshots")
        return {k: self.challenge.options[k] for k in keys if k in self.challenge.options}

    def check(self, predictions: dict[str, dict]) -> tuple[str, str] | None:
        budget = self.challenge.options.get("frame_budget_ms")
        if budget is None:
            return None
        worst_id = max(predictions, key=lambda r: predictions[r]["frame_ms_p95"])
        worst = predictions[worst_id]["frame_ms_p95"]
        if worst > float(budget):
            return "too_slow", (
                f"95th-percentile frame time {worst:.1f} ms on {worst_id} exceeds "
                f"the budget of {float(budget):g} ms"
            )
        if any(p["frames"] == 0 for p in predictions.values()):
            return "crashed", "the game never drew a frame of play"
        return None

    def artifacts(self, document: dict[str, Any]) -> dict[str, bytes]:
        """The screenshots as PNG files written here from their checked pixels (see
        :mod:`smarttouch.challenges.screenshots`); nothing the sandbox wrote is kept as a file."""
        shots = document.get("screenshots") or {}
        if not isinstance(shots, dict) or len(shots) > MAX_FILES:
            raise InvalidOutput(f"screenshots: expected at most {MAX_FILES} named images")
        out = {}
        for name, entry in shots.items():
            if not isinstance(name, str) or not _NAME.match(name):
                raise InvalidOutput(f"screenshot name {str(name)[:40]!r} is not a plain .png file name")
            try:
                out[name] = screenshot_png(entry)
            except BadScreenshot as exc:
                raise InvalidOutput(f"screenshot {name}: {exc}") from None
        return out
