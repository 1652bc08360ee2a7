"""Screenshots of every scene of every built-in game, English and Italian, in a 1280x720 and a
1920x1080 window, written under test-artifacts/games/<lang>-<W>x<H>/ for people to look at.

The motion is scripted (a smooth rep every 5 s); the patient presses Enter on the
instructions once they have been read, as the self-paced instructions wait for it.
"""

from __future__ import annotations

import pygame
import pytest

from smarttouch.games.sdk.registry import game_keys, get_game
from smarttouch.games.sdk.targets import PlanTargets
from smarttouch.games.session.app import AppConfig, SessionApp
from smarttouch.games.session.inputs.position import PositionInput
from smarttouch.games.session.runner import RunOptions, run_session
from tests.games.conftest import ARTIFACTS, rep_wave

SIZES = [(1280, 720), (1920, 1080)]
SCENES = ("calibration", "instructions", "play", "rest", "summary")


def press_enter_after_reading(app: SessionApp) -> None:
    if app.scene.name == "instructions" and app.scene.age_s > 2.5:
        app.handle_event(pygame.event.Event(pygame.KEYDOWN, key=pygame.K_RETURN, mod=0, unicode="\r"))


@pytest.mark.parametrize("size", SIZES, ids=[f"{w}x{h}" for w, h in SIZES])
@pytest.mark.parametrize("lang", ["en", "it"])
@pytest.mark.parametrize("key", game_keys())
def test_every_scene_has_a_screenshot(key, lang, size, tmp_path) -> None:
    info = get_game(key).info
    folder = ARTIFACTS / f"{lang}-{size[0]}x{size[1]}"
    for scene in SCENES:
        (folder / f"{key}-{scene}.png").unlink(missing_ok=True)
    targets = PlanTargets(
        game=key,
        movement=info.movements[0],
        target_rom_deg=info.rom_deg,
        max_rom_deg=info.max_rom_deg,
        reps=3,
        sets=2,
        rest_s=8.0,
        lang=lang,
        therapist_note="Slow and steady: breathe out as you lift."
        if lang == "en"
        else "Piano e con calma: espira mentre sollevi.",
    )
    opts = RunOptions(
        headless=True,
        sound=False,
        draw_every=1000,
        screenshot_dir=folder,
        screenshot_scenes=True,
        screenshot_after_s=2.0,
        play_screenshot_after_s=9.0,
        window_size=size,
        config=AppConfig(instructions_s=None, summary_hold_s=3.0, seed=2),
    )
    result = run_session(
        targets,
        PositionInput(rep_wave(period_s=5.0, move_s=3.6), rom_deg=info.rom_deg),
        options=opts,
        data_dir=tmp_path,
        on_step=press_enter_after_reading,
    )
    assert result.quit_reason == "completed"
    for scene in SCENES:
        path = folder / f"{key}-{scene}.png"
        assert path.exists(), path
        assert pygame.image.load(str(path)).get_size() == size
