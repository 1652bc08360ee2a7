"""Local progress between sessions: the last sessions of the same game and movement, the
week against the prescription, streaks of active sessions, badges.

Kept as a small JSON file in the user's data folder (``platformdirs``), path injectable for
tests. The patient client may pass progress from the hub instead; both produce a
``ProgressView`` for the summary screen.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field
from datetime import date, timedelta
from pathlib import Path

from smarttouch.files import atomic_write_json
from smarttouch.paths import user_data_path


def default_data_dir() -> Path:
    """The per-user folder where games keep their files (override: SMARTTOUCH_GAMES_DATA)."""
    env = os.environ.get("SMARTTOUCH_GAMES_DATA")
    if env:
        return Path(env)
    return user_data_path("games")


@dataclass
class HistoryEntry:
    """One finished session as the summary screen remembers it.

    day: ISO date; game and movement: what was played (sessions are compared only with the
    same game and movement); reps: reps done in the play phases; rom_deg: widest counted rep
    in degrees (None without reps); sparc: mean smoothness (SPARC, closer to 0 is smoother)
    or None; success_rate: 0..1 or None; goal_met: reps >= today's goal; quit_reason: why it
    ended; week_goal: the prescription's sessions per week, when there was one; session_id:
    the session's UUID (empty in files written before it was kept), so saving a session again
    replaces its entry.
    """

    day: str
    game: str
    reps: int
    rom_deg: float | None = None
    sparc: float | None = None
    success_rate: float | None = None
    goal_met: bool = False
    quit_reason: str = "completed"
    movement: str = ""
    week_goal: int | None = None
    session_id: str = ""

    @property
    def active(self) -> bool:
        """A session with at least one repetition: only these count in streaks and weeks."""
        return self.reps > 0

    def same_exercise(self, other: HistoryEntry) -> bool:
        return self.game == other.game and self.movement == other.movement


@dataclass
class ProgressView:
    """What the summary screen shows about the past (today excluded unless stated).

    previous: the last session of the same game and movement (None: the first one);
    recent: the last sessions of that game and movement, oldest first, today's last;
    streak_days: active days in a row (sessions with repetitions); week_done: active sessions
    of this exercise in this week (Monday to Sunday, today's included); week_goal: the
    prescription's sessions per week (None without a plan); streak_weeks: weeks in a row that
    met the prescription (this week counts once met); badges: message keys earned today.
    """

    previous: HistoryEntry | None
    recent: list[HistoryEntry] = field(default_factory=list)
    streak_days: int = 0
    badges: list[str] = field(default_factory=list)  # message keys, e.g. "badge.goal"
    week_done: int = 0
    week_goal: int | None = None
    streak_weeks: int = 0


def streak(days: list[str], today: date) -> int:
    """Active days in a row ending today (or yesterday, when today is not yet active)."""
    active = {date.fromisoformat(d) for d in days}
    cur = today if today in active else today - timedelta(days=1)
    n = 0
    while cur in active:
        n += 1
        cur -= timedelta(days=1)
    return n


def week_start(day: date) -> date:
    """The Monday of ``day``'s week."""
    return day - timedelta(days=day.weekday())


def weeks_on_plan(days: list[str], today: date, per_week: int) -> int:
    """Weeks in a row, back from this one, with at least ``per_week`` sessions (one entry in
    ``days`` per active session). This week counts once it is met; while it is still open it
    neither counts nor breaks the streak."""
    counts: dict[date, int] = {}
    for d in days:
        monday = week_start(date.fromisoformat(d))
        counts[monday] = counts.get(monday, 0) + 1
    cur = week_start(today)
    n = 0
    if counts.get(cur, 0) >= per_week:
        n += 1
    cur -= timedelta(days=7)
    while counts.get(cur, 0) >= per_week:
        n += 1
        cur -= timedelta(days=7)
    return n


def progress_of(past: list[HistoryEntry], entry: HistoryEntry, today: date) -> ProgressView:
    """The summary's view of ``entry`` against ``past`` (oldest first, today's excluded): the
    same game and movement only, streaks and weeks over sessions with repetitions, the week
    following ``entry.week_goal`` (the prescription)."""
    same = [e for e in past if e.same_exercise(entry)]
    previous = same[-1] if same else None
    active_all = [e for e in [*past, entry] if e.active]
    days = streak([e.day for e in active_all], today)
    exercise_days = [e.day for e in [*same, entry] if e.active]
    monday = week_start(today)
    week_done = sum(1 for d in exercise_days if week_start(date.fromisoformat(d)) == monday)
    goal = entry.week_goal
    weeks = weeks_on_plan(exercise_days, today, goal) if goal else 0
    return ProgressView(
        previous=previous,
        recent=[*same[-9:], entry],
        streak_days=days,
        badges=earned_badges(entry, past, week_done=week_done, streak_weeks=weeks),
        week_done=week_done,
        week_goal=goal,
        streak_weeks=weeks,
    )


class History:
    """The local list of finished sessions."""

    def __init__(self, path: Path | None = None):
        self.path = Path(path) if path is not None else default_data_dir() / "history.json"
        self.entries: list[HistoryEntry] = self._load()

    def _load(self) -> list[HistoryEntry]:
        if not self.path.exists():
            return []
        try:
            raw = json.loads(self.path.read_text(encoding="utf-8"))
            return [HistoryEntry(**e) for e in raw.get("sessions", [])]
        except (ValueError, TypeError, KeyError):
            broken = self.path.with_suffix(".broken.json")
            os.replace(self.path, broken)  # keep it for inspection, start afresh
            return []

    def add(self, entry: HistoryEntry, today: date | None = None) -> ProgressView:
        """Record today's session and return the progress view (badges earned today). A
        session already recorded (same ``session_id``) is replaced in place, not added twice:
        it is saved when the game ends and again once the patient has said how they feel."""
        today = today or date.today()
        same = [
            i for i, e in enumerate(self.entries) if entry.session_id and e.session_id == entry.session_id
        ]
        before = [e for i, e in enumerate(self.entries) if i not in same]
        if same:
            self.entries[same[0]] = entry
        else:
            self.entries.append(entry)
        atomic_write_json(self.path, {"sessions": [asdict(e) for e in self.entries[-400:]]})
        return progress_of(before, entry, today)


def earned_badges(
    entry: HistoryEntry, before: list[HistoryEntry], *, week_done: int = 0, streak_weeks: int = 0
) -> list[str]:
    """Badges (message keys) earned by this session. A session without repetitions earns
    none; "best range" compares the same game and movement only; the weekly badges follow
    the prescription (``entry.week_goal``) and are earned by the session that meets it."""
    if not entry.active:
        return []
    out = []
    if not any(e.active for e in before):
        out.append("badge.first")
    if entry.goal_met:
        out.append("badge.goal")
    goal = entry.week_goal
    if goal and week_done == goal:  # this session completed the week's prescription
        out.append("badge.weeks3" if streak_weeks >= 3 else "badge.week_goal")
    total_before = sum(e.reps for e in before)
    if total_before < 100 <= total_before + entry.reps:
        out.append("badge.reps100")
    best = max(
        (e.rom_deg for e in before if e.same_exercise(entry) and e.active and e.rom_deg is not None),
        default=None,
    )
    if entry.rom_deg is not None and best is not None and entry.rom_deg > best + 1.0:
        out.append("badge.best_rom")
    if entry.success_rate is not None and entry.reps >= 5 and entry.success_rate >= 0.9:
        out.append("badge.accurate")
    return out
