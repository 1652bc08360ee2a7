"""The session's phases on the recording's clock, and which repetitions the game counts.

:class:`PhaseLog` writes down the phases (calibration, instructions, each play set, rest, stop,
summary) as the session goes through them; they end up in the ``SessionResult`` and the
recording, so the hub analyses the play phases only.

:class:`RepGate` decides which of the tracker's repetitions reach the game, and places the
play phases' edges so that the hub, counting the repetitions whose peak lies inside a play
phase, finds exactly the ones the game counted:

* a play phase begins when the game starts counting: at the start of the set, or, when a
  repetition is already under way then (the patient moved during the countdown or the rest),
  at the moment that repetition ends; that repetition does not count (and no phase covers
  the wait: phases are in order and never overlap, but need not touch);
* it ends when the set's last repetition is counted or the session pauses or stops; when a
  repetition is under way at that moment, the phase ends where that repetition started, and
  that repetition does not count.

So each edge lies where the patient is between repetitions or at the very start of one,
never near a repetition's peak, and the small differences between the streaming tracker and
the hub's offline analysis cannot move a repetition across it. Times are seconds on the
recording's clock (``ControlState.t``).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from smarttouch.scoring.control import ControlState, RepEvent
from smarttouch.sensors.types import Phase


@dataclass
class _Open:
    kind: str
    t_start: float
    set_index: int | None


class PhaseLog:
    """The phases so far: at most one is open; ``begin`` closes it."""

    def __init__(self) -> None:
        self._done: list[Phase] = []
        self._open: _Open | None = None

    @property
    def current(self) -> str | None:
        """Kind of the open phase, or None between phases."""
        return None if self._open is None else self._open.kind

    def begin(self, kind: str, t: float, set_index: int | None = None) -> None:
        """Start a ``kind`` phase at ``t`` s, ending the open one there."""
        self.end(t)
        start = max(t, self._done[-1].t_end) if self._done else t
        self._open = _Open(kind, start, set_index)

    def end(self, t: float) -> None:
        """End the open phase at ``t`` s (not before its start); nothing when none is open."""
        if self._open is not None:
            o = self._open
            self._done.append(Phase(o.kind, o.t_start, max(t, o.t_start), o.set_index))
            self._open = None

    def phases(self, t_first: float, t_last: float) -> tuple[Phase, ...]:
        """Every phase, the open one ending at ``t_last``, clipped to ``[t_first, t_last]`` s
        (the recording's first and last sample)."""
        items = list(self._done)
        if self._open is not None:
            o = self._open
            items.append(Phase(o.kind, o.t_start, max(t_last, o.t_start), o.set_index))

        def clip(t: float) -> float:
            return min(max(t, t_first), t_last)

        return tuple(Phase(p.kind, clip(p.t_start), clip(p.t_end), p.set_index) for p in items)


class RepGate:
    """Which rep events reach the game, and where play phases begin and end (module docstring).

    ``filter`` sees every ControlState of the session, in every scene, so it always knows
    whether a repetition is under way.
    """

    def __init__(self, log: PhaseLog) -> None:
        self.log = log
        self.counting = False  # inside a play phase: rep events reach the game
        self.waiting = False  # play wants to start once the repetition under way ends
        self.set_index = 0
        self._under_way: tuple[int, float, bool] | None = None  # index, t_start (s), counts

    @property
    def rep_under_way(self) -> bool:
        return self._under_way is not None

    def start_play(self, t: float, set_index: int) -> None:
        """The play scene begins (or resumes) set ``set_index`` at ``t`` s; with a repetition
        under way, the open phase ends now and play begins when that repetition ends."""
        self.set_index = set_index
        if self._under_way is None:
            self._begin(t)
        else:
            self.log.end(t)
            self.waiting = True

    def stop_play(self, t: float) -> None:
        """Counting stops at ``t`` s (set done, pause, stop): the play phase ends, moved back to
        the start of a counted repetition still under way."""
        self.waiting = False
        if not self.counting:
            return
        self.counting = False
        end = t
        if self._under_way is not None and self._under_way[2]:
            end = min(t, self._under_way[1])
        self.log.end(end)

    def _begin(self, t: float) -> None:
        self.waiting = False
        self.counting = True
        self.log.begin("play", t, self.set_index)

    def filter(self, control: ControlState) -> ControlState:
        """``control`` with only the rep events of counted repetitions."""
        if not control.events:
            return control
        kept: list[RepEvent] = []
        for ev in control.events:
            if ev.kind == "started":
                self._under_way = (ev.index, ev.t, self.counting)
                if self.counting:
                    kept.append(ev)
            elif ev.kind == "completed":
                under_way, self._under_way = self._under_way, None
                counts = under_way is not None and under_way[0] == ev.index and under_way[2]
                if counts and self.counting:
                    kept.append(ev)
                if self.waiting:
                    self._begin(control.t)
            else:
                kept.append(ev)
        return replace(control, events=tuple(kept))
