"""Layout that never hides the goal: every built-in game played headless with several
calibrations; on every frame, the rectangles the scenes report (top bar, Stop, targets,
praise, points, counters, the framework cards' texts) must not overlap where they must not
(``sdk.layout.clashes``)."""

from __future__ import annotations

import math
from collections import Counter

import pygame
import pytest

from smarttouch.games.sdk.layout import PRAISE, STOP, TARGET, TOPBAR, clashes
from smarttouch.games.sdk.registry import game_keys, get_game
from smarttouch.games.sdk.targets import PlanTargets
from smarttouch.games.session.app import AppConfig, SessionApp
from smarttouch.games.session.inputs.position import PositionInput

STEP_S = 1.0 / 60.0


def patient(t: float) -> float:
    """Scripted motion, 0..1 of the calibrated range: still for 3 s, then a cycle of three
    repetitions: to the very top with a 1.2 s hold, a short one (a miss), a quick full one."""
    if t < 3.0:
        return 0.0
    c = (t - 3.0) % 9.0
    shapes = ((0.0, 1.4, 1.2, 1.0), (4.0, 1.0, 0.0, 0.45), (6.2, 0.9, 0.0, 1.0))
    for start, rise, hold, peak in shapes:
        if start <= c < start + 2 * rise + hold:
            x = c - start
            if x < rise:
                return peak * (0.5 - 0.5 * math.cos(math.pi * x / rise))
            if x < rise + hold:
                return peak
            return peak * (0.5 + 0.5 * math.cos(math.pi * (x - rise - hold) / rise))
    return 0.0


# comfortable maximum (degrees) as calibrated, None = run the calibration scene
CALIBRATIONS = {
    "tiny": 10.0,  # a very small range: every target sits at the top of the band
    "at-max": "max",  # the calibrated maximum equals the therapist's: targets near the top
    "wide": 170.0,  # a wide range: targets low in the band
    "calibrated": None,
}


def play(key: str, calibration: float | str | None, lang: str) -> tuple[list[str], Counter[str]]:
    info = get_game(key).info
    targets = PlanTargets(
        game=key,
        movement=info.movements[0],
        target_rom_deg=info.rom_deg,
        max_rom_deg=info.max_rom_deg,
        reps=3,
        sets=2,
        rest_s=3.0,
        lang=lang,
        therapist_note="Piano e con calma" if lang == "it" else "Slow and steady",
    )
    preset = info.max_rom_deg if calibration == "max" else calibration
    assert preset is None or isinstance(preset, float)
    device = PositionInput(patient, rom_deg=info.rom_deg)
    app = SessionApp(
        get_game(key)(),
        targets,
        device,
        config=AppConfig(instructions_s=2.0, summary_hold_s=1.0, preset_rom_max_deg=preset, seed=5),
    )
    canvas = pygame.Surface((1280, 720))
    # The check reads the rectangles the scenes report, never the pixels (those are the
    # screenshot tests'): with an empty clip area every draw call still runs and reports, but
    # writes no pixel, which was nine tenths of a frame's time.
    canvas.set_clip(pygame.Rect(0, 0, 0, 0))
    problems: list[str] = []
    kinds_found: set[tuple[str, str, str]] = set()
    seen: Counter[str] = Counter()
    while not app.finished and app.now < 150.0:
        app.step(STEP_S)
        app.draw(canvas)
        for kind, _ in app.layout.items():
            seen[f"{app.scene.name}:{kind}"] += 1
        for clash in clashes(app.layout):
            which = (app.scene.name, clash[0], clash[2])
            if which not in kinds_found:  # the first frame of each kind of clash
                kinds_found.add(which)
                problems.append(f"{app.scene.name} at {app.now:.2f} s: {clash}")
    assert app.finished, "the session did not end"
    return problems, seen


@pytest.fixture(scope="module", autouse=True)
def _display() -> None:
    pygame.display.init()
    pygame.font.init()


@pytest.mark.parametrize("calibration", list(CALIBRATIONS), ids=list(CALIBRATIONS))
@pytest.mark.parametrize("key", game_keys())
def test_nothing_hides_the_goal(key, calibration) -> None:
    lang = "it" if calibration in ("tiny", "calibrated") else "en"
    problems, seen = play(key, CALIBRATIONS[calibration], lang)
    assert not problems, "\n".join(problems)
    # the check saw what it is about: the top bar, Stop and a target on play frames, praise
    for kind in (TOPBAR, STOP, TARGET, PRAISE):
        assert seen[f"play:{kind}"] > 0, (kind, seen)
    for kind in ("countdown", "figure"):
        assert seen[f"rest:{kind}"] > 0, (kind, seen)
    assert seen["instructions:demo"] > 0, seen


def test_clashes_are_found() -> None:
    """The check itself: a target under the top bar and praise on a target are reported."""
    from smarttouch.games.sdk.layout import DrawnRects

    drawn = DrawnRects()
    drawn.add(TOPBAR, (16, 14, 1048, 82))
    drawn.add(TARGET, (600, 60, 92, 115))
    drawn.add(PRAISE, (500, 90, 300, 80))
    drawn.add("player", (610, 70, 60, 60))  # the player may reach the target
    found = {(a, b) for a, _, b, _ in clashes(drawn)}
    assert found == {(TOPBAR, TARGET), (TOPBAR, PRAISE), (TARGET, PRAISE), (TOPBAR, "player")}
