"""Issue 13 item 2: the frame-time gate is measured where the game cannot reach it.

Replays the probe (a game that sleeps 30 ms every 10th frame failed ``too_slow``; the same game
patching ``sys.modules["__main__"].FrameTimer.p95`` was scored) and its variants: a game that
stops the clock it shares with the harness, one that answers the harness before being asked,
one that reads the harness's memory, and helpers (threads, processes) the game may not start.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from smarttouch.challenges.bundle import ChallengeBundle, load_bundle
from smarttouch.challenges.evaluation import EvaluationResult, evaluate_solution
from smarttouch.challenges.sandbox import Sandbox
from tests.challenges.helpers import make_game_bundle, make_solution
from tests.security.sandbox_support import IDENTITIES, sandbox_for

GAME = """
import os, sys, time
from smarttouch.games.sdk.basegame import RepGame
from smarttouch.games.sdk.protocol import GameInfo

class Solution(RepGame):
    info = GameInfo(key="probe-game", title={{"en": "Probe"}}, movements=("shoulder_flexion",))
    frames = 0

    def on_start(self):
{on_start}

    def draw(self, surface):
        self.frames += 1
        if self.frames % 10 == 0:
            time.sleep(0.03)
        surface.fill((0, 0, 0))
"""

PATCH_P95 = """
        timer = getattr(sys.modules["__main__"], "FrameTimer", None)
        if timer is not None:
            timer.p95 = lambda self: 1.0
"""

STOP_THE_CLOCK = """
        time.perf_counter = lambda: 0.0
        time.monotonic = lambda: 0.0
"""

ANSWER_FIRST = """
        reply_fd = int(sys.argv[-1].split(",")[1])  # the game process's own reply pipe
        for _ in range(200):
            os.write(reply_fd, b'{"n": "0000000000000000", "ok": []}\\n')
"""

START_A_HELPER = """
        import threading
        threading.Thread(target=time.sleep, args=(0,)).start()
"""

FORK_A_HELPER = """
        if os.fork() == 0:
            os._exit(0)
"""

READ_THE_HARNESS = """
        for path in (f"/proc/{os.getppid()}/mem", f"/proc/{os.getppid()}/fd/0"):
            try:
                open(path, "rb").close()
            except OSError:
                continue
            raise RuntimeError(f"the game opened {path}")
"""


@pytest.fixture(scope="module")
def game_challenge(tmp_path_factory: pytest.TempPathFactory) -> ChallengeBundle:
    return load_bundle(
        make_game_bundle(tmp_path_factory.mktemp("frame-time") / "test-game", n_public=1, n_hidden=1)
    )


def play(
    tmp_path: Path, challenge: ChallengeBundle, sandbox: Sandbox, on_start: str, *, stutter: bool = True
) -> EvaluationResult:
    """Evaluate the probe game (sleeping 30 ms every 10th frame unless ``stutter`` is False)
    with ``on_start`` as the body of its ``on_start`` hook, on the hidden split."""
    code = GAME.format(on_start=on_start.strip("\n"))
    if not stutter:
        code = code.replace("time.sleep(0.03)", "pass")
    sol = make_solution(tmp_path / "game", code, challenge="test-game", kind="game")
    return evaluate_solution(sol, challenge, sandbox=sandbox, splits=("hidden",))


@pytest.mark.parametrize("identity", IDENTITIES)
def test_a_stuttering_game_that_patches_frametimer_fails_too_slow(
    tmp_path: Path, game_challenge: ChallengeBundle, identity: str
) -> None:
    """The issue's probe, replayed in every identity the worker can use here."""
    result = play(tmp_path, game_challenge, sandbox_for(identity), PATCH_P95)
    assert result.failure_reason == "too_slow", result.message + (
        result.splits[-1].log if result.splits else ""
    )
    assert "exceeds the budget of 16.7 ms" in result.message


def test_a_stuttering_game_that_stops_the_clock_fails_too_slow(
    tmp_path: Path, game_challenge: ChallengeBundle
) -> None:
    result = play(tmp_path, game_challenge, sandbox_for(IDENTITIES[0]), STOP_THE_CLOCK)
    assert result.failure_reason == "too_slow", result.message + (
        result.splits[-1].log if result.splits else ""
    )


def test_the_same_game_without_stutter_passes(tmp_path: Path, game_challenge: ChallengeBundle) -> None:
    result = play(tmp_path, game_challenge, sandbox_for(IDENTITIES[0]), PATCH_P95, stutter=False)
    assert result.status == "scored", result.message + (result.splits[-1].log if result.splits else "")
    assert 0.0 < result.scores["hidden"]["frame_ms_p95"] < 16.7


def test_an_answer_before_the_question_is_refused(tmp_path: Path, game_challenge: ChallengeBundle) -> None:
    result = play(tmp_path, game_challenge, sandbox_for(IDENTITIES[0]), ANSWER_FIRST)
    assert result.failure_reason == "invalid_output", result.message
    assert "out of turn" in result.message


@pytest.mark.parametrize("identity", IDENTITIES)
def test_the_game_cannot_open_the_harness_memory(
    tmp_path: Path, game_challenge: ChallengeBundle, identity: str
) -> None:
    result = play(tmp_path, game_challenge, sandbox_for(identity), READ_THE_HARNESS, stutter=False)
    assert result.status == "scored", result.message + (result.splits[-1].log if result.splits else "")


@pytest.mark.parametrize("helper", [START_A_HELPER, FORK_A_HELPER], ids=["thread", "process"])
def test_a_game_stays_one_thread_of_one_process(
    tmp_path: Path, game_challenge: ChallengeBundle, helper: str
) -> None:
    """Work in a helper thread or process would escape the game's own CPU counters."""
    result = play(tmp_path, game_challenge, sandbox_for(IDENTITIES[0]), helper, stutter=False)
    assert result.failure_reason == "forbidden", result.message
