"""Motion scoring: orientation, joint angles, repetitions, ROM, smoothness, tremor, progress.

A plain library (numpy/scipy/vqf; no Flask, pygame or database). Units: seconds, g, deg/s,
degrees. Main entry points:

* :class:`MotionTracker` - streaming, for games (``update(batch) -> ControlState``);
* :func:`analyze` - offline, for a whole recording (``-> SessionMetrics``);
* :class:`Calibration` - neutral pose, movement axis and comfortable ROM.
"""

from __future__ import annotations

from smarttouch.scoring.analysis import ALGORITHM_VERSION, SessionMetrics, analyze
from smarttouch.scoring.calibration import Calibration, functional_axis
from smarttouch.scoring.control import ControlState, RepEvent
from smarttouch.scoring.movements import MOVEMENT_MODELS, MovementModel, get_movement
from smarttouch.scoring.quality import QualityFlags
from smarttouch.scoring.reps import Rep
from smarttouch.scoring.smoothness import dimensionless_jerk, ldlj, sparc
from smarttouch.scoring.tracker import MotionTracker
from smarttouch.scoring.tremor import TremorMetrics, tremor_metrics

__all__ = [
    "ALGORITHM_VERSION",
    "MOVEMENT_MODELS",
    "Calibration",
    "ControlState",
    "MotionTracker",
    "MovementModel",
    "QualityFlags",
    "Rep",
    "RepEvent",
    "SessionMetrics",
    "TremorMetrics",
    "analyze",
    "dimensionless_jerk",
    "functional_axis",
    "get_movement",
    "ldlj",
    "sparc",
    "tremor_metrics",
]
