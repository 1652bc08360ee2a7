"""What every scene has: a name, ``enter``, ``update`` (logic), ``handle_event`` and ``draw``,
and what it may use of the session that hosts it (:class:`SceneHost`)."""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import TYPE_CHECKING, Any, Protocol

import pygame

from smarttouch.games.sdk.events import GameEvent
from smarttouch.games.sdk.layout import DrawnRects
from smarttouch.games.sdk.protocol import Game
from smarttouch.games.sdk.targets import PlanTargets
from smarttouch.scoring.control import ControlState

if TYPE_CHECKING:  # pragma: no cover
    from smarttouch.games.sdk.trophy import Trophy
    from smarttouch.games.session.app import AppConfig
    from smarttouch.games.session.feedback import Feedback
    from smarttouch.games.session.feelings import Rating
    from smarttouch.games.session.history import ProgressView
    from smarttouch.games.session.inputs.base import InputDevice
    from smarttouch.games.session.phases import RepGate
    from smarttouch.games.session.result import SessionResult
    from smarttouch.games.session.sound import SoundBank


class SceneHost(Protocol):
    """The session as its scenes see it (``SessionApp`` is the one implementation): what they
    read (times in seconds on the session clock) and what they may ask it to do."""

    config: AppConfig
    targets: PlanTargets
    movement: str
    game: Game
    device: InputDevice
    sound: SoundBank
    feedback: Feedback
    now: float
    control: ControlState
    reps: int
    score: int
    set_index: int
    rom_max_deg: float | None
    result: SessionResult | None
    progress: ProgressView | None
    finished: bool
    rep_gate: RepGate
    layout: DrawnRects
    size: tuple[int, int]
    feelings: list[Rating]
    trophy: Trophy | None

    def tr(self, key: str, **values: Any) -> str: ...

    def speak(self, text: str) -> None: ...

    def log(self, kind: str, **data: Any) -> GameEvent: ...

    def goto(self, scene: Scene, log: bool = True) -> None: ...

    def apply_calibration(self, rom_max_deg: float, preset: bool = False, **extra: Any) -> None: ...

    def start_game(self) -> None: ...

    def on_game_events(self, events: list[GameEvent]) -> None: ...

    def request_stop(self, reason: str, note: str = "") -> None: ...

    def unanswered_feelings(self, moment: str) -> list[str]: ...

    def rate_feeling(self, moment: str, scale: str, value: int | None) -> None: ...

    def feelings_done(self, moment: str) -> None: ...


class Scene(ABC):
    name = "scene"
    captures_input = False  # True: keys and clicks stay in the scene, the input device never sees them

    def __init__(self) -> None:
        self.age_s = 0.0

    def enter(self, app: SceneHost) -> None:
        self.age_s = 0.0

    def update(self, app: SceneHost, control: ControlState, dt: float) -> None:
        self.age_s += dt

    def handle_event(self, app: SceneHost, event: pygame.event.Event) -> None:
        """Keys and clicks the scene cares about (the stop menu has already had its turn)."""

    @abstractmethod
    def draw(self, app: SceneHost, surface: pygame.Surface) -> None:
        """Draw the scene (no game logic here: ``update`` has already run)."""


def is_continue(event: Any) -> bool:
    """A key press or a click meaning "go on" (arrow keys are left to keyboard movement)."""
    et = getattr(event, "type", None)
    if et == pygame.KEYDOWN:
        return event.key in (pygame.K_RETURN, pygame.K_SPACE, pygame.K_KP_ENTER)
    return et == pygame.MOUSEBUTTONDOWN
