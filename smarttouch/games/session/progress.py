"""The patient's lasting progress across sessions: every game's world, the weekly goal and a
gentle daily challenge, kept in one small file per patient in the local data folder.

* **Worlds**: each game's points add up across sessions; its :class:`WorldGrowth` (declared
  in its ``GameInfo``) turns them into a level. The game's own kept data (``WorldState.data``)
  is saved with it.
* **Weekly goal**: the prescription's sessions per week (``PlanTargets.sessions_per_week``),
  counted per exercise of the plan (its assignment; the game when played without a plan), as
  the hub counts a week's adherence; a session counts when at least one repetition was done.
  No prescription, no weekly goal. ``week`` holds ``start`` (Monday), ``sessions`` (all
  exercises) and ``by`` / ``goals`` per exercise.
* **Daily challenge**: one gentle goal per day, the same all day, alternating by date between
  "reach the target N times" (N = half of one set, at least 2) and "finish every set".

The file is written atomically (temporary file and rename) after every session, so a crash
never leaves it half-written. A damaged file is moved aside as ``NAME.corrupt-<time>`` (kept
for inspection), :attr:`ProgressStore.problem` says so in plain words, and a fresh progress
starts. The whole state travels with each session upload (``SessionResult.progress``); the
hub keeps the latest and gives it back to a reinstalled client (:func:`restore_if_missing`).
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from smarttouch.files import atomic_write_json
from smarttouch.games.sdk.protocol import GameInfo
from smarttouch.games.sdk.targets import PlanTargets
from smarttouch.games.sdk.world import WorldState

SCHEMA = "smarttouch.progress/1"
CHALLENGE_KINDS = ("good_reps", "all_sets")


class ProgressFileError(ValueError):
    """A progress document that cannot be read; the message says why."""


def week_start(day: date) -> date:
    """The Monday of ``day``'s week."""
    return day - timedelta(days=day.weekday())


def daily_challenge(day: date, targets: PlanTargets) -> dict[str, Any]:
    """Today's gentle challenge for ``targets``: a kind and its goal (see module docstring)."""
    kind = CHALLENGE_KINDS[day.toordinal() % len(CHALLENGE_KINDS)]
    goal = max(2, math.ceil(targets.reps / 2)) if kind == "good_reps" else targets.sets
    return {"date": day.isoformat(), "kind": kind, "goal": int(goal), "done": 0, "completed": False}


@dataclass
class GameWorld:
    points: int = 0
    sessions: int = 0
    data: dict[str, Any] = field(default_factory=dict)


@dataclass
class ProgressState:
    """Everything kept (see module docstring); ``updated_at`` is ISO UTC text."""

    games: dict[str, GameWorld] = field(default_factory=dict)
    week: dict[str, Any] = field(default_factory=dict)
    daily: dict[str, Any] = field(default_factory=dict)
    updated_at: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "schema": SCHEMA,
            "updated_at": self.updated_at,
            "games": {
                k: {"points": g.points, "sessions": g.sessions, "data": g.data}
                for k, g in sorted(self.games.items())
            },
            "week": dict(self.week),
            "daily": dict(self.daily),
        }

    @classmethod
    def from_dict(cls, d: Any) -> ProgressState:
        """Parse a progress document.

        Raises:
            ProgressFileError: not a progress document, or a value of the wrong kind.
        """
        if not isinstance(d, dict) or d.get("schema") != SCHEMA:
            raise ProgressFileError(f"not a progress document (schema {SCHEMA!r} expected)")
        try:
            games = {
                str(k): GameWorld(int(v["points"]), int(v["sessions"]), dict(v.get("data") or {}))
                for k, v in dict(d.get("games") or {}).items()
            }
            if any(g.points < 0 or g.sessions < 0 for g in games.values()):
                raise ValueError("negative points or sessions")
            return cls(
                games, dict(d.get("week") or {}), dict(d.get("daily") or {}), str(d.get("updated_at", ""))
            )
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise ProgressFileError(f"damaged progress document ({type(exc).__name__}: {exc})") from None


@dataclass
class ProgressUpdate:
    """What one session changed, for the summary.

    ``level_before``/``world`` (after), ``item`` (what a level is called), ``week_done`` and
    ``week_goal`` (None without a prescription), ``challenge`` (today's, after the session)
    and ``challenge_just_completed``; ``reset`` when a damaged file was set aside today.
    """

    level_before: int
    world: WorldState
    item: str
    week_done: int
    week_goal: int | None
    challenge: dict[str, Any]
    challenge_just_completed: bool
    reset: bool = False

    @property
    def levelled_up(self) -> bool:
        return self.world.level > self.level_before


class ProgressStore:
    """One patient's progress file (see module docstring)."""

    def __init__(self, path: Path, now: Callable[[], datetime] = lambda: datetime.now(UTC)):
        self.path = Path(path)
        self.now = now
        self.problem: str | None = None  # set when a damaged file was moved aside
        self.state = self._load()

    def _load(self) -> ProgressState:
        if not self.path.exists():
            return ProgressState()
        try:
            return ProgressState.from_dict(json.loads(self.path.read_text(encoding="utf-8")))
        except (OSError, ValueError) as exc:  # json errors and ProgressFileError are ValueErrors
            stamp = self.now().strftime("%Y%m%dT%H%M%S")
            backup = self.path.with_name(f"{self.path.name}.corrupt-{stamp}")
            self.path.replace(backup)
            self.problem = (
                f"The progress file {self.path} could not be read ({exc}); it was kept as "
                f"{backup.name} and a fresh progress was started."
            )
            return ProgressState()

    def save(self) -> None:
        atomic_write_json(self.path, self.state.to_dict())

    def world_for(self, info: GameInfo) -> WorldState:
        g = self.state.games.get(info.key, GameWorld())
        return info.world.state(g.points, dict(g.data))

    def challenge_for(self, day: date, targets: PlanTargets) -> dict[str, Any]:
        """Today's challenge (kept for the day once chosen)."""
        daily = self.state.daily
        if daily.get("date") == day.isoformat():
            return dict(daily)
        return daily_challenge(day, targets)

    def record_session(
        self,
        info: GameInfo,
        targets: PlanTargets,
        *,
        day: date,
        score: int,
        reps: int,
        good_reps: int,
        sets_completed: int,
        world_data: dict[str, Any] | None = None,
    ) -> ProgressUpdate:
        """Add one finished session (its points, reps, sets) and save. Returns the change."""
        game = self.state.games.setdefault(info.key, GameWorld())
        before = info.world.state(game.points).level
        game.points += max(0, int(score))
        if reps > 0:
            game.sessions += 1
        if world_data is not None:
            game.data = dict(world_data)
        monday = week_start(day).isoformat()
        week: dict[str, Any] = (
            self.state.week if self.state.week.get("start") == monday else {"start": monday, "sessions": 0}
        )
        exercise = str(targets.assignment_id) if targets.assignment_id is not None else targets.game
        by: dict[str, int] = dict(week.get("by") or {})
        goals: dict[str, int | None] = dict(week.get("goals") or {})
        if reps > 0:
            week["sessions"] = int(week.get("sessions", 0)) + 1
            by[exercise] = int(by.get(exercise, 0)) + 1
        goal = targets.sessions_per_week
        goals[exercise] = goal
        week["by"], week["goals"] = by, goals
        self.state.week = week
        challenge = self.challenge_for(day, targets)
        was_done = bool(challenge.get("completed"))
        progress = good_reps if challenge["kind"] == "good_reps" else sets_completed
        challenge["done"] = max(int(challenge.get("done", 0)), int(progress))
        challenge["completed"] = challenge["done"] >= int(challenge["goal"])
        self.state.daily = challenge
        self.state.updated_at = self.now().isoformat(timespec="seconds")
        self.save()
        return ProgressUpdate(
            level_before=before,
            world=info.world.state(game.points, game.data),
            item=info.world.item_in(targets.lang),
            week_done=int(by.get(exercise, 0)),
            week_goal=goal,
            challenge=dict(challenge),
            challenge_just_completed=bool(challenge["completed"]) and not was_done,
            reset=self.problem is not None,
        )


def restore_if_missing(path: Path, fetch: Callable[[], dict[str, Any] | None]) -> bool:
    """When there is no local progress file (a fresh install), write the one ``fetch``
    returns (the hub's copy). True when a copy was restored. A copy that does not parse is
    not written."""
    if Path(path).exists():
        return False
    doc = fetch()
    if not doc:
        return False
    try:
        ProgressState.from_dict(doc)
    except ProgressFileError:
        return False
    atomic_write_json(Path(path), doc)
    return True
