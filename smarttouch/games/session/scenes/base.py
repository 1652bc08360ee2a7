"""What every scene has: a name, ``enter``, ``update`` (logic), ``handle_event`` and ``draw``."""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any

import pygame

from smarttouch.scoring.control import ControlState


class Scene(ABC):
    name = "scene"

    def __init__(self) -> None:
        self.age_s = 0.0

    def enter(self, app: Any) -> None:
        self.age_s = 0.0

    def update(self, app: Any, control: ControlState, dt: float) -> None:
        self.age_s += dt

    def handle_event(self, app: Any, event: Any) -> None:
        """Keys and clicks the scene cares about (the stop menu has already had its turn)."""

    @abstractmethod
    def draw(self, app: Any, surface: pygame.Surface) -> None:
        """Draw the scene (no game logic here: ``update`` has already run)."""


def is_continue(event: Any) -> bool:
    """A key press or a click meaning "go on" (arrow keys are left to keyboard movement)."""
    et = getattr(event, "type", None)
    if et == pygame.KEYDOWN:
        return event.key in (pygame.K_RETURN, pygame.K_SPACE, pygame.K_KP_ENTER)
    return et == pygame.MOUSEBUTTONDOWN
