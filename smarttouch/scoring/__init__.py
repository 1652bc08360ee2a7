"""Motion scoring: orientation, joint angles, repetitions, ROM, smoothness, tremor, progress.

A plain library (numpy/scipy/vqf; no Flask, pygame or database). Units: seconds, g, deg/s,
degrees. Main entry points:

* :class:`MotionTracker` - streaming, for games (``update(batch) -> ControlState``);
* :func:`analyze` - offline, for a whole recording (``-> SessionMetrics``);
* :class:`Calibration` - neutral pose, movement axis and comfortable ROM.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from smarttouch.scoring.analysis import SessionMetrics, analyze
    from smarttouch.scoring.calibration import Calibration, functional_axis
    from smarttouch.scoring.control import ControlState, RepEvent
    from smarttouch.scoring.movements import MOVEMENT_MODELS, MovementModel, get_movement
    from smarttouch.scoring.quality import QualityFlags
    from smarttouch.scoring.reps import Rep
    from smarttouch.scoring.smoothness import dimensionless_jerk, ldlj, sparc
    from smarttouch.scoring.tracker import MotionTracker
    from smarttouch.scoring.tremor import TremorMetrics, tremor_metrics

from smarttouch.scoring.version import ALGORITHM_VERSION

#: Where each name lives. They are imported on first use (PEP 562), so a process that needs
#: only a light module of this package (validation, progress, the version) does not load
#: scipy's signal processing (~80 MiB resident): the hub's web processes stay small.
_LAZY = {
    "SessionMetrics": "analysis",
    "analyze": "analysis",
    "Calibration": "calibration",
    "functional_axis": "calibration",
    "ControlState": "control",
    "RepEvent": "control",
    "MOVEMENT_MODELS": "movements",
    "MovementModel": "movements",
    "get_movement": "movements",
    "QualityFlags": "quality",
    "Rep": "reps",
    "dimensionless_jerk": "smoothness",
    "ldlj": "smoothness",
    "sparc": "smoothness",
    "MotionTracker": "tracker",
    "TremorMetrics": "tremor",
    "tremor_metrics": "tremor",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value


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
