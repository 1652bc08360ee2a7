"""Spoken guidance: espeak-ng found at run time, silent without error when it is missing, and
never in the way of the frame loop (issue 15, item 3)."""

from __future__ import annotations

import shutil
import time
import wave

import pygame
import pytest

from smarttouch.games.sdk.targets import PlanTargets
from smarttouch.games.session.app import AppConfig
from smarttouch.games.session.inputs.position import PositionInput
from smarttouch.games.session.runner import RunOptions, run_session
from smarttouch.games.session.speech import Speaker, find_espeak
from tests.games.conftest import rep_wave

needs_espeak = pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="espeak-ng is not installed")


def _session(tmp_path, lang: str, wav_dir) -> None:
    run_session(
        PlanTargets(game="balloons", reps=2, sets=2, rest_s=2.0, lang=lang),
        PositionInput(rep_wave(period_s=4.0, move_s=3.0), rom_deg=90.0),
        options=RunOptions(
            headless=True,
            sound=False,
            draw_every=1000,
            speech=True,
            speech_wav_dir=wav_dir,
            config=AppConfig(instructions_s=1.0, summary_hold_s=0.5),
        ),
        data_dir=tmp_path / "data",
    )


def test_missing_engine_is_silent(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path / "empty-bin"))
    assert find_espeak() is None
    speaker = Speaker("it")
    assert not speaker.available
    speaker.say("Alza il braccio")  # no error, nothing started
    speaker.close()
    assert speaker.spoken == []
    _session(tmp_path, "it", tmp_path / "wav")  # a whole session with speech on, still silent
    assert not (tmp_path / "wav").exists()


@needs_espeak
@pytest.mark.parametrize("lang", ["en", "it"])
def test_session_speaks_its_guidance(tmp_path, lang) -> None:
    wav_dir = tmp_path / "wav"
    _session(tmp_path, lang, wav_dir)
    files = sorted(wav_dir.glob("speech-*.wav"))
    assert len(files) >= 3  # calibration steps, instructions, rest
    for f in files:
        with wave.open(str(f)) as w:
            assert w.getnframes() / w.getframerate() > 0.5  # real speech, not an empty file


@needs_espeak
def test_say_returns_at_once(tmp_path) -> None:
    speaker = Speaker("en", wav_dir=tmp_path)
    start = time.perf_counter()
    for _ in range(10):
        speaker.say("Raise your arm slowly to lift the star up to the balloon and pop it.")
    took = time.perf_counter() - start
    speaker.close(wait_s=20.0)
    assert took < 0.5  # ten sentences queued without waiting for one (generous for a shared machine)
    assert 1 <= len(speaker.spoken) <= 10


def test_instructions_wait_for_the_patient_then_start_on_stillness(tmp_path) -> None:
    """No time limit: the instructions stay until the patient holds still for 2 s (after the
    first 3 s of reading), or presses a key."""
    from smarttouch.games.sdk.registry import get_game
    from smarttouch.games.session.app import SessionApp

    def moving_then_still(t: float) -> float:
        return 0.3 + 0.2 * math.sin(t * 3.0) if t < 12.0 else 0.2

    import math

    for how in ("still", "key"):
        app = SessionApp(
            get_game("balloons")(),
            PlanTargets(game="balloons"),
            PositionInput(moving_then_still, rom_deg=90.0),
            config=AppConfig(preset_rom_max_deg=90.0),
        )
        assert app.scene.name == "instructions"
        while app.now < 10.0:
            app.step(1 / 60)
        assert app.scene.name == "instructions"  # moving: it waits
        if how == "key":
            app.handle_event(pygame.event.Event(pygame.KEYDOWN, key=pygame.K_RETURN, mod=0, unicode="\r"))
            assert app.scene.name == "play"
            continue
        while app.scene.name == "instructions" and app.now < 30.0:
            app.step(1 / 60)
        assert app.scene.name == "play"
        assert 14.0 <= app.now <= 14.5  # still from 12 s, for 2 s
        assert any(e.kind == "instructions_start" and e.data.get("by") == "stillness" for e in app.events)
