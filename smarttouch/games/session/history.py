"""Local progress between sessions: the last sessions, the streak of active days, badges.

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

    day: ISO date; reps: reps done; rom_deg: widest rep in degrees (or None); sparc: mean
    smoothness (SPARC, closer to 0 is smoother) or None; success_rate: 0..1 or None;
    goal_met: reps >= today's goal; quit_reason: why it ended.
    """

    day: str
    game: str
    reps: int
    rom_deg: float | None = None
    sparc: float | None = None
    success_rate: float | None = None
    goal_met: bool = False
    quit_reason: str = "completed"


@dataclass
class ProgressView:
    """What the summary screen shows about the past (today excluded unless stated)."""

    previous: HistoryEntry | None
    recent: list[HistoryEntry] = field(default_factory=list)  # oldest first, today's last
    streak_days: int = 0
    badges: list[str] = field(default_factory=list)  # message keys, e.g. "badge.streak3"


def streak(days: list[str], today: date) -> int:
    """Active days in a row ending today (or yesterday, when today is not yet active)."""
    active = {date.fromisoformat(d) for d in days}
    cur = today if today in active else today - timedelta(days=1)
    n = 0
    while cur in active:
        n += 1
        cur -= timedelta(days=1)
    return n


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
        """Record today's session and return the progress view (badges earned today)."""
        today = today or date.today()
        before = list(self.entries)
        self.entries.append(entry)
        atomic_write_json(self.path, {"sessions": [asdict(e) for e in self.entries[-400:]]})
        same_game = [e for e in before if e.game == entry.game]
        previous = same_game[-1] if same_game else (before[-1] if before else None)
        days = streak([e.day for e in self.entries], today)
        recent = [e for e in same_game][-6:] + [entry]
        return ProgressView(
            previous=previous, recent=recent, streak_days=days, badges=earned_badges(entry, before, days)
        )


def earned_badges(entry: HistoryEntry, before: list[HistoryEntry], streak_days: int) -> list[str]:
    """Badges (message keys) earned by this session."""
    out = []
    if not before:
        out.append("badge.first")
    if entry.goal_met:
        out.append("badge.goal")
    if streak_days >= 7:
        out.append("badge.streak7")
    elif streak_days >= 3:
        out.append("badge.streak3")
    total_before = sum(e.reps for e in before)
    if total_before < 100 <= total_before + entry.reps:
        out.append("badge.reps100")
    best = max((e.rom_deg for e in before if e.game == entry.game and e.rom_deg is not None), default=None)
    if entry.rom_deg is not None and best is not None and entry.rom_deg > best + 1.0:
        out.append("badge.best_rom")
    if entry.success_rate is not None and entry.reps >= 5 and entry.success_rate >= 0.9:
        out.append("badge.accurate")
    return out
