"""Game events: what happened in a session, in order, for feedback, logs and the hub.

Event kinds a game emits (see docs/game-protocol.md):
  ``rep``   one per completed repetition the game counted. data: ``index`` (0-based),
            ``success`` (bool: the rep reached the game's target), ``rom_deg`` (the rep's
            range of motion in degrees), ``target_rom_deg`` (what was asked).
  ``hit``   a target was reached mid-rep (the instant feedback moment). data: free.
  ``score`` points gained. data: ``points``, ``total``.
Kinds the framework adds: ``scene``, ``calibration``, ``set_complete``, ``rest``,
``difficulty``, ``praise``, ``stop``, ``disconnected``, ``reconnected``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

GAME_KINDS = ("rep", "hit", "score")


@dataclass(frozen=True)
class GameEvent:
    """One event.

    Attributes:
        t: time in seconds on the motion recording's clock (the latest ControlState.t).
        kind: event kind (see module docstring).
        data: JSON-serialisable details.
    """

    t: float
    kind: str
    data: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"t": round(float(self.t), 4), "kind": self.kind, "data": dict(self.data)}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> GameEvent:
        return cls(float(d["t"]), str(d["kind"]), dict(d.get("data") or {}))


def rep_event(
    t: float, index: int, success: bool, rom_deg: float, target_rom_deg: float, **extra: Any
) -> GameEvent:
    """Helper for games: the ``rep`` event with its required fields."""
    data = {
        "index": int(index),
        "success": bool(success),
        "rom_deg": round(float(rom_deg), 2),
        "target_rom_deg": round(float(target_rom_deg), 2),
    }
    data.update(extra)
    return GameEvent(t, "rep", data)
