"""Built-in games; importing this package registers them."""

from smarttouch.games.builtin.balloons import BalloonPop
from smarttouch.games.builtin.garden import Garden
from smarttouch.games.builtin.glider import Glider
from smarttouch.games.builtin.lantern import Lantern

__all__ = ["BalloonPop", "Garden", "Glider", "Lantern"]
