"""The game kind: a Game plugin played headless on recorded motion by the games framework."""

from __future__ import annotations

import base64
import io
import shutil
import zlib

import pytest

from smarttouch.challenges.bundle import BundleError, load_bundle
from smarttouch.challenges.evaluation import evaluate_solution
from smarttouch.challenges.kinds.evaluator import evaluator_for
from smarttouch.challenges.kinds.game.evaluator import GameEvaluator
from smarttouch.challenges.schema import InvalidOutput
from smarttouch.challenges.templates import ROOT as TEMPLATES
from tests.challenges.helpers import make_game_bundle, make_solution

GAME_HEAD = """
from smarttouch.games.sdk.basegame import RepGame
from smarttouch.games.sdk.protocol import GameInfo

class Solution(RepGame):
    info = GameInfo(key="test-game", title={"en": "Test"}, movements=("shoulder_flexion",))
"""


@pytest.fixture(scope="module")
def game_challenge(tmp_path_factory):
    return load_bundle(make_game_bundle(tmp_path_factory.mktemp("game") / "test-game"))


def game_solution(tmp_path, body: str):
    return make_solution(tmp_path / "game", GAME_HEAD + body, challenge="test-game", kind="game")


def test_template_game_plays_counts_reps_and_leaves_screenshots(tmp_path, game_challenge, sandbox):
    sol = tmp_path / "template"
    shutil.copytree(TEMPLATES / "shoulder_reach_game", sol)
    toml = (sol / "solution.toml").read_text().replace('"shoulder-reach-game"', '"test-game"')
    (sol / "solution.toml").write_text(toml)
    result = evaluate_solution(sol, game_challenge, sandbox=sandbox, artifacts_dir=tmp_path / "shots")
    assert result.status == "scored", result.message + result.splits[-1].log
    for split in ("public", "hidden"):
        assert result.scores[split]["rep_exact_rate"] == 1.0
        assert 0.0 < result.scores[split]["frame_ms_p95"] < 16.7
    shots = sorted(p.name for p in (tmp_path / "shots" / "hidden").iterdir())
    assert "reach-kite-play.png" in shots
    assert (tmp_path / "shots" / "hidden" / "reach-kite-play.png").read_bytes().startswith(b"\x89PNG")
    details = result.splits[0].details[0]["prediction"]
    assert details["frames"] > 10 and details["reps"] == 2


def test_game_that_ignores_repetitions_scores_zero(tmp_path, game_challenge, sandbox):
    body = """
    def start(self, ctx):
        self.ctx = ctx
    def update(self, control, dt):
        return []
    def draw(self, surface):
        surface.fill((255, 255, 255))
    def snapshot(self):
        return {}
"""
    result = evaluate_solution(
        game_solution(tmp_path, body), game_challenge, sandbox=sandbox, splits=("hidden",)
    )
    assert result.status == "scored", result.message
    assert result.scores["hidden"]["rep_exact_rate"] == 0.0
    assert result.scores["hidden"]["rep_mae"] == 2.0


def test_slow_game_misses_frame_budget(tmp_path, sandbox):
    challenge = load_bundle(make_game_bundle(tmp_path / "slow-bundle", draw_every=30))
    body = """
    def draw(self, surface):
        import time
        time.sleep(0.03)
        surface.fill((0, 0, 0))
"""
    result = evaluate_solution(game_solution(tmp_path, body), challenge, sandbox=sandbox, splits=("hidden",))
    assert result.failure_reason == "too_slow", result.message
    assert "exceeds the budget of 16.7 ms" in result.message


def test_crashing_game(tmp_path, game_challenge, sandbox):
    body = """
    def animate(self, control, dt):
        if control.t > 6:
            raise ZeroDivisionError("game over, literally")
    def draw(self, surface):
        pass
"""
    result = evaluate_solution(
        game_solution(tmp_path, body), game_challenge, sandbox=sandbox, splits=("hidden",)
    )
    assert result.failure_reason == "crashed"
    assert "ZeroDivisionError" in result.message


def test_not_a_game(tmp_path, game_challenge, sandbox):
    sol = make_solution(
        tmp_path / "g",
        "class Solution:\n    def update(self, c, dt):\n        return []\n",
        challenge="test-game",
        kind="game",
    )
    result = evaluate_solution(sol, game_challenge, sandbox=sandbox, splits=("public",))
    assert result.failure_reason == "crashed"
    assert "not a SmartTouch game" in result.message and "info" in result.message


def _shot(width: int, height: int, rgb: bytes) -> dict:
    return {"width": width, "height": height, "pixels": base64.b64encode(zlib.compress(rgb)).decode()}


def test_screenshot_files_are_checked(game_challenge):
    import pygame

    evaluator = evaluator_for(game_challenge)
    assert isinstance(evaluator, GameEvaluator)
    rgb = bytes(range(2 * 3 * 3)) * 2  # 2 rows of 3 pixels, twice over: 4 rows
    files = evaluator.artifacts({"screenshots": {"a-play.png": _shot(3, 4, rgb)}})
    assert list(files) == ["a-play.png"] and files["a-play.png"].startswith(b"\x89PNG\r\n\x1a\n")
    image = pygame.image.load(io.BytesIO(files["a-play.png"]), "a-play.png")
    assert image.get_size() == (3, 4) and pygame.image.tostring(image, "RGB") == rgb
    good = _shot(3, 4, rgb)
    for shots in (
        {"../x.png": good},
        {"a.exe": good},
        {"a.png": {**good, "pixels": base64.b64encode(b"GIF89a").decode()}},
        {"a.png": {**good, "pixels": "not base64!"}},
        {"a.png": _shot(3, 4, rgb[:-1])},
        {"a.png": _shot(3, 4, rgb + b"x")},
        {"a.png": _shot(5000, 1, b"\0" * 15000)},
        {"a.png": _shot(2, 2, b"\0" * (20 * 1024 * 1024))},  # a zlib bomb: 20 MiB declared as 2x2
        {"a.png": "\x89PNG\r\n\x1a\n"},
        {f"{i}.png": good for i in range(13)},
    ):
        with pytest.raises(InvalidOutput):
            evaluator.artifacts({"screenshots": shots})


def test_game_bundle_must_declare_harness_outputs(tmp_path):
    root = make_game_bundle(tmp_path / "g")
    toml = root / "challenge.toml"
    toml.write_text(toml.read_text().replace("[output.frames]", "[output.frame_count]"))
    with pytest.raises(BundleError, match="a game challenge declares exactly the outputs"):
        load_bundle(root)


def test_builtin_game_challenge_and_its_reference_row(tmp_path, sandbox):
    from smarttouch.challenges.baselines import baseline_dirs
    from smarttouch.challenges.builtin import build_builtin
    from smarttouch.sensors.recording_io import load_recording

    challenge = load_bundle(build_builtin("shoulder-reach-game", tmp_path / "srg", hidden_seed=3))
    assert challenge.kind == "game" and challenge.options["frame_budget_ms"] == 16.7
    assert len(challenge.split("hidden").ids) == 5
    assert load_recording(challenge.split("public").recordings["public-001"]).labels == {}
    (balloons,) = baseline_dirs("shoulder-reach-game")
    result = evaluate_solution(balloons, challenge, sandbox=sandbox, splits=("public",))
    assert result.status == "scored", result.message + result.splits[-1].log
    assert result.scores["public"]["rep_exact_rate"] == 1.0
