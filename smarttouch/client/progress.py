"""The summary screen's progress from the hub (``GET /api/v1/progress``) instead of the
local history: the same :class:`ProgressView`, built from the hub's recent sessions."""

from __future__ import annotations

from datetime import date
from typing import NotRequired, TypedDict

from smarttouch.games.session.history import HistoryEntry, ProgressView, progress_of


class RecentSession(TypedDict):
    """One of the patient's recent sessions as the hub scored it (ROM in degrees, SPARC
    smoothness, closer to 0 is smoother)."""

    session_id: str
    day: str  # ISO date
    game: str | None
    movement: NotRequired[str | None]
    reps: int | None  # hub-counted, None when not scored
    game_reps: int | None  # what the game counted
    rom_deg: float | None
    sparc: float | None
    quit_reason: str | None
    goal_met: bool | None


class HubProgress(TypedDict):
    """The part of the hub's progress document the client shows."""

    recent: list[RecentSession]
    streak_days: int


def progress_view(
    progress: HubProgress,
    entry: HistoryEntry,
    *,
    uploaded: bool,
    session_id: str | None,
    today: date,
    activity_key: str | None = None,
) -> ProgressView:
    """The summary screen's view built from the hub's progress (today's session excluded
    from the past). The hub names games by activity key: sessions of ``activity_key`` count
    as ``entry``'s game (an approved game's own key differs). Only sessions of the same game
    and movement are compared; streaks and the week follow the prescription in ``entry``
    (:func:`~smarttouch.games.session.history.progress_of`); once today's session reached
    the hub (``uploaded``) the active-days streak is the hub's, which sees further back."""

    def local_key(hub_key: str | None) -> str:
        return entry.game if activity_key and hub_key == activity_key else hub_key or ""

    def reps_of(r: RecentSession) -> int:
        game_reps = r.get("game_reps")
        return int(game_reps if game_reps is not None else r.get("reps") or 0)

    past = [
        HistoryEntry(
            day=r["day"],
            game=local_key(r.get("game")),
            reps=reps_of(r),
            rom_deg=r.get("rom_deg"),
            sparc=r.get("sparc"),
            goal_met=bool(r.get("goal_met")),
            quit_reason=r.get("quit_reason") or "completed",
            movement=r.get("movement") or "",
        )
        for r in progress.get("recent", [])
        if r.get("session_id") != session_id
    ]
    view = progress_of(past, entry, today)
    if uploaded:
        view.streak_days = int(progress.get("streak_days", view.streak_days))
    return view
