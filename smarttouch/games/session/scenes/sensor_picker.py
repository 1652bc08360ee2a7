""" "Choose your sensor": the big-button screen ``smarttouch play`` shows when no sensor is
given or remembered (hub play, with a window).

The scan (a callable returning ``(address, name, rssi dBm, profile)`` rows, best first) runs in
a background thread so the window stays alive; found wearables become large buttons, followed by
"Scan again" and "Play without a sensor (keyboard practice)". Mouse, arrow keys + Enter and the
number keys 1-9 all choose. No Bluetooth adapter -> a friendly message plus the same two options.

:class:`SensorPicker` is the logic (testable without a screen); :func:`draw_picker` only draws;
:func:`run_picker` is the thin window loop.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pygame

from smarttouch.games.sdk import gfx
from smarttouch.games.sdk.messages import tr
from smarttouch.games.sdk.palette import BLUE, BLUISH_GREEN, INK, ORANGE, REDDISH_PURPLE, darken
from smarttouch.games.sdk.scenery import drifting_clouds, landscape
from smarttouch.sensors.scan import ScannedDevice

Row = ScannedDevice  # address, advertised name, rssi dBm, profile key
ScanFn = Callable[[], list[Row]]
MAX_DEVICES = 4  # buttons that fit on the 1280x720 canvas next to the two fixed options
RESCAN, KEYBOARD, QUIT = "rescan", "keyboard", "quit"


def signal_bars(rssi_dbm: int) -> int:
    """Signal strength as 1..4 bars (-55 dBm or better is 4; below -85 dBm is 1)."""
    return 4 if rssi_dbm >= -55 else 3 if rssi_dbm >= -67 else 2 if rssi_dbm >= -80 else 1


class SensorPicker:
    """State of the picker. ``status`` is scanning / found / none / no_adapter / error.

    ``handle_event`` returns ``("device", row)``, ``("keyboard", None)``, ``("quit", None)`` or
    None; "Scan again" starts a new scan itself.
    """

    def __init__(self, scan: ScanFn, is_no_adapter: Callable[[BaseException], bool]) -> None:
        self._scan = scan
        self._is_no_adapter = is_no_adapter
        self.rows: list[Row] = []
        self.status = "idle"
        self.error = ""
        self.focus = 0
        self._thread: threading.Thread | None = None
        self._result: tuple[list[Row] | None, BaseException | None] | None = None

    # --------------------------------------------------------------- scanning
    def start_scan(self) -> None:
        """Begin a scan in the background (ignored while one is running)."""
        if self.status == "scanning":
            return
        self.status, self.error, self.rows, self.focus, self._result = "scanning", "", [], 0, None

        def work() -> None:
            try:
                self._result = (list(self._scan()), None)
            except Exception as exc:
                self._result = (None, exc)

        self._thread = threading.Thread(target=work, name="sensor-scan", daemon=True)
        self._thread.start()

    def poll(self) -> None:
        """Take the finished scan's result, if any (call once a frame)."""
        if self.status != "scanning" or self._result is None:
            return
        rows, exc = self._result
        if exc is not None:
            self.status = "no_adapter" if self._is_no_adapter(exc) else "error"
            self.error = str(exc) or type(exc).__name__
        else:
            self.rows = (rows or [])[:MAX_DEVICES]
            self.status = "found" if self.rows else "none"
        # no radio at all: Enter goes straight to keyboard practice; otherwise to the first button
        self.focus = len(self.options()) - 1 if self.status == "no_adapter" else 0

    def wait(self, timeout_s: float = 30.0) -> None:
        """Block until the running scan ends, then :meth:`poll` (tests, headless use)."""
        if self._thread is not None:
            self._thread.join(timeout_s)
        self.poll()

    # --------------------------------------------------------------- choices
    def options(self) -> list[str]:
        """The buttons in order: ``device:<i>`` for each found wearable, then rescan, keyboard."""
        if self.status == "scanning":
            return [KEYBOARD]
        return [f"device:{i}" for i in range(len(self.rows))] + [RESCAN, KEYBOARD]

    def choose(self, option: str) -> tuple[str, Row | None] | None:
        if option == RESCAN:
            self.start_scan()
            return None
        if option.startswith("device:"):
            return "device", self.rows[int(option.partition(":")[2])]
        return option, None

    def handle_event(self, event: Any, size: tuple[int, int]) -> tuple[str, Row | None] | None:
        et = getattr(event, "type", None)
        opts = self.options()
        self.focus = min(self.focus, len(opts) - 1)
        if et == pygame.QUIT:
            return QUIT, None
        if et == pygame.KEYDOWN:
            key = event.key
            if key == pygame.K_ESCAPE:
                return QUIT, None
            if key in (pygame.K_DOWN, pygame.K_RIGHT, pygame.K_TAB):
                self.focus = (self.focus + 1) % len(opts)
            elif key in (pygame.K_UP, pygame.K_LEFT):
                self.focus = (self.focus - 1) % len(opts)
            elif key in (pygame.K_RETURN, pygame.K_KP_ENTER, pygame.K_SPACE):
                return self.choose(opts[self.focus])
            elif pygame.K_1 <= key <= pygame.K_9 and key - pygame.K_1 < len(opts):
                return self.choose(opts[key - pygame.K_1])
            elif pygame.K_KP1 <= key <= pygame.K_KP9 and key - pygame.K_KP1 < len(opts):
                return self.choose(opts[key - pygame.K_KP1])
        elif et == pygame.MOUSEBUTTONDOWN and getattr(event, "button", 1) == 1:
            for option, rect in zip(opts, layout(size, len(opts))):
                if rect.collidepoint(event.pos):
                    return self.choose(option)
        elif et == pygame.MOUSEMOTION:
            for i, rect in enumerate(layout(size, len(opts))):
                if rect.collidepoint(event.pos):
                    self.focus = i
        return None


# ------------------------------------------------------------------- drawing
def layout(size: tuple[int, int], n: int) -> list[pygame.Rect]:
    """Button rectangles (canvas pixels), stacked under the title, one per option."""
    w, h = size
    bw, bh, gap = min(900, w - 160), 76, 16
    area_top, area_bottom = 236, h - 48  # below the title and status text, inside the card
    stack = n * bh + (n - 1) * gap
    top = max(area_top, area_top + (area_bottom - area_top - stack) // 2)
    rects = []
    for i in range(n):
        r = pygame.Rect(0, 0, bw, bh)
        r.midtop = (w // 2, top + i * (bh + gap))
        rects.append(r)
    return rects


def _label(picker: SensorPicker, option: str, lang: str) -> tuple[str, tuple[int, int, int]]:
    if option == RESCAN:
        return tr("picker.rescan", lang), darken(BLUE, 0.05)
    if option == KEYBOARD:
        return tr("picker.keyboard", lang), darken(REDDISH_PURPLE, 0.35)
    address, name, rssi, _ = picker.rows[int(option.partition(":")[2])]
    bars = "▮" * signal_bars(rssi) + "▯" * (4 - signal_bars(rssi))
    label = tr("picker.device", lang, name=name or address, bars=bars, rssi=rssi)
    return label, darken(BLUISH_GREEN, 0.2)


def draw_picker(surface: pygame.Surface, picker: SensorPicker, lang: str, now: float = 0.0) -> None:
    """Draw the picker on the 1280x720 canvas: landscape, a card with the title and status,
    then the numbered buttons (the focused one ringed)."""
    w, h = surface.get_size()
    surface.blit(landscape((w, h)), (0, 0))
    drifting_clouds(surface, now)
    panel = pygame.Rect(60, 24, w - 120, h - 48)
    gfx.card(surface, panel, radius=32)
    gfx.draw_text(surface, tr("picker.title", lang), 56, (panel.centerx, panel.top + 60), darken(BLUE, 0.2))
    status = picker.status if picker.status != "idle" else "scanning"
    if status == "scanning":
        dots = "." * (1 + int(now * 2) % 3)
        message = tr("picker.scanning", lang) + dots
    else:
        message = tr(f"picker.{status}", lang, count=len(picker.rows), error=picker.error)
    colour = INK if status in ("scanning", "found") else darken(ORANGE, 0.45)
    gfx.draw_paragraph(
        surface, message, 30, pygame.Rect(panel.left + 70, panel.top + 110, panel.width - 140, 120), colour
    )
    opts = picker.options()
    for i, (option, rect) in enumerate(zip(opts, layout((w, h), len(opts)))):
        label, fill = _label(picker, option, lang)
        gfx.button(surface, rect, " ", fill, size=32, focused=picker.focus == i)
        badge = (rect.left + rect.height // 2 + 4, rect.centery)
        pygame.draw.circle(surface, darken(fill, 0.35), badge, rect.height // 2 - 12)
        gfx.draw_text(surface, str(i + 1), 30, badge, (255, 255, 255))
        text_w = rect.width - rect.height - 48
        gfx.draw_text(
            surface,
            label,
            gfx.fitting_size(label, 32, text_w),
            (rect.centerx + rect.height // 2, rect.centery),
            (255, 255, 255),
            outline=darken(fill, 0.45),
        )


# ------------------------------------------------------------------- window loop
def run_picker(
    scan: ScanFn,
    is_no_adapter: Callable[[BaseException], bool],
    *,
    lang: str = "en",
    headless: bool = False,
    fullscreen: bool = False,
    screenshot: Path | None = None,
    events: Callable[[SensorPicker, int], list[Any]] | None = None,
    max_frames: int | None = None,
) -> tuple[str, Row | None]:
    """Show the picker until the patient chooses; returns ``("device", row)``,
    ``("keyboard", None)`` or ``("quit", None)``.

    ``events(picker, frame)`` replaces the window's event queue (tests); ``screenshot`` saves
    the last frame drawn before the choice; ``max_frames`` ends with "quit" (tests)."""
    from smarttouch.games.session.runner import Screen, _init_pygame, _mapped

    pg = _init_pygame(headless)
    screen = Screen(pg, headless, fullscreen, tr("picker.title", lang))
    clock = pg.time.Clock()
    picker = SensorPicker(scan, is_no_adapter)
    picker.start_scan()
    frame, now = 0, 0.0
    try:
        while max_frames is None or frame < max_frames:
            picker.poll()
            draw_picker(screen.canvas, picker, lang, now)
            screen.present()
            queue = events(picker, frame) if events is not None else pg.event.get()
            for event in queue:
                choice = picker.handle_event(
                    _mapped(screen, event) if events is None else event, screen.canvas.get_size()
                )
                if choice is not None:
                    if screenshot is not None:
                        screenshot.parent.mkdir(parents=True, exist_ok=True)
                        pg.image.save(screen.canvas, str(screenshot))
                    return choice
            now += clock.tick(30) / 1000.0
            frame += 1
        return QUIT, None
    finally:
        if picker._thread is not None:
            picker._thread.join(0.1)
