"""The framework's scenes: feelings, calibration, instructions, play, rest, summary."""

from smarttouch.games.session.scenes.calibration import CalibrationScene
from smarttouch.games.session.scenes.feelings import FeelingsScene
from smarttouch.games.session.scenes.instructions import InstructionsScene
from smarttouch.games.session.scenes.play import PlayScene
from smarttouch.games.session.scenes.rest import RestScene
from smarttouch.games.session.scenes.summary import SummaryScene

SCENES = {
    s.name: s
    for s in (FeelingsScene, CalibrationScene, InstructionsScene, PlayScene, RestScene, SummaryScene)
}

__all__ = [
    "SCENES",
    "CalibrationScene",
    "FeelingsScene",
    "InstructionsScene",
    "PlayScene",
    "RestScene",
    "SummaryScene",
]
