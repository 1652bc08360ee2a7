"""Reference row: SmartTouch's built-in Balloon Pop game, played by the same harness."""

from __future__ import annotations

from smarttouch.games.builtin.balloons.game import BalloonPop

__all__ = ["BalloonPop"]
