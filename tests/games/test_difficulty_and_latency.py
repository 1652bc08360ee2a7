"""In-session difficulty (the scoring room's staircase) and input-to-game latency."""

from __future__ import annotations

import math
import random

from smarttouch.games.sdk.targets import PlanTargets
from smarttouch.games.session.app import AppConfig
from smarttouch.games.session.inputs import PositionInput, RecordingInput
from smarttouch.games.session.runner import run_session
from smarttouch.games.session.sensors import simulate_targets
from tests.games.conftest import fast_options


def varied_reps(seed: int, low: float, high: float, period_s: float = 4.0, lead_in_s: float = 2.5):
    """Reps whose peak position is drawn uniformly in [low, high] (first one reaches 1.0 for calibration)."""
    rng = random.Random(seed)
    peaks = [1.0] + [rng.uniform(low, high) for _ in range(400)]

    def position(t: float) -> float:
        if t < lead_in_s:
            return 0.0
        k, c = divmod(t - lead_in_s, period_s)
        move = period_s - 1.0
        return 0.0 if c >= move else peaks[int(k)] * (0.5 - 0.5 * math.cos(2 * math.pi * c / move))

    return position


def test_success_rate_settles_in_the_band(tmp_path) -> None:
    targets = PlanTargets(
        game="balloons", target_rom_deg=95, max_rom_deg=100, reps=40, sets=2, rest_s=2, difficulty=0.5
    )
    cfg = AppConfig(instructions_s=1.0, summary_hold_s=0.5)
    result = run_session(
        targets,
        PositionInput(varied_reps(1, 0.35, 1.0), rom_deg=100.0),
        options=fast_options(config=cfg),
        data_dir=tmp_path,
    )
    reps = result.rep_events()
    assert len(reps) == 80
    late = [e.data["success"] for e in reps[20:]]
    assert 0.62 <= sum(late) / len(late) <= 0.9  # the staircase aims at 77.5 %; finite-sample noise around it
    assert any(e.kind == "difficulty" and "previous_deg" in e.data for e in result.events)


def test_targets_never_pass_the_therapists_max(tmp_path) -> None:
    targets = PlanTargets(game="glider", target_rom_deg=50, max_rom_deg=60, reps=25, sets=1, difficulty=0.0)
    result = run_session(
        targets,
        PositionInput(varied_reps(2, 0.98, 1.0), rom_deg=100.0),
        options=fast_options(config=AppConfig(instructions_s=1.0, summary_hold_s=0.5)),
        data_dir=tmp_path,
    )
    asked = [e.data["target_rom_deg"] for e in result.events if e.kind == "difficulty"]
    assert max(asked) <= 60.0 and asked[-1] == 60.0  # always successful: climbs to the ceiling, no further
    assert all(e.data["target_rom_deg"] <= 60.0 for e in result.rep_events())


def test_a_rep_reaches_the_game_in_the_same_step_as_its_batch(tmp_path) -> None:
    targets = PlanTargets(game="balloons", movement="shoulder_flexion", reps=5, sets=1)
    sim = simulate_targets(targets, "shoulder_flexion", seed=4, duration_s=40)
    seen: list[tuple[int, int]] = []
    count = {"events": 0}

    def on_step(app) -> None:
        completed = sum(1 for e in app.control.events if e.kind == "completed")
        new = app.events[count["events"] :]
        count["events"] = len(app.events)
        if app.scene.name == "play" or any(e.kind == "rep" for e in new):
            seen.append((completed, sum(1 for e in new if e.kind == "rep")))

    run_session(
        targets,
        RecordingInput(sim.recording, "shoulder_flexion"),
        on_step=on_step,
        options=fast_options(config=AppConfig(instructions_s=1.0, summary_hold_s=0.5)),
        data_dir=tmp_path,
    )
    with_reps = [s for s in seen if s[0] or s[1]]
    assert len(with_reps) >= 5
    assert all(completed == reps for completed, reps in with_reps)
