"""Starter game for the shoulder-reach-game challenge: make it delightful!

``RepGame`` (smarttouch.games.sdk.basegame) does the bookkeeping the harness checks: one ``rep``
event per repetition the tracker completes, a ``hit`` when the target is reached, points.
You write the look: ``on_*`` hooks to react, ``animate`` to move things (no drawing there) and
``draw`` to paint the 1280x720 canvas (keep the top 110 px free for the framework's bar).
Try it: ``smarttouch challenge validate .`` (the hub's harness, with screenshots via
``smarttouch challenge evaluate . --challenge shoulder-reach-game --split public --artifacts shots``).
"""

from __future__ import annotations

import pygame

from smarttouch.games.sdk.basegame import RepGame
from smarttouch.games.sdk.palette import BLUISH_GREEN, INK, ORANGE, SKY_BLUE, YELLOW
from smarttouch.games.sdk.protocol import GameInfo


class ReachGame(RepGame):
    info = GameInfo(
        key="reach-kite",
        title={"en": "Kite", "it": "Aquilone"},
        movements=("shoulder_flexion",),
        how_to={
            "en": "Raise your arm to lift the kite to the clouds, then lower it slowly.",
            "it": "Alza il braccio per portare l'aquilone alle nuvole, poi abbassalo piano.",
        },
        rom_deg=90.0,
        max_rom_deg=150.0,
    )

    def on_start(self) -> None:
        self.stars = 0
        self.glow = 0.0

    def on_hit(self, control) -> list:
        self.glow = 1.0
        return []

    def on_rep_completed(self, rep, success: bool) -> list:
        if success:
            self.stars += 1
        return []

    def animate(self, control, dt: float) -> None:
        self.glow = max(0.0, self.glow - dt)

    def draw(self, surface) -> None:
        w, h = surface.get_size()
        surface.fill(SKY_BLUE)
        top, bottom = 150, h - 60
        target_y = bottom + (top - bottom) * self.target_position
        pygame.draw.line(surface, ORANGE, (0, target_y), (w, target_y), 6)
        kite_y = bottom + (top - bottom) * self.position
        size = 40 + 20 * self.glow
        points = [
            (w / 2, kite_y - size),
            (w / 2 + size * 0.7, kite_y),
            (w / 2, kite_y + size),
            (w / 2 - size * 0.7, kite_y),
        ]
        pygame.draw.polygon(surface, YELLOW if self.reached else BLUISH_GREEN, points)
        pygame.draw.polygon(surface, INK, points, 4)
        pygame.draw.line(surface, INK, (w / 2, kite_y + size), (w / 2 - 80, h), 2)
        for i in range(min(self.stars, 20)):
            pygame.draw.circle(surface, YELLOW, (40 + i * 50, h - 30), 16)
