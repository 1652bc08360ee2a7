"""The phases of an uploaded session: their upload model and their check against the recording.

A game writes its phases (calibration, instructions, each play set, rest, stop, summary) both
into the recording (``.npz`` member ``phases``) and into the upload's metadata. The hub takes
them from either, refuses an upload whose two copies disagree or whose phases do not fit the
recording (outside its time range, out of order, overlapping, unknown kind), and counts the
repetitions of the play phases only. Times are seconds on the recording's clock.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from smarttouch.sensors.types import Phase, Recording, check_phases, play_phases, play_spans

from ..errors import Invalid

MAX_PHASES = 2000
PhaseKind = Literal["feelings", "calibration", "instructions", "play", "rest", "stop", "summary"]


class PhaseIn(BaseModel):
    """One phase of the session: kind, start and end in seconds on the recording's clock, and
    for ``play`` (required) and ``rest`` the 0-based set."""

    model_config = ConfigDict(allow_inf_nan=False, extra="forbid")

    kind: PhaseKind
    t_start: float = Field(ge=-1e6, le=1e7, description="seconds on the recording's clock")
    t_end: float = Field(ge=-1e6, le=1e7, description="seconds on the recording's clock, >= t_start")
    set_index: int | None = Field(
        default=None, ge=0, le=1000, description="0-based set: required for play, the next set for rest"
    )

    def to_phase(self) -> Phase:
        """The sensors room's Phase (raises ValueError for a reversed span or a play phase
        without its set)."""
        return Phase(self.kind, self.t_start, self.t_end, self.set_index)


def phases_of(items: Sequence[PhaseIn]) -> tuple[Phase, ...]:
    """The uploaded phases as Phases, in order and without overlap (their time range is checked
    against the recording by :func:`session_phases`). Raises ValueError naming the phase."""
    phases = []
    for i, item in enumerate(items):
        try:
            phases.append(item.to_phase())
        except ValueError as exc:
            raise ValueError(f"phase {i}: {exc}") from None
    return check_phases(phases, -math.inf, math.inf)


def session_phases(uploaded: tuple[Phase, ...], recording: Recording | None) -> tuple[Phase, ...]:
    """The session's phases from the metadata (``uploaded``) and the recording.

    Either copy may be absent (an older client sends none; a recording from before phases has
    none). Raises :class:`Invalid` when both are present and differ, or when the phases do not
    fit the recording's time range.
    """
    if recording is None:
        return uploaded
    if uploaded and recording.phases and uploaded != recording.phases:
        raise Invalid("phases: the metadata's phases differ from the phases stored in the recording")
    phases = uploaded or recording.phases
    if phases and len(recording):
        try:
            check_phases(phases, float(recording.t[0]), float(recording.t[-1]))
        except ValueError as exc:
            raise Invalid(f"phases: {exc}") from None
    return phases


def spans_to_analyse(phases: Sequence[Phase]) -> list[tuple[float, float]] | None:
    """``(start, end)`` s of each non-empty play phase, or None (analyse the whole recording)
    when the session recorded no phases at all. A session with phases but no play phase
    (stopped before the first set) has an empty list: nothing of it counts."""
    if not phases:
        return None
    return play_spans(phases)


def label_sets(sets: Sequence[dict[str, Any]], phases: Sequence[Phase]) -> list[dict[str, Any]]:
    """The analysis' per-span entries, each with the game's 0-based ``set_index`` of its play
    phase (None when the whole recording was analysed as one span)."""
    plays = play_phases(phases)
    if len(plays) != len(sets):
        return [{**entry, "set_index": None} for entry in sets]
    return [{**entry, "set_index": p.set_index} for entry, p in zip(sets, plays)]
