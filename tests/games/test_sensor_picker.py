"""The "Choose your sensor" screen: a real virtual-BLE scan, the no-adapter path, keyboard
and mouse choice (headless, SDL dummy driver). The client's use of it: tests/client/test_sensor_choice.py."""

from __future__ import annotations

from pathlib import Path

import pygame

from smarttouch.games.sdk.messages import CATALOGUE
from smarttouch.games.session.scenes.sensor_picker import (
    KEYBOARD,
    QUIT,
    RESCAN,
    SensorPicker,
    layout,
    run_picker,
    signal_bars,
)
from smarttouch.sensors.scan import scan_wearables
from smarttouch.sensors.sources.ble import is_no_adapter_error
from tests.games.conftest import ROWS, key, no_adapter

SIZE = (1280, 720)
ARTIFACT = Path(__file__).resolve().parents[2] / "test-artifacts" / "games" / "sensor-picker.png"


def scanned(rows) -> SensorPicker:
    picker = SensorPicker(lambda: list(rows), is_no_adapter_error)
    picker.start_scan()
    picker.wait()
    return picker


def test_virtual_ble_scan_screen_and_screenshot():
    """A real scan on the in-process virtual link finds the virtual wearable; Enter picks it."""
    shots: list[str] = []

    def events(picker: SensorPicker, frame: int) -> list:
        if picker.status == "scanning":
            return []
        shots.append(picker.status)
        return [key(pygame.K_RETURN)]  # focus starts on the first (best) device

    kind, row = run_picker(
        lambda: scan_wearables(2.0, virtual="thingy52-raw"),
        is_no_adapter_error,
        headless=True,
        screenshot=ARTIFACT,
        events=events,
        max_frames=2000,
    )
    assert shots == ["found"]
    assert kind == "device" and row[3] == "thingy52-raw"
    assert ARTIFACT.stat().st_size > 10_000
    img = pygame.image.load(str(ARTIFACT))
    assert img.get_size() == SIZE


def test_no_adapter_shows_message_and_offers_keyboard():
    picker = SensorPicker(no_adapter, is_no_adapter_error)
    picker.start_scan()
    picker.wait()
    assert picker.status == "no_adapter" and picker.options() == [RESCAN, KEYBOARD]
    assert picker.focus == 1  # Enter means "practise with the keyboard"
    surface = pygame.Surface(SIZE)
    from smarttouch.games.session.scenes.sensor_picker import draw_picker

    draw_picker(surface, picker, "it")  # draws without a display
    assert picker.handle_event(key(pygame.K_2), SIZE) == (KEYBOARD, None)


def test_other_scan_failure_and_empty_scan():
    def broken() -> list:
        raise RuntimeError("radio busy")

    picker = SensorPicker(broken, is_no_adapter_error)
    picker.start_scan()
    picker.wait()
    assert picker.status == "error" and "radio busy" in picker.error
    assert scanned([]).status == "none"


def test_keyboard_navigation_numbers_and_rescan():
    picker = scanned(ROWS)
    assert picker.options() == ["device:0", "device:1", RESCAN, KEYBOARD]
    assert picker.handle_event(key(pygame.K_DOWN), SIZE) is None and picker.focus == 1
    assert picker.handle_event(key(pygame.K_RETURN), SIZE) == ("device", ROWS[1])
    picker.handle_event(key(pygame.K_UP), SIZE)
    picker.handle_event(key(pygame.K_UP), SIZE)
    assert picker.focus == 3  # wraps round to the last option
    assert picker.handle_event(key(pygame.K_1), SIZE) == ("device", ROWS[0])
    assert picker.handle_event(key(pygame.K_9), SIZE) is None  # no 9th option
    assert picker.handle_event(key(pygame.K_ESCAPE), SIZE) == (QUIT, None)
    assert picker.handle_event(key(pygame.K_3), SIZE) is None  # "Scan again"
    assert picker.status == "scanning" and picker.options() == [KEYBOARD]
    picker.wait()
    assert picker.status == "found" and picker.focus == 0


def test_mouse_click_and_hover():
    picker = scanned(ROWS)
    rects = layout(SIZE, len(picker.options()))
    assert all(r.height >= 70 for r in rects)
    assert all(a.bottom < b.top for a, b in zip(rects, rects[1:]))  # no overlap
    assert all(pygame.Rect(0, 0, *SIZE).contains(r) for r in rects)
    picker.handle_event(
        pygame.event.Event(pygame.MOUSEMOTION, pos=rects[2].center, rel=(0, 0), buttons=(0, 0, 0)), SIZE
    )
    assert picker.focus == 2
    click = pygame.event.Event(pygame.MOUSEBUTTONDOWN, pos=rects[3].center, button=1)
    assert picker.handle_event(click, SIZE) == (KEYBOARD, None)


def test_signal_bars_and_catalogue_in_both_languages():
    assert [signal_bars(r) for r in (-40, -60, -75, -95)] == [4, 3, 2, 1]
    keys = {k for k in CATALOGUE["en"] if k.startswith("picker.")}
    assert len(keys) >= 8 and keys == {k for k in CATALOGUE["it"] if k.startswith("picker.")}
