"""`smarttouch play` and the worked example of docs/game-protocol.md."""

from __future__ import annotations

import re
from pathlib import Path

from click.testing import CliRunner

from smarttouch.cli import main
from smarttouch.games.sdk.registry import load_entrypoint
from smarttouch.games.sdk.targets import PlanTargets
from smarttouch.games.session.app import AppConfig
from smarttouch.games.session.inputs import RecordingInput
from smarttouch.games.session.result import SessionResult
from smarttouch.games.session.runner import run_session
from smarttouch.games.session.sensors import simulate_targets
from tests.games.conftest import fast_options

DOC = Path(__file__).resolve().parents[2] / "docs" / "game-protocol.md"


def test_help_lists_the_games() -> None:
    out = CliRunner().invoke(main, ["play", "--help"])
    assert out.exit_code == 0
    for key in ("balloons", "glider", "garden", "lantern"):
        assert f"{key}:" in out.output


def test_headless_sim_session_is_saved(tmp_path) -> None:
    out = tmp_path / "out" / "session.json"
    res = CliRunner().invoke(
        main,
        [
            "play",
            "--game",
            "glider",
            "--sensor",
            "sim",
            "--headless",
            "--duration",
            "30",
            "--reps",
            "3",
            "--sets",
            "1",
            "--lang",
            "it",
            "--no-sound",
            "--data-dir",
            str(tmp_path / "data"),
            "--json",
            str(out),
        ],
    )
    assert res.exit_code == 0, res.output
    assert "glider:" in res.output and str(out) in res.output
    result = SessionResult.load(out)
    assert result.game == "glider" and result.movement == "wrist_flexion" and result.lang == "it"
    assert result.recording is not None and result.reps >= 3 and result.quit_reason == "completed"
    assert result.metrics is not None and result.calibration["rom_max_deg"] > 20


def test_user_errors_are_one_line(tmp_path) -> None:
    runner = CliRunner()
    cases = [
        (["play", "--game", "nope"], "unknown game 'nope'"),
        (["play", "--game", "balloons", "--sensor", "keyboard", "--headless"], "needs a window"),
        (["play", "--game", "balloons", "--sensor", "sim:flying"], "no movement 'flying'"),
        (
            ["play", "--game", "balloons", "--sensor", f"replay:{tmp_path / 'missing.npz'}", "--headless"],
            "no such recording",
        ),
        (
            ["play", "--game", "balloons", "--rom", "130", "--max-rom", "100"],
            "exceeds the therapist's max_rom_deg",
        ),
    ]
    for args, message in cases:
        res = runner.invoke(main, args + ["--data-dir", str(tmp_path)])
        assert res.exit_code == 1, (args, res.output)
        assert message in res.output and "Traceback" not in res.output


def test_the_documented_example_game_plays_on_recorded_motion(tmp_path, isolated_imports) -> None:
    code = re.findall(r"```python\n(.*?)```", DOC.read_text(encoding="utf-8"), re.S)[0]
    (tmp_path / "sunflower_doc.py").write_text(code, encoding="utf-8")
    isolated_imports("sunflower_doc")
    cls = load_entrypoint("sunflower_doc:Sunflower", search_path=tmp_path)
    targets = PlanTargets(game="sunflower", movement="shoulder_flexion", reps=4, sets=1)
    sim = simulate_targets(targets, "shoulder_flexion", seed=5, duration_s=40)
    result = run_session(
        targets,
        RecordingInput(sim.recording, "shoulder_flexion"),
        game=cls(),
        options=fast_options(
            draw_every=7,
            screenshot_dir=tmp_path / "shots",
            screenshot_scenes=True,
            config=AppConfig(instructions_s=1.0, summary_hold_s=0.5),
        ),
        data_dir=tmp_path,
    )
    assert result.quit_reason == "completed" and result.reps == 4
    ends = [b for _, b in sim.rep_bounds]
    assert all(min(abs(e.t - b) for b in ends) < 0.5 for e in result.rep_events())
    assert (tmp_path / "shots" / "sunflower-play.png").is_file()
