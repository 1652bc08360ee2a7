"""Lasting progress: every game's world grows from its points as the game declares, the weekly
goal follows the prescription, the daily challenge is gentle and kept for the day; the file
is written atomically, a damaged one is set aside with a clear message, and a session carries
the state (for the upload) and shows it in the summary; the tracking game draws its world."""

from __future__ import annotations

import json
import os
import random
from datetime import UTC, date, datetime
from pathlib import Path

import pygame
import pytest

from smarttouch.games.builtin.common import world_tokens
from smarttouch.games.sdk.protocol import Difficulty, GameContext
from smarttouch.games.sdk.registry import game_info, game_infos, get_game
from smarttouch.games.sdk.targets import PlanTargets
from smarttouch.games.sdk.world import WorldGrowth
from smarttouch.games.session.inputs import RecordingInput
from smarttouch.games.session.progress import (
    ProgressState,
    ProgressStore,
    daily_challenge,
    restore_if_missing,
)
from smarttouch.games.session.runner import run_session
from smarttouch.games.session.scenes.summary import progress_lines
from smarttouch.games.session.sensors import simulate_targets
from tests.games.conftest import fast_options

MONDAY = date(2026, 11, 30)
TARGETS = PlanTargets(game="tracking", movement="elbow_flexion", reps=6, sets=2, sessions_per_week=3)


def test_levels_grow_as_the_game_declares() -> None:
    growth = WorldGrowth(first_level_points=100, growth=1.5, max_level=3)
    assert growth.state(0).level == 1 and growth.state(0).to_next == 100
    assert growth.state(99).level == 1
    assert growth.state(100).level == 2 and growth.state(100).to_next == 150
    assert growth.state(10_000).level == 3 and growth.state(10_000).to_next == 0
    with pytest.raises(ValueError):
        WorldGrowth(first_level_points=0)


def test_every_builtin_game_declares_its_world_in_both_languages() -> None:
    for info in game_infos():
        assert info.world.item_in("en") and info.world.item_in("it"), info.key


def test_a_session_adds_points_levels_the_world_and_counts_toward_the_week(tmp_path: Path) -> None:
    store = ProgressStore(tmp_path / "p.json")
    info = game_info("tracking")
    cost = info.world.cost(1)
    first = store.record_session(
        info, TARGETS, day=MONDAY, score=cost - 1, reps=6, good_reps=2, sets_completed=1
    )
    assert first.world.level == 1 and not first.levelled_up
    assert (first.week_done, first.week_goal) == (1, 3)
    second = store.record_session(info, TARGETS, day=MONDAY, score=5, reps=6, good_reps=3, sets_completed=2)
    assert second.levelled_up and second.world.level == 2
    empty = store.record_session(info, TARGETS, day=MONDAY, score=0, reps=0, good_reps=0, sets_completed=0)
    assert empty.week_done == 2  # a session without a repetition does not count
    next_week = store.record_session(
        info, TARGETS, day=date(2026, 12, 7), score=1, reps=2, good_reps=0, sets_completed=0
    )
    assert next_week.week_done == 1
    again = ProgressStore(tmp_path / "p.json")
    assert again.state.games["tracking"].points == cost + 5 and again.state.games["tracking"].sessions == 3


def test_the_weekly_goal_is_counted_per_exercise_of_the_plan(tmp_path: Path) -> None:
    store = ProgressStore(tmp_path / "p.json")
    wrist = PlanTargets(game="glider", movement="wrist_flexion", sessions_per_week=2, assignment_id=7)
    elbow = PlanTargets(game="tracking", movement="elbow_flexion", sessions_per_week=5, assignment_id=8)
    store.record_session(
        game_info("glider"), wrist, day=MONDAY, score=5, reps=3, good_reps=1, sets_completed=1
    )
    u = store.record_session(
        game_info("tracking"), elbow, day=MONDAY, score=5, reps=3, good_reps=1, sets_completed=1
    )
    assert (u.week_done, u.week_goal) == (1, 5)
    u = store.record_session(
        game_info("glider"), wrist, day=MONDAY, score=5, reps=3, good_reps=1, sets_completed=1
    )
    assert (u.week_done, u.week_goal) == (2, 2)
    assert store.state.week["sessions"] == 3 and store.state.week["by"] == {"7": 2, "8": 1}


def test_no_prescription_no_weekly_goal(tmp_path: Path) -> None:
    store = ProgressStore(tmp_path / "p.json")
    u = store.record_session(
        game_info("balloons"), PlanTargets(), day=MONDAY, score=10, reps=3, good_reps=1, sets_completed=0
    )
    assert u.week_goal is None


def test_the_daily_challenge_is_gentle_kept_for_the_day_and_completed_once(tmp_path: Path) -> None:
    kinds = {daily_challenge(date(2026, 12, d), TARGETS)["kind"] for d in range(1, 5)}
    assert kinds == {"good_reps", "all_sets"}
    day = next(
        date(2026, 12, d)
        for d in range(1, 5)
        if daily_challenge(date(2026, 12, d), TARGETS)["kind"] == "good_reps"
    )
    assert daily_challenge(day, TARGETS)["goal"] == 3  # half of one set of 6
    store = ProgressStore(tmp_path / "p.json")
    info = game_info("tracking")
    a = store.record_session(info, TARGETS, day=day, score=10, reps=6, good_reps=2, sets_completed=2)
    assert not a.challenge["completed"] and a.challenge["done"] == 2
    b = store.record_session(info, TARGETS, day=day, score=10, reps=6, good_reps=4, sets_completed=2)
    assert b.challenge_just_completed
    c = store.record_session(info, TARGETS, day=day, score=10, reps=6, good_reps=0, sets_completed=2)
    assert c.challenge["completed"] and not c.challenge_just_completed


def test_a_damaged_file_is_set_aside_with_a_clear_message_and_a_fresh_start(tmp_path: Path) -> None:
    path = tmp_path / "p.json"
    path.write_text('{"schema": "smarttouch.progress/1", "games": {"x": {"points": "lots"', encoding="utf-8")
    store = ProgressStore(path, now=lambda: datetime(2026, 12, 3, 9, 0, tzinfo=UTC))
    assert store.state.games == {}
    assert (
        store.problem
        and "could not be read" in store.problem
        and "p.json.corrupt-20261203T090000" in store.problem
    )
    backup = tmp_path / "p.json.corrupt-20261203T090000"
    assert backup.read_text(encoding="utf-8").startswith('{"schema"')
    u = store.record_session(
        game_info("garden"), TARGETS, day=MONDAY, score=3, reps=1, good_reps=0, sets_completed=0
    )
    assert u.reset
    assert ProgressStore(path).problem is None  # the fresh file is fine


def test_a_crash_while_saving_leaves_the_previous_file_whole(tmp_path: Path, monkeypatch) -> None:
    path = tmp_path / "p.json"
    store = ProgressStore(path)
    store.record_session(
        game_info("garden"), TARGETS, day=MONDAY, score=7, reps=1, good_reps=0, sets_completed=0
    )
    before = path.read_bytes()

    def crash(src, dst):
        raise OSError("power cut")

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(OSError):
        store.record_session(
            game_info("garden"), TARGETS, day=MONDAY, score=50, reps=1, good_reps=0, sets_completed=0
        )
    monkeypatch.undo()
    assert path.read_bytes() == before
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


def test_restore_writes_the_hubs_copy_only_when_there_is_no_local_file(tmp_path: Path) -> None:
    store = ProgressStore(tmp_path / "hub.json")
    store.record_session(
        game_info("lantern"), TARGETS, day=MONDAY, score=80, reps=4, good_reps=4, sets_completed=2
    )
    doc = store.state.to_dict()
    target = tmp_path / "fresh" / "p.json"
    assert restore_if_missing(target, lambda: doc)
    assert ProgressStore(target).state.games["lantern"].points == 80
    assert not restore_if_missing(target, lambda: {"schema": "other"})  # already there
    assert not restore_if_missing(tmp_path / "none.json", lambda: None)
    assert not restore_if_missing(
        tmp_path / "bad.json", lambda: {"schema": "smarttouch.progress/1", "games": 3}
    )
    assert not (tmp_path / "bad.json").exists()
    assert ProgressState.from_dict(json.loads(json.dumps(doc))).to_dict() == doc


def test_a_played_session_records_progress_carries_it_and_summarises_it(tmp_path: Path) -> None:
    targets = PlanTargets(
        game="tracking",
        movement="elbow_flexion",
        target_rom_deg=80,
        max_rom_deg=120,
        reps=3,
        sets=1,
        sessions_per_week=4,
    )
    sim = simulate_targets(targets, "elbow_flexion", seed=5, duration_s=40.0)
    seen = {}

    def on_step(app) -> None:
        if app.scene.name == "summary" and "lines" not in seen:
            seen["lines"] = [t for t, _ in progress_lines(app)]
            seen["world"] = app.ctx.world

    result = run_session(
        targets,
        RecordingInput(sim.recording, "elbow_flexion"),
        options=fast_options(duration_s=40.0),
        data_dir=tmp_path,
        on_step=on_step,
    )
    saved = json.loads((tmp_path / "progress" / "local.json").read_text(encoding="utf-8"))
    assert result.progress == saved
    assert saved["games"]["tracking"]["points"] == result.score > 0
    assert saved["week"]["sessions"] == 1 and saved["week"]["by"] == {"tracking": 1}
    assert saved["week"]["goals"] == {"tracking": 4}
    assert seen["world"].level == 1
    assert any(line.startswith("Level 1:") for line in seen["lines"])
    assert any(line.startswith("Today's challenge") for line in seen["lines"])
    assert result.to_dict()["progress"] == saved


@pytest.mark.parametrize("key", ["balloons", "glider", "lantern", "tracking"])
def test_each_game_draws_its_lasting_world_one_token_per_level(key: str) -> None:
    pygame.display.init()
    info = game_info(key)
    shots = []
    for points in (0, 10_000):
        game = get_game(key)()
        world = info.world.state(points)
        ctx = GameContext(
            targets=PlanTargets(game=key),
            movement=info.movements[0],
            difficulty=Difficulty(60.0, 120.0, 100.0),
            rng=random.Random(1),
            world=world,
        )
        game.start(ctx)
        assert world_tokens(ctx) == min(12, world.level - 1)
        surface = pygame.Surface((1280, 720))
        game.draw(surface)
        shots.append(pygame.image.tobytes(surface, "RGB"))
    assert shots[0] != shots[1]


def test_the_garden_travels_with_the_progress_and_comes_back_without_its_file(tmp_path: Path) -> None:
    targets = PlanTargets(
        game="garden", movement="sit_to_stand", target_rom_deg=80, max_rom_deg=100, reps=3, sets=1
    )
    sim = simulate_targets(targets, "sit_to_stand", seed=2, duration_s=45.0)
    first = run_session(
        targets,
        RecordingInput(sim.recording, "sit_to_stand"),
        options=fast_options(duration_s=45.0),
        data_dir=tmp_path,
    )
    kept = first.progress["games"]["garden"]["data"]["garden"]
    assert kept["total_reps"] == first.reps > 0 and sum(kept["stages"]) > 0
    (tmp_path / "garden.json").unlink()  # only the lasting progress (as the hub gives it back) is left
    seen = {}

    def on_step(app) -> None:
        if app.game_started and "garden" not in seen:
            seen["garden"] = json.loads(json.dumps(app.game.garden.to_dict()))  # a copy, not the live lists

    run_session(
        targets,
        RecordingInput(sim.recording, "sit_to_stand"),
        options=fast_options(duration_s=45.0),
        data_dir=tmp_path,
        on_step=on_step,
    )
    assert seen["garden"] == kept
