"""Helpers for the games tests: scripted motion, artifacts folder, headless options, and scan
rows and key presses for the "Choose your sensor" screen (also used by the client's tests)."""

from __future__ import annotations

import math
from pathlib import Path

import pygame
import pytest

from smarttouch.games.session.app import AppConfig
from smarttouch.games.session.runner import RunOptions

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "games"


def rep_wave(lead_in_s: float = 2.5, period_s: float = 5.0, move_s: float = 4.0, peak: float = 0.95):
    """Position 0..1 over time: still for ``lead_in_s``, then one smooth rep every ``period_s``."""

    def position(t: float) -> float:
        if t < lead_in_s:
            return 0.0
        c = (t - lead_in_s) % period_s
        if c >= move_s:
            return 0.0
        return peak * (0.5 - 0.5 * math.cos(2 * math.pi * c / move_s))

    return position


def fast_options(**kw) -> RunOptions:
    cfg = kw.pop("config", None) or AppConfig(instructions_s=2.0, summary_hold_s=1.0)
    return RunOptions(headless=True, sound=False, draw_every=kw.pop("draw_every", 1000), config=cfg, **kw)


@pytest.fixture
def artifacts() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS


# two wearables as a scan lists them: address, advertised name, rssi dBm, profile
ROWS = [
    ("AA:BB:CC:DD:EE:01", "Thingy", -50, "thingy52-raw"),
    ("AA:BB:CC:DD:EE:02", "SmartTouch IMU", -78, "smarttouch-imu"),
]


def key(k: int) -> pygame.event.Event:
    return pygame.event.Event(pygame.KEYDOWN, key=k, mod=0, unicode="")


def no_adapter() -> list:
    raise FileNotFoundError("no D-Bus system bus")
