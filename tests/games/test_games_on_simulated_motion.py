"""Each game plays 60 simulated seconds of simulated motion with known reps, headless.

The simulator's recording is fed to the scoring room's MotionTracker on the session clock
(not wall time). The game's ``rep`` events must match the simulator's ground-truth reps that
end while the play scene is on screen; screenshots of every scene go to test-artifacts/games/.
"""

from __future__ import annotations

import pytest

from smarttouch.games.sdk.registry import get_game
from smarttouch.games.sdk.targets import PlanTargets
from smarttouch.games.session.app import AppConfig
from smarttouch.games.session.inputs import RecordingInput
from smarttouch.games.session.runner import run_session
from smarttouch.games.session.sensors import simulate_targets
from tests.games.conftest import fast_options

MATCH_S = 0.5  # a game rep event and a true rep end this close are the same rep
BOUNDARY_S = 1.5  # true reps ending this close to a scene change may land on either side
ROM_TOL_DEG = 10.0


def play_windows(result) -> list[tuple[float, float]]:
    marks = [(e.t, e.data["name"]) for e in result.events if e.kind == "scene"]
    end = result.recording.t[-1]
    out = []
    for (t0, name), nxt in zip(marks, marks[1:] + [(end, "")]):
        if name == "play":
            out.append((t0, nxt[0]))
    return out


@pytest.mark.parametrize("key", ["balloons", "glider", "garden", "lantern", "tracking"])
def test_game_rep_events_match_ground_truth(key, tmp_path, artifacts) -> None:
    info = get_game(key).info
    movement = info.movements[0]
    targets = PlanTargets(
        game=key,
        movement=movement,
        target_rom_deg=info.rom_deg,
        max_rom_deg=info.max_rom_deg,
        reps=5,
        sets=3,
        rest_s=6.0,
        therapist_note="Move slowly and breathe.",
        lang="en",
    )
    sim = simulate_targets(targets, movement, seed=7, duration_s=60.0)
    device = RecordingInput(sim.recording, movement)
    for old in artifacts.glob(f"{key}-*.png"):
        old.unlink()
    result = run_session(
        targets,
        device,
        options=fast_options(
            duration_s=60.0,
            screenshot_dir=artifacts,
            screenshot_scenes=True,
            config=AppConfig(instructions_s=3.0, summary_hold_s=1.5, seed=3),
        ),
        data_dir=tmp_path,
    )

    assert result.recording is not None and result.recording.duration_s >= 59.0
    windows = play_windows(result)
    assert windows, "the play scene never started"

    def inside(t: float) -> bool:
        return any(a <= t < b for a, b in windows)

    def near_boundary(t: float) -> bool:
        return any(abs(t - x) < BOUNDARY_S for w in windows for x in w)

    truth = [
        (end, rom)
        for (start, end), rom in zip(sim.rep_bounds, sim.rep_rom_deg)
        if end <= result.recording.t[-1]
    ]
    reps = result.rep_events()
    assert len(reps) >= 6, f"{key}: only {len(reps)} reps in 60 s"
    used: set[int] = set()
    for ev in reps:
        i = min(range(len(truth)), key=lambda k: abs(truth[k][0] - ev.t))
        assert abs(truth[i][0] - ev.t) <= MATCH_S, f"{key}: rep at {ev.t:.2f}s matches no true rep"
        assert i not in used, f"{key}: true rep {i} counted twice"
        used.add(i)
        assert inside(truth[i][0]) or near_boundary(truth[i][0])
        assert ev.data["rom_deg"] == pytest.approx(truth[i][1], abs=ROM_TOL_DEG)
    must = {i for i, (end, _) in enumerate(truth) if inside(end) and not near_boundary(end)}
    assert must <= used, f"{key}: missed true reps {sorted(must - used)}"
    assert [e.data["index"] for e in reps] == list(range(len(reps)))

    scores = [e for e in result.events if e.kind == "score"]
    assert len(scores) == len(reps) and scores[-1].data["total"] == result.score
    hits = [e for e in result.events if e.kind == "hit"]
    assert sum(e.data["success"] for e in reps) <= len(hits) <= sum(e.data["success"] for e in reps) + 1
    assert result.quit_reason in ("time_limit", "completed")
    for scene in ("calibration", "instructions", "play", "rest", "summary"):
        assert (artifacts / f"{key}-{scene}.png").stat().st_size > 10_000, f"{key}: no {scene} screenshot"
