"""The tracking game ("Follow the butterfly"): its path is smooth and bounded, its coach
adapts speed and amplitude to the tracking error, closer following scores higher, the
streamed score equals the offline score of the same trace, and every scene is drawn in
English and Italian at 1280x720 and 1920x1080 (test-artifacts/games/tracking/)."""

from __future__ import annotations

import math
import random

import numpy as np
import pygame
import pytest

from smarttouch.games.builtin.tracking.path import (
    LOW,
    MAX_PEAK_SPEED_DPS,
    MAX_PERIOD_S,
    Coach,
    TargetPath,
    TrackingScore,
    rep_points,
    score_trace,
)
from smarttouch.games.sdk.messages import CATALOGUE
from smarttouch.games.sdk.protocol import Difficulty, GameContext
from smarttouch.games.sdk.registry import game_info, get_game
from smarttouch.games.sdk.targets import PlanTargets
from smarttouch.games.session.app import AppConfig, SessionApp
from smarttouch.games.session.history import History
from smarttouch.games.session.inputs import RecordingInput
from smarttouch.games.session.progress import ProgressStore
from smarttouch.games.session.sensors import simulate_targets
from smarttouch.games.session.sound import SoundBank
from smarttouch.scoring.control import ControlState, RepEvent
from tests.games.conftest import ARTIFACTS

STEP = 1.0 / 60.0
ROM_MAX = 100.0


def _game(level: float = 0.5, target_deg: float = 70.0, max_deg: float = 100.0):
    game = get_game("tracking")()
    targets = PlanTargets(
        game="tracking", movement="elbow_flexion", target_rom_deg=target_deg, max_rom_deg=max_deg
    )
    ctx = GameContext(
        targets=targets,
        movement="elbow_flexion",
        difficulty=Difficulty(
            target_rom_deg=target_deg, max_rom_deg=max_deg, rom_max_deg=ROM_MAX, level=level
        ),
        rng=random.Random(1),
    )
    game.start(ctx)
    return game


def _play(game, follow, seconds: float):
    """Step ``game`` for ``seconds`` with position = follow(path position, t); a rep ends
    every time the path reaches its bottom (as the tracker would see a cycle end)."""
    events = []
    t = 0.0
    reps = 0
    for _ in range(int(seconds / STEP)):
        t += STEP
        cycles = game.path.cycles
        pos = follow(game.path.position, t)
        rep = ()
        if getattr(game, "_cycle_seen", 0) != cycles:
            game._cycle_seen = cycles
            rep = (RepEvent("completed", t, reps, rom_deg=60.0, duration_s=3.0),)
            reps += 1
        events += game.update(ControlState(t, pos * ROM_MAX, pos, 0.0, rep), STEP)
    return events


def test_the_game_is_declared_with_both_languages_and_its_movements() -> None:
    info = game_info("tracking")
    assert info.title["en"] and info.title["it"] and info.how_to["en"] and info.how_to["it"]
    assert info.title["en"] != info.title["it"] and info.how_to["en"] != info.how_to["it"]
    assert {"elbow_flexion", "wrist_flexion", "shoulder_flexion"} <= set(info.movements)
    for key in ("tracking.follow", "tracking.faster", "tracking.slower"):
        assert CATALOGUE["en"][key] != CATALOGUE["it"][key]


def test_the_path_is_smooth_and_starts_and_ends_each_cycle_near_rest() -> None:
    path = TargetPath(high=0.9, period_s=4.0)
    positions = []
    for _ in range(int(8.1 / STEP)):
        positions.append(path.position)
        path.advance(STEP)
    p = np.array(positions)
    assert p.min() >= LOW - 1e-9 and p.max() <= 0.9 + 1e-9
    # the largest step of a raised cosine: pi * amplitude / period per second
    assert np.abs(np.diff(p)).max() <= math.pi * (0.9 - LOW) / 4.0 * STEP * 1.01
    assert path.cycles == 2
    ahead = path.preview(np.array([0.0, 1.0, 2.0]))
    assert ahead[0] == pytest.approx(path.position)


def test_the_coach_speeds_up_on_close_following_and_slows_down_on_poor_following() -> None:
    good = _game()
    period0, high0 = good.path.period_s, good.path.high
    _play(good, lambda target, t: target, 30.0)
    verdicts = [c["verdict"] for c in good.coach.log]
    assert verdicts and set(verdicts) == {"faster"}
    assert good.path.period_s < period0 and good.path.high > high0

    poor = _game()
    _play(poor, lambda target, t: 0.0, 30.0)  # the arm never moves
    assert {c["verdict"] for c in poor.coach.log} == {"slower"}
    assert poor.path.period_s > period0 and poor.path.high < high0


def test_the_coach_keeps_within_the_ceiling_and_the_speed_cap() -> None:
    game = _game(level=1.0, target_deg=90.0, max_deg=95.0)
    _play(game, lambda target, t: target, 120.0)
    ceiling = 95.0 / ROM_MAX
    for change in game.coach.log:
        assert change["high"] <= ceiling + 1e-6
        amplitude_deg = (change["high"] - LOW) * ROM_MAX
        assert math.pi * amplitude_deg / change["period_s"] <= MAX_PEAK_SPEED_DPS + 0.05  # logged rounded
        assert change["period_s"] <= MAX_PERIOD_S


def test_closer_following_earns_more_points_and_successful_reps() -> None:
    close = _game()
    ev_close = _play(close, lambda target, t: target + 0.02, 40.0)
    lagging = _game()
    ev_lag = _play(lagging, lambda target, t: target * 0.4, 40.0)
    reps_close = [e for e in ev_close if e.kind == "rep"]
    reps_lag = [e for e in ev_lag if e.kind == "rep"]
    assert reps_close and reps_lag
    assert all(e.data["success"] for e in reps_close[1:])
    assert not reps_lag[0].data["success"]  # later the coach makes the path easier, as it should
    assert reps_lag[0].data["cause"] == "follow"  # the patient hears "closer", never "higher"
    assert close.score > lagging.score
    assert close.snapshot()["on_target_share"] > 0.9 > lagging.snapshot()["on_target_share"]
    assert rep_points(0.0) == 3 and rep_points(1.0) == 10
    followed = sum(1 for e in reps_close if e.data["success"])
    assert close.trophy().count == followed and close.trophy().text("it").endswith("seguiti da vicino")


def test_streamed_score_equals_the_offline_score_of_the_same_trace() -> None:
    game = _game()
    _play(game, lambda target, t: target + 0.12 * math.sin(t * 1.7), 45.0)
    trace = np.array(game.trace)
    offline = score_trace(trace[:, 0], trace[:, 1], trace[:, 2], game.band)
    assert offline["share"] == pytest.approx(game.score_track.share, abs=1e-9)
    assert offline["mean_error"] == pytest.approx(game.score_track.mean_error, abs=1e-9)
    assert 0.2 < offline["share"] < 0.95  # a trace that is partly on and partly off target


def test_tracking_score_window_resets_per_rep() -> None:
    score = TrackingScore(band=0.1)
    for _ in range(120):
        score.add(0.5, 0.5, STEP)
    assert score.window_followed()
    assert score.close_window() == pytest.approx(1.0)
    assert not score.window_followed() and score.share == pytest.approx(1.0)


def test_a_coach_starts_at_the_therapists_target() -> None:
    coach = Coach.starting_at(0.6, 1.0, ROM_MAX, 0.1)
    assert coach.high() == pytest.approx(0.6)


@pytest.mark.parametrize("size", [(1280, 720), (1920, 1080)])
@pytest.mark.parametrize("lang", ["en", "it"])
def test_every_scene_is_drawn_at_both_sizes_in_both_languages(tmp_path, size, lang) -> None:
    out = ARTIFACTS / "tracking"
    out.mkdir(parents=True, exist_ok=True)
    pygame.display.init()
    pygame.font.init()
    canvas = pygame.Surface(size)
    targets = PlanTargets(
        game="tracking",
        movement="elbow_flexion",
        target_rom_deg=80.0,
        max_rom_deg=120.0,
        reps=4,
        sets=2,
        rest_s=5.0,
        therapist_note="Move slowly and smoothly." if lang == "en" else "Muoviti piano e in modo fluido.",
        lang=lang,
    )
    sim = simulate_targets(targets, "elbow_flexion", seed=7, duration_s=70.0)
    app = SessionApp(
        get_game("tracking")(),
        targets,
        RecordingInput(sim.recording, "elbow_flexion"),
        sound=SoundBank(enabled=False),
        config=AppConfig(instructions_s=2.0, summary_hold_s=2.0, seed=3),
        history=History(tmp_path / "history.json"),
        data_dir=tmp_path,
        size=size,
        progress_store=ProgressStore(tmp_path / "progress.json"),
    )
    shots: dict[str, float] = {}
    wait = {"play": 9.0, "summary": 0.5}
    while app.now < 75.0 and len(shots) < 5:
        app.step(STEP)
        name = app.scene.name
        if name not in shots and app.scene.age_s >= wait.get(name, 1.0):
            app.draw(canvas)
            path = out / f"tracking-{name}-{lang}-{size[0]}x{size[1]}.png"
            pygame.image.save(canvas, str(path))
            shots[name] = app.now
            colours = pygame.transform.average_color(canvas)
            assert any(c > 20 for c in colours[:3]), f"{path.name} is blank"
    assert set(shots) == {"calibration", "instructions", "play", "rest", "summary"}
