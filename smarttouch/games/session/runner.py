"""``run_session``: the play loop other code calls (the CLI, the patient client, the harness).

A fixed-timestep loop (logic always advances in steps of 1/60 s) with drawing decoupled:
in a window it runs on the wall clock and draws every frame; headless with a simulated-time
input (a recording) it runs as fast as the CPU allows and draws only every ``draw_every``
steps and when a screenshot is due. The canvas is always 1280x720 logical pixels, scaled to
the window or the full screen.
"""

from __future__ import annotations

import os
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from smarttouch.games.sdk.protocol import Game
from smarttouch.games.sdk.registry import make_game
from smarttouch.games.sdk.targets import PlanTargets
from smarttouch.games.session.app import AppConfig, SessionApp
from smarttouch.games.session.difficulty import scoring_controller
from smarttouch.games.session.history import History, default_data_dir
from smarttouch.games.session.inputs.base import InputDevice
from smarttouch.games.session.result import SessionResult
from smarttouch.games.session.sound import SoundBank
from smarttouch.games.session.speech import Speaker

STEP_S = 1.0 / 60.0
CANVAS = (1280, 720)


@dataclass
class RunOptions:
    """How to run a session.

    headless: no window (SDL dummy driver). duration_s: end with reason "time_limit" after
    this many seconds on the session clock (None = until done). draw_every: in fast headless
    mode draw one step in N (screenshots are always drawn). screenshot_dir: where F12 and
    scene screenshots go; screenshot_scenes: save one picture of each scene (named
    GAME-SCENE.png) once it has been shown for ``screenshot_after_s`` (the play scene after
    ``play_screenshot_after_s``, so the picture shows a game in progress). screenshot_sink:
    when set, each screenshot goes to ``screenshot_sink(file name, canvas surface)`` instead of
    a file (the challenges harness keeps the pixels; no file another process could swap).
    speech: spoken guidance through espeak-ng when it is installed (silent otherwise);
    speech_wav_dir: write what would be said to WAV files there instead. window_size: the
    window's size in pixels (default 1280x720); headless, the size of the screenshots (what
    such a window shows: the canvas scaled).
    """

    headless: bool = False
    duration_s: float | None = None
    fullscreen: bool = False
    sound: bool = True
    draw_every: int = 1
    screenshot_dir: Path | None = None
    screenshot_scenes: bool = False
    screenshot_sink: Callable[[str, Any], None] | None = None
    screenshot_after_s: float = 1.2
    play_screenshot_after_s: float = 14.0
    max_frames: int | None = None
    config: AppConfig = field(default_factory=AppConfig)
    speech: bool = False
    speech_wav_dir: Path | None = None
    window_size: tuple[int, int] | None = None


def _init_pygame(headless: bool) -> Any:
    if headless:
        os.environ["SDL_VIDEODRIVER"] = "dummy"
        os.environ.setdefault("SDL_AUDIODRIVER", "dummy")
    os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")
    import pygame

    pygame.display.init()
    pygame.font.init()
    return pygame


class Screen:
    """The logical canvas and, when not headless, the window it is scaled into."""

    def __init__(
        self,
        pygame: Any,
        headless: bool,
        fullscreen: bool,
        title: str,
        window_size: tuple[int, int] | None = None,
    ):
        self.pg = pygame
        self.headless = headless
        self.window: Any  # the display surface (pygame.Surface)
        self.size = window_size or CANVAS
        if headless:
            self.window = pygame.display.set_mode(CANVAS)
        else:
            # SDL's renderer scales the 1280x720 canvas to the window or the screen (on the
            # graphics card where there is one), so a 1920x1080 screen costs no extra drawing;
            # mouse positions arrive in canvas pixels
            flags = pygame.SCALED | (pygame.FULLSCREEN if fullscreen else pygame.RESIZABLE)
            with warnings.catch_warnings():  # without a renderer SDL scales in software: fine
                warnings.filterwarnings("ignore", message="no fast renderer available")
                self.window = pygame.display.set_mode(CANVAS, flags)
            pygame.display.set_caption(title)
        self.canvas = pygame.Surface(CANVAS).convert()

    def to_canvas(self, pos: tuple[int, int]) -> tuple[int, int]:
        ww, wh = self.window.get_size()
        return int(pos[0] * CANVAS[0] / max(ww, 1)), int(pos[1] * CANVAS[1] / max(wh, 1))

    def present(self) -> None:
        if self.headless:
            return
        if self.window.get_size() == CANVAS:
            self.window.blit(self.canvas, (0, 0))
        else:
            self.pg.transform.smoothscale(self.canvas, self.window.get_size(), self.window)
        self.pg.display.flip()

    def picture(self) -> Any:
        """What a window of ``window_size`` shows: the canvas, scaled when the sizes differ
        (made only when a screenshot is taken)."""
        if self.size == CANVAS:
            return self.canvas
        return self.pg.transform.smoothscale(self.canvas, self.size)

    def toggle_fullscreen(self) -> None:
        if not self.headless:
            self.pg.display.toggle_fullscreen()


def _mapped(screen: Screen, event: Any) -> Any:
    """The event with its mouse position in canvas pixels."""
    pg = screen.pg
    if hasattr(event, "pos") and event.type in (pg.MOUSEBUTTONDOWN, pg.MOUSEBUTTONUP, pg.MOUSEMOTION):
        d = dict(event.dict)
        d["pos"] = screen.to_canvas(event.pos)
        return pg.event.Event(event.type, d)
    return event


def run_session(
    targets: PlanTargets,
    device: InputDevice,
    *,
    game: Game | str | None = None,
    options: RunOptions | None = None,
    history: History | Path | None = None,
    data_dir: Path | None = None,
    controller_factory: Callable[[PlanTargets], Any] = scoring_controller,
    progress_fn: Callable[..., Any] | None = None,
    on_step: Callable[[SessionApp], None] | None = None,
    on_result: Callable[[SessionResult], None] | None = None,
    on_ended: Callable[[SessionResult], None] | None = None,
) -> SessionResult:
    """Play one session of ``targets`` with ``device`` and return its SessionResult.

    ``game`` defaults to ``targets.game`` from the registry. ``history`` is the local progress
    file (default: the user's data folder); ``data_dir`` where games keep state (default the
    same folder). ``on_step`` is called after every logic step (tests use it to press the stop
    button at a chosen moment). ``on_result`` receives the SessionResult as soon as the session
    ends, before the summary scene (the patient client writes its outbox there); when "how do
    you feel now" follows the game, ``on_ended`` receives it first, as the game ends, with those
    questions recorded as skipped (the client writes it then, and ``on_result`` replaces it).
    """
    opts = options or RunOptions()
    pygame = _init_pygame(opts.headless)
    the_game = make_game(game or targets.game) if game is None or isinstance(game, str) else game
    if data_dir is None:
        data_dir = default_data_dir()
    hist = (
        history
        if isinstance(history, History)
        else History(history if history is not None else Path(data_dir) / "history.json")
    )
    screen = Screen(
        pygame, opts.headless, opts.fullscreen, the_game.info.title_in(targets.lang), opts.window_size
    )
    sound = SoundBank(enabled=opts.sound)
    speaker = Speaker(targets.lang, enabled=opts.speech, wav_dir=opts.speech_wav_dir)
    app = SessionApp(
        the_game,
        targets,
        device,
        config=opts.config,
        sound=sound,
        history=hist,
        data_dir=Path(data_dir),
        controller_factory=controller_factory,
        progress_fn=progress_fn,
        size=CANVAS,
        on_result=on_result,
        on_ended=on_ended,
        speaker=speaker,
    )
    fast = opts.headless and device.simulated_time
    shots = Screenshots(
        opts.screenshot_dir,
        the_game.info.key,
        opts.screenshot_scenes,
        opts.screenshot_after_s,
        opts.play_screenshot_after_s,
        sink=opts.screenshot_sink,
    )
    device.start()
    try:
        _loop(app, screen, opts, fast, shots, on_step)
    finally:
        device.stop()
        speaker.close(wait_s=5.0 if opts.speech_wav_dir is not None else 0.0)
    if app.result is None:  # loop left early (max_frames): still return what happened
        app.close()
    assert app.result is not None  # finish() builds it
    return app.result


class Screenshots:
    """Scene screenshots (once per scene) and on-demand ones (F12), to files or to ``sink``."""

    def __init__(
        self,
        folder: Path | None,
        key: str,
        per_scene: bool,
        after_s: float,
        play_after_s: float,
        sink: Callable[[str, Any], None] | None = None,
    ):
        self.folder = Path(folder) if folder else None
        self.sink = sink
        self.key = key
        self.per_scene = per_scene and (self.folder is not None or sink is not None)
        self.after_s = after_s
        self.play_after_s = play_after_s
        self.taken: set[str] = set()
        self.saved: list[Path] = []
        self.requested = False

    def due(self, app: SessionApp) -> bool:
        if self.folder is None and self.sink is None:
            return False
        if self.requested:
            return True
        name = app.scene.name
        hold = app.config.summary_hold_s
        summary_wait = self.after_s if hold is None else min(self.after_s, hold * 0.5)
        wait = {"summary": summary_wait, "play": self.play_after_s}.get(name, self.after_s)
        return self.per_scene and name not in self.taken and app.scene.age_s >= wait

    def save(self, pygame: Any, canvas: Any, app: SessionApp) -> None:
        if self.requested:
            name = f"{self.key}-{int(time.time() * 1000)}.png"
            self.requested = False
        else:
            self.taken.add(app.scene.name)
            name = f"{self.key}-{app.scene.name}.png"
        if self.sink is not None:
            self.sink(name, canvas)
            return
        if self.folder is None:  # due() is never true without a folder or a sink
            return
        self.folder.mkdir(parents=True, exist_ok=True)
        path = self.folder / name
        pygame.image.save(canvas, str(path))
        self.saved.append(path)


def _loop(
    app: SessionApp,
    screen: Screen,
    opts: RunOptions,
    fast: bool,
    shots: Screenshots,
    on_step: Callable[[SessionApp], None] | None,
) -> None:
    pg = screen.pg
    clock_prev = time.perf_counter()
    lag = 0.0
    steps = 0
    frames = 0
    while not app.finished:
        for event in pg.event.get():
            if event.type == pg.QUIT:
                app.close()
            elif event.type == pg.KEYDOWN and event.key == pg.K_F12:
                shots.requested = True
            elif event.type == pg.KEYDOWN and event.key == pg.K_F11:
                screen.toggle_fullscreen()
            else:
                app.handle_event(_mapped(screen, event))
        if app.finished:
            break
        if fast:
            n_steps = 1
        else:
            now = time.perf_counter()
            lag += min(now - clock_prev, 0.25)  # never spiral after a stall
            clock_prev = now
            n_steps = int(lag / STEP_S)
            lag -= n_steps * STEP_S
        for _ in range(n_steps):
            app.step(STEP_S)
            steps += 1
            if on_step is not None:
                on_step(app)
            if opts.duration_s is not None and app.now >= opts.duration_s and app.quit_reason is None:
                app.request_stop("time_limit")
            exhausted = getattr(app.device, "exhausted", False)
            if exhausted and app.quit_reason is None:
                app.request_stop("time_limit", "the recording ended")
            if app.finished:
                break
        shot_due = shots.due(app)
        draw_now = (not fast) or steps % max(1, opts.draw_every) == 0 or shot_due
        if draw_now and n_steps:
            app.draw(screen.canvas)
            screen.present()
            if shot_due:
                shots.save(pg, screen.canvas if shots.sink is not None else screen.picture(), app)
        frames += 1
        if opts.max_frames is not None and frames >= opts.max_frames:
            break
        if not fast:
            time.sleep(max(0.0, STEP_S - lag - 0.001))
