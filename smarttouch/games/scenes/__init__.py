"""The framework's scenes: calibration, instructions, play, rest, summary."""

from smarttouch.games.scenes.calibration import CalibrationScene
from smarttouch.games.scenes.instructions import InstructionsScene
from smarttouch.games.scenes.play import PlayScene
from smarttouch.games.scenes.rest import RestScene
from smarttouch.games.scenes.summary import SummaryScene

SCENES = {s.name: s for s in (CalibrationScene, InstructionsScene, PlayScene, RestScene, SummaryScene)}

__all__ = ["SCENES", "CalibrationScene", "InstructionsScene", "PlayScene", "RestScene", "SummaryScene"]
