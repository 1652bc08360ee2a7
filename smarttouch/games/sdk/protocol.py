"""The ``Game`` protocol: what a game must provide so the framework (and the challenges
harness) can run it. Written for outside developers too: see docs/game-protocol.md.

A game is a plain class. The framework owns the window, the loop, calibration, instructions,
rest, the stop button, sounds, praise, difficulty and the session record; the game owns only
its play screen: it turns ``ControlState`` updates into game state and events, and draws.
``update`` must not touch the screen, so game logic is testable without one.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, Protocol, runtime_checkable

from smarttouch.games.sdk.events import GameEvent
from smarttouch.games.sdk.messages import tr
from smarttouch.games.sdk.targets import PlanTargets

if TYPE_CHECKING:  # pragma: no cover - annotations only: listing games needs no pygame, no scoring
    import pygame

    from smarttouch.scoring.control import ControlState


@dataclass(frozen=True)
class GameInfo:
    """Who the game is for.

    Attributes:
        key: registry key, lowercase, e.g. "balloons".
        title: display title per language, e.g. {"en": "Balloon Pop", "it": "Scoppia i palloncini"}.
        movements: movements the game suits (simulator/scoring names); the first is the default.
        how_to: one or two sentences per language telling the patient what to do.
        rom_deg: a typical target range of motion for the default movement, in degrees.
        max_rom_deg: a typical therapist ceiling for the default movement, in degrees.
        catalogue_title: the English name therapists see in the hub's activity catalogue,
            when it differs from ``title["en"]``.
        catalogue_titles: that name per language, e.g. {"en": "Balloon reach", "it": "Palloncini
            in alto"}; the hub shows the one of the page's language (see
            :meth:`catalogue_title_in`). A built-in game gives every hub language (en, it).
        description: one English sentence for therapists in the hub's catalogue: what the
            game trains and how.
    """

    key: str
    title: dict[str, str]
    movements: tuple[str, ...]
    how_to: dict[str, str] = field(default_factory=dict)
    rom_deg: float = 90.0
    max_rom_deg: float = 120.0
    catalogue_title: str = ""
    description: str = ""
    catalogue_titles: dict[str, str] = field(default_factory=dict)

    def title_in(self, lang: str) -> str:
        return self.title.get(lang) or self.title.get("en") or self.key

    def catalogue_title_in(self, lang: str) -> str:
        """The hub catalogue's title in ``lang``: ``catalogue_titles[lang]``; else the English
        catalogue name (``catalogue_titles["en"]`` or ``catalogue_title``); else, for a game
        with no catalogue name, its title in ``lang``."""
        if self.catalogue_titles.get(lang):
            return self.catalogue_titles[lang]
        return self.catalogue_titles.get("en") or self.catalogue_title or self.title_in(lang)

    def title_for_catalogue(self) -> str:
        """The hub catalogue's English title (what the catalogue stores)."""
        return self.catalogue_title_in("en")

    def how_to_in(self, lang: str) -> str:
        return self.how_to.get(lang) or self.how_to.get("en", "")


@dataclass
class Difficulty:
    """The live target the difficulty controller sets; games read it when placing a target.

    Attributes:
        target_rom_deg: where to place the next target, in degrees from neutral.
        max_rom_deg: the therapist's ceiling in degrees (target_rom_deg never exceeds it).
        rom_max_deg: the calibrated comfortable maximum in degrees (position 1.0).
        level: 0..1, how demanding the game's other knobs should be (speed, hold time...).
        tolerance_deg: how close to the target counts as reaching it, in degrees.
    """

    target_rom_deg: float
    max_rom_deg: float
    rom_max_deg: float
    level: float = 0.5
    tolerance_deg: float = 6.0

    @property
    def target_position(self) -> float:
        """The target as a 0..1 position across the calibrated range."""
        if self.rom_max_deg <= 0:
            return 1.0
        return min(1.0, max(0.05, min(self.target_rom_deg, self.max_rom_deg) / self.rom_max_deg))

    @property
    def tolerance_position(self) -> float:
        """The tolerance as a fraction of the calibrated range."""
        return self.tolerance_deg / self.rom_max_deg if self.rom_max_deg > 0 else 0.05


@dataclass
class GameContext:
    """Everything a game may use, handed to ``Game.start``.

    Attributes:
        targets: the session's targets (reps, sets, ROM, note, language).
        movement: the movement being trained.
        difficulty: the live difficulty (read it each time a new target is placed).
        rng: a seeded random generator (use it, not ``random``, so tests are repeatable).
        data_dir: a folder this game may keep state in between sessions, or None.
        size: the canvas size in pixels (1280x720 by default).
    """

    targets: PlanTargets
    movement: str
    difficulty: Difficulty
    rng: random.Random
    data_dir: Path | None = None
    size: tuple[int, int] = (1280, 720)

    @property
    def lang(self) -> str:
        return self.targets.lang

    def tr(self, key: str, **values: Any) -> str:
        return tr(key, self.lang, **values)


@runtime_checkable
class Game(Protocol):
    """A motion mini-game.

    ``info`` is a class attribute. The framework calls, in order: ``start(ctx)`` once;
    ``update(control, dt)`` every fixed step (1/60 s) while the play scene is active, which
    returns the events of that step; ``draw(surface)`` once per displayed frame; ``finish()``
    once at the end (save any state). ``snapshot()`` may be called at any time.
    """

    info: ClassVar[GameInfo]

    def start(self, ctx: GameContext) -> None: ...

    def update(self, control: ControlState, dt: float) -> list[GameEvent]: ...

    def draw(self, surface: pygame.Surface) -> None: ...

    def snapshot(self) -> dict[str, Any]: ...

    def finish(self) -> None: ...


def check_game_class(cls: type) -> list[str]:
    """Problems that stop ``cls`` from being used as a game (empty list = fine)."""
    problems = []
    info = getattr(cls, "info", None)
    if not isinstance(info, GameInfo):
        problems.append("class attribute 'info' must be a smarttouch.games.sdk.protocol.GameInfo")
    elif not info.movements:
        problems.append("info.movements must name at least one movement")
    for name in ("start", "update", "draw", "snapshot", "finish"):
        if not callable(getattr(cls, name, None)):
            problems.append(f"missing method {name}()")
    return problems
