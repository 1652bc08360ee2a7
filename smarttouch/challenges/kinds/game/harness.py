"""The ``game`` kind's harness, run inside the sandbox by the trusted runner: the solution's
game played headless by the games framework on each recorded motion.

Per recording it reports ``reps`` (the game's ``rep`` events), ``score`` (points),
``frame_ms_p95`` (95th percentile of the game's update + draw per displayed frame, ms) and
``frames``, plus PNG screenshots of the first session's scenes (``options.screenshots``).
Loaded by file path inside the sandbox: only the standard library and the rooms bound there
(sensors, scoring, games) may be imported.
"""

from __future__ import annotations

import base64
import time
from pathlib import Path


class FrameTimer:
    """Times a game's own work per displayed frame: the mean ``update`` of the logic steps since
    the last draw plus the ``draw`` itself, in milliseconds."""

    def __init__(self, game) -> None:
        self.frame_ms: list[float] = []
        self._update_s = 0.0
        self._updates = 0
        update, draw = game.update, game.draw

        def timed_update(control, dt):
            start = time.perf_counter()
            try:
                return update(control, dt)
            finally:
                self._update_s += time.perf_counter() - start
                self._updates += 1

        def timed_draw(surface):
            start = time.perf_counter()
            try:
                draw(surface)
            finally:
                per_step = self._update_s / self._updates if self._updates else 0.0
                self.frame_ms.append((per_step + time.perf_counter() - start) * 1000.0)
                self._update_s, self._updates = 0.0, 0

        game.update, game.draw = timed_update, timed_draw

    def p95(self) -> float:
        if not self.frame_ms:
            return 0.0
        ordered = sorted(self.frame_ms)
        return ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))]


def run(cls: type, inputs: list[tuple[str, str]], options: dict, workdir: str) -> dict:
    """Play a fresh instance of the game headless on each recording with the games framework
    (calibration, instructions, play until the recording ends); report the game's counted reps,
    points and frame cost, and PNG screenshots of the first session's scenes."""
    from smarttouch.games.sdk.protocol import check_game_class
    from smarttouch.games.sdk.targets import PlanTargets
    from smarttouch.games.session.app import AppConfig
    from smarttouch.games.session.inputs import RecordingInput
    from smarttouch.games.session.runner import RunOptions, run_session
    from smarttouch.sensors.recording_io import load_recording

    problems = check_game_class(cls)
    if problems:
        raise TypeError("not a SmartTouch game: " + "; ".join(problems))
    opts = options
    movement = opts.get("movement") or cls.info.movements[0]
    rom = float(opts.get("rom_deg", cls.info.rom_deg))
    work = Path(workdir)
    predictions, seconds, files = {}, {}, {}
    for index, (rec_id, path) in enumerate(inputs):
        recording = load_recording(path)
        game = cls()
        timer = FrameTimer(game)
        shots = work / f"shots-{index}" if index == 0 and opts.get("screenshots") else None
        targets = PlanTargets(
            game=cls.info.key,
            movement=movement,
            target_rom_deg=rom,
            max_rom_deg=float(opts.get("max_rom_deg", max(rom, cls.info.max_rom_deg))),
            reps=500,
            sets=1,
            rest_s=0.0,
        )
        run_opts = RunOptions(
            headless=True,
            sound=False,
            draw_every=int(opts.get("draw_every", 3)),
            screenshot_dir=shots,
            screenshot_scenes=shots is not None,
            play_screenshot_after_s=min(14.0, 0.5 * recording.duration_s),
            config=AppConfig(instructions_s=0.5, summary_hold_s=0.5, preset_rom_max_deg=rom),
        )
        start = time.perf_counter()
        result = run_session(
            targets,
            RecordingInput(recording, movement),
            game=game,
            options=run_opts,
            history=work / f"history-{index}.json",
            data_dir=work / f"data-{index}",
        )
        seconds[rec_id] = time.perf_counter() - start
        predictions[rec_id] = {
            "reps": len(result.rep_events()),
            "score": int(result.score),
            "frame_ms_p95": round(timer.p95(), 3),
            "frames": len(timer.frame_ms),
        }
        if shots is not None and shots.is_dir():
            for png in sorted(shots.glob("*.png"))[:12]:
                files[png.name] = base64.b64encode(png.read_bytes()).decode("ascii")
    return {"predictions": predictions, "seconds": seconds, "files": files}
