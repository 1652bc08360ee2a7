"""The therapist's newest unread message is shown on the instructions screen, in a banner of
its own above the panel (the countdown and the exercise note keep their places), shortened
when long; it never goes into the session's saved targets."""

from __future__ import annotations

from pathlib import Path

import pygame

from smarttouch.games.sdk.targets import PlanTargets
from smarttouch.games.session.app import AppConfig
from smarttouch.games.session.inputs import RecordingInput
from smarttouch.games.session.runner import run_session
from smarttouch.games.session.scenes.instructions import MESSAGE_CHARS, _shortened
from smarttouch.games.session.sensors import simulate_targets
from tests.games.conftest import fast_options

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "hub"
BANNER_FILL = (255, 243, 214)


def test_the_message_banner_is_drawn_above_the_instructions(tmp_path) -> None:
    message = "Oggi sessione breve: fermati se senti dolore. " * 6
    targets = PlanTargets(
        game="balloons",
        movement="shoulder_flexion",
        reps=2,
        sets=1,
        lang="it",
        therapist_note="Braccio su piano",
        messages=("vecchio", message),
    )
    sim = simulate_targets(targets, "shoulder_flexion", seed=2, duration_s=30)
    result = run_session(
        targets,
        RecordingInput(sim.recording, "shoulder_flexion"),
        options=fast_options(
            draw_every=5,
            screenshot_dir=tmp_path,
            screenshot_scenes=True,
            config=AppConfig(instructions_s=2.0, summary_hold_s=0.5),
            screenshot_after_s=0.5,
        ),
        data_dir=tmp_path,
    )
    shot = tmp_path / "balloons-instructions.png"
    assert shot.is_file() and result.quit_reason == "completed"
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / "it-game-instructions-long-message.png").write_bytes(shot.read_bytes())
    image = pygame.image.load(str(shot))
    w = image.get_width()
    assert tuple(image.get_at((int(w * 0.1) + 8, 51)))[:3] == BANNER_FILL  # left margin of the banner
    assert "messages" not in result.targets.to_dict()


def test_long_messages_are_shortened_for_the_screen() -> None:
    assert _shortened("a  b\nc") == "a b c"
    long = _shortened("x" * 500)
    assert len(long) == MESSAGE_CHARS and long.endswith("…")
