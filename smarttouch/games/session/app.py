"""``SessionApp``: the session's state machine (logic only, no window).

Scenes in order: (how do you feel, when ``AppConfig.ask_feelings``) -> calibration (neutral
pose, comfortable maximum) -> instructions -> play -> rest -> play ... -> (how do you feel
now) -> summary. The session is saved the moment the game ends: before "how do you feel
now", ``on_ended`` receives it with those questions recorded as skipped and the local history
keeps it; the answers then replace it (``on_result``, the history entry in place), so a
crash while the patient answers loses nothing played. The stop control (pain / fatigue / other) is reachable from
every scene; choosing a reason ends the session safely and records it. The runner owns the
window and the clock and calls ``step(dt)``, ``handle_event(e)`` and ``draw(surface)``.

The session's phases (the scenes, plus ``stop`` while the stop menu is open) are written
down on the recording's clock by a :class:`~.phases.PhaseLog`; a :class:`~.phases.RepGate`
decides which repetitions reach the game, so the reps the game counts are the reps inside
the play phases (see :mod:`.phases`).
"""

from __future__ import annotations

import logging
import random
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from smarttouch.games.sdk.events import GameEvent
from smarttouch.games.sdk.layout import DrawnRects
from smarttouch.games.sdk.messages import tr
from smarttouch.games.sdk.protocol import Game, GameContext
from smarttouch.games.sdk.targets import PlanTargets
from smarttouch.games.sdk.trophy import Trophy, trophy_of
from smarttouch.games.session.difficulty import DifficultyAdapter, SuccessBandController, scoring_controller
from smarttouch.games.session.feedback import Feedback
from smarttouch.games.session.feelings import Rating, unanswered
from smarttouch.games.session.history import History, HistoryEntry, ProgressView
from smarttouch.games.session.inputs.base import IDLE_STATE, InputDevice
from smarttouch.games.session.phases import PhaseLog, RepGate
from smarttouch.games.session.result import SessionResult, utc_now
from smarttouch.games.session.sound import SoundBank
from smarttouch.games.session.speech import Speaker
from smarttouch.games.session.stopmenu import StopMenu

if TYPE_CHECKING:  # pragma: no cover - the scenes draw with pygame; they are imported when used
    import pygame

    from smarttouch.games.session.scenes.base import Scene

log = logging.getLogger(__name__)


@dataclass
class AppConfig:
    """Timings of the framework scenes, in seconds (session clock).

    instructions_s: start playing after this long on the instructions; None (the default)
    waits for the patient: a key, a click, or holding still for ``start_still_s`` once the
    first ``instructions_read_s`` have passed (headless runs, tests and the challenge harness
    set a time, since nobody is there to press a key).

    preset_rom_max_deg: skip calibration and use this comfortable maximum (degrees), e.g.
    from the previous session; None = calibrate.
    ask_feelings: ask pain (0-10) and effort (Borg CR10) before and after the session (the
    patient's app does; automated and headless runs do not, as nobody is there to answer).
    feelings_after_timeout_s: questions after the session left unanswered this long are
    recorded as skipped, so the session is saved even when the patient walked away.
    """

    instructions_s: float | None = None
    instructions_read_s: float = 3.0
    start_still_s: float = 2.0
    neutral_hold_s: float = 1.5
    neutral_still_dps: float = 12.0
    calibration_timeout_s: float = 25.0
    disconnect_timeout_s: float = 60.0
    summary_hold_s: float | None = 4.0  # None: the summary waits for Done
    preset_rom_max_deg: float | None = None
    seed: int = 0
    ask_feelings: bool = False
    feelings_after_timeout_s: float = 300.0


class SessionApp:
    """One session, from calibration to summary (see module docstring)."""

    def __init__(
        self,
        game: Game,
        targets: PlanTargets,
        device: InputDevice,
        *,
        config: AppConfig | None = None,
        sound: SoundBank | None = None,
        history: History | None = None,
        data_dir: Path | None = None,
        controller_factory: Callable[[PlanTargets], SuccessBandController | None] = scoring_controller,
        progress_fn: Callable[[HistoryEntry], ProgressView] | None = None,
        size: tuple[int, int] = (1280, 720),
        on_result: Callable[[SessionResult], None] | None = None,
        on_ended: Callable[[SessionResult], None] | None = None,
        speaker: Speaker | None = None,
    ):
        from smarttouch.games.session.scenes import FeelingsScene

        self.game = game
        self.targets = targets
        self.device = device
        self.config = config or AppConfig()
        self.sound = sound or SoundBank(enabled=False)
        self.speech = speaker or Speaker(targets.lang, enabled=False)
        self.layout = DrawnRects()  # what the last frame drew where (see sdk.layout)
        self.history = history
        self.progress_fn = progress_fn
        self.on_result = on_result  # e.g. the patient client's outbox, before the summary
        self.on_ended = on_ended  # the same, as the game ends, while the questions after wait
        self.data_dir = data_dir
        self.size = size
        self.controller_factory = controller_factory
        self.movement = targets.movement or game.info.movements[0]
        self.rng = random.Random(self.config.seed)
        self.feedback = Feedback(targets.lang, self.rng)
        self.stop_menu = StopMenu()
        self.now = 0.0
        self.control = IDLE_STATE
        self.events: list[GameEvent] = []
        self.calibration: dict[str, Any] = {}
        self.rom_max_deg: float | None = None
        self.adapter: DifficultyAdapter | None = None
        self.ctx: GameContext | None = None
        self.game_started = False
        self.reps = 0
        self.reps_in_set = 0
        self.set_index = 0
        self.sets_completed = 0
        self.score = 0
        self.rep_roms: list[float] = []
        self.quit_reason: str | None = None
        self.quit_note = ""
        self.started_at = utc_now()
        self.session_id = str(uuid.uuid4())  # the same in every save of this session
        self.result: SessionResult | None = None
        self.progress: ProgressView | None = None
        self.feelings: list[Rating] = []
        self.feelings_asked: list[str] = []  # moments whose questions were put to the patient
        self.trophy: Trophy | None = None
        self.finished = False
        self.scene: Scene  # set by goto() below
        self.scene_log: list[tuple[float, str]] = []
        self.phase_log = PhaseLog()
        self.rep_gate = RepGate(self.phase_log)
        if self.config.preset_rom_max_deg:
            self.apply_calibration(float(self.config.preset_rom_max_deg), preset=True)
        if self.config.ask_feelings:
            self.feelings_asked.append("before")
            self.goto(FeelingsScene("before"))
        else:
            self._start_exercise()

    def _start_exercise(self) -> None:
        """Calibration, or straight to the instructions with a preset comfortable maximum."""
        from smarttouch.games.session.scenes import CalibrationScene, InstructionsScene

        self.goto(InstructionsScene() if self.rom_max_deg is not None else CalibrationScene())

    def tr(self, key: str, **values: Any) -> str:
        """A message of the games' catalogue in the session's language."""
        return tr(key, self.targets.lang, **values)

    def speak(self, text: str) -> None:
        """Say ``text`` aloud when spoken guidance is on (never waits)."""
        self.speech.say(text)

    # --- time and events -------------------------------------------------------------------
    def log(self, kind: str, **data: Any) -> GameEvent:
        ev = GameEvent(self.control.t, kind, data)
        self.events.append(ev)
        return ev

    def goto(self, scene: Scene, log: bool = True) -> None:
        """Switch to ``scene``; ``log=False`` when its event and phase are already recorded."""
        self.scene = scene
        self.scene_log.append((self.now, scene.name))
        if log:
            self.log("scene", name=scene.name, session_s=round(self.now, 3))
            self._begin_phase(scene.name)
        scene.enter(self)

    def _begin_phase(self, kind: str) -> None:
        """The phase of scene ``kind`` begins now (play begins through the rep gate)."""
        t = self.control.t
        self.rep_gate.stop_play(t)
        if kind == "play":
            self.rep_gate.start_play(t, self.set_index)
        elif kind == "rest":
            self.phase_log.begin(kind, t, self.set_index)
        else:
            self.phase_log.begin(kind, t)

    def step(self, dt: float) -> None:
        """Advance the session by one fixed step of ``dt`` seconds."""
        self.now += dt
        self.control = self.rep_gate.filter(self.device.poll(self.now))
        self.feedback.update(dt)
        if self.stop_menu.open and not self.finished:
            return  # everything waits while the patient decides
        self.scene.update(self, self.control, dt)

    def handle_event(self, event: pygame.event.Event) -> None:
        """A pygame event already mapped to canvas coordinates."""
        was_open = self.stop_menu.open
        choice = self.stop_menu.handle_event(event, self.size, in_summary=self.quit_reason is not None)
        if self.stop_menu.open and not was_open:
            self._begin_phase("stop")
        if choice is not None:
            if choice != "resume":
                self.request_stop(choice)
            else:
                self._begin_phase(self.scene.name)  # the interrupted scene goes on
            return
        if self.stop_menu.open:
            return
        self.scene.handle_event(self, event)
        if not self.scene.captures_input:
            self.device.handle_event(event)

    # --- calibration and play --------------------------------------------------------------
    def apply_calibration(self, rom_max_deg: float, preset: bool = False, **extra: Any) -> None:
        """Fix the comfortable maximum (degrees) and prepare the game's context."""
        rom_max_deg = max(10.0, float(rom_max_deg))
        self.rom_max_deg = rom_max_deg
        self.device.set_rom_max(rom_max_deg)
        self.calibration = {
            **self.device.calibration_dict(),
            "rom_max_deg": round(rom_max_deg, 2),
            "preset": preset,
            **extra,
        }
        self.log("calibration", **self.calibration)
        ceiling = min(
            self.targets.max_rom_deg, rom_max_deg
        )  # never past the therapist's max nor today's comfort
        bounded = self.targets.with_(
            max_rom_deg=ceiling, target_rom_deg=min(self.targets.target_rom_deg, ceiling)
        )
        self.adapter = DifficultyAdapter(bounded, rom_max_deg, self.controller_factory(bounded))
        self.ctx = GameContext(
            targets=self.targets,
            movement=self.movement,
            difficulty=self.adapter.difficulty,
            rng=random.Random(self.config.seed + 1),
            data_dir=self.data_dir,
            size=self.size,
        )

    def start_game(self) -> None:
        if not self.game_started:
            assert self.ctx is not None and self.adapter is not None  # calibration comes first
            self.game.start(self.ctx)
            self.game_started = True
            self.log(
                "difficulty",
                target_rom_deg=round(self.adapter.difficulty.target_rom_deg, 2),
                adaptive=self.adapter.adaptive,
            )

    def on_game_events(self, events: list[GameEvent]) -> None:
        """Framework reactions to what the game reported: progress, feedback, difficulty, sets."""
        from smarttouch.games.session.scenes import RestScene

        for ev in events:
            self.events.append(ev)
            if ev.kind == "hit":
                self.sound.play("hit", ev.t)
            elif ev.kind == "score":
                self.score = int(ev.data.get("total", self.score + int(ev.data.get("points", 0))))
            elif ev.kind == "rep":
                self._on_rep(ev)
        if self.reps_in_set >= self.targets.reps and self.quit_reason is None:
            self.rep_gate.stop_play(self.control.t)
            self.sets_completed += 1
            self.log("set_complete", set=self.set_index + 1, reps=self.reps_in_set)
            if self.set_index + 1 >= self.targets.sets:
                self.sound.play("finish", self.control.t)
                self.finish("completed")
            else:
                self.sound.play("set", self.control.t)
                self.set_index += 1
                self.reps_in_set = 0
                self.goto(RestScene())

    def _on_rep(self, ev: GameEvent) -> None:
        self.reps += 1
        self.reps_in_set += 1
        success = bool(ev.data.get("success"))
        rom = ev.data.get("rom_deg")
        if rom is not None:
            self.rep_roms.append(float(rom))
        self.sound.play("rep" if success else "miss", ev.t)
        cause = ev.data.get("cause")
        phrase = self.feedback.rep(success, cause if isinstance(cause, str) else None)
        self.log("praise", text=phrase, success=success)
        assert self.adapter is not None  # reps come from the game, which starts after calibration
        change = self.adapter.record(
            success,
            cause=cause if isinstance(cause, str) else None,
            rom_deg=float(rom) if isinstance(rom, (int, float)) else None,
        )
        if change:
            self.log("difficulty", **change)

    # --- ending ------------------------------------------------------------------------------
    def request_stop(self, reason: str, note: str = "") -> None:
        """End the session now for ``reason`` (pain, fatigue, other, time_limit, ...)."""
        if self.quit_reason is not None:
            return
        self.stop_menu.close()
        self.log("stop", reason=reason, note=note)
        self.quit_note = note
        self.finish(reason)

    def finish(self, reason: str) -> None:
        """The session ends for ``reason``: the game stops, then "how do you feel now" (when
        feelings are asked and the window was not closed), then the result and the summary."""
        from smarttouch.games.session.scenes import FeelingsScene

        if self.quit_reason is not None:
            return
        self.quit_reason = reason
        if self.game_started:
            self.game.finish()
        self._skip_unanswered("before")  # stopped while still rating "before"
        if self.config.ask_feelings and reason != "closed":
            self.feelings_asked.append("after")
            self._save_ended()
            self.goto(FeelingsScene("after"))
        else:
            self.conclude()

    def _save_ended(self) -> None:
        """Save the session as it ended, before "how do you feel now": the questions still
        open are recorded as skipped (what is kept if the patient never answers them, e.g.
        the computer dies), to ``on_ended`` and the local history; :meth:`conclude` replaces
        both with the answers."""
        from smarttouch.games.session.summary_data import build_result, history_entry

        self.trophy = trophy_of(self.game) if self.game_started else None
        result = build_result(self)
        at = utc_now()
        result.feelings = [
            *result.feelings,
            *(Rating("after", scale, None, True, at) for scale in self.unanswered_feelings("after")),
        ]
        if self.on_ended is not None:
            try:
                self.on_ended(result)
            except Exception:  # the questions must still be asked; conclude() saves again
                log.exception("on_ended failed for session %s", result.session_id)
        if self.history is not None:
            try:
                self.history.add(history_entry(result), date.today())
            except OSError:
                log.exception("could not write the local history for session %s", result.session_id)

    def close(self) -> None:
        """The window is closing: end the session now if it is running, save what was
        rated (the rest as skipped), and finish."""
        if self.quit_reason is None:
            self.request_stop("closed")
        if self.result is None:
            self.conclude()
        self.finished = True

    def conclude(self) -> None:
        """Build the SessionResult (handing it to ``on_result``) and show the summary."""
        from smarttouch.games.session.scenes import SummaryScene
        from smarttouch.games.session.summary_data import build_result

        if self.result is not None:
            return
        for moment in self.feelings_asked:
            self._skip_unanswered(moment)
        self.trophy = trophy_of(self.game) if self.game_started else None
        self.log("scene", name=SummaryScene.name, session_s=round(self.now, 3))
        self._begin_phase(SummaryScene.name)
        self.result = build_result(self)
        if self.on_result is not None:
            try:
                self.on_result(self.result)
            except Exception:  # the summary must still show; the CLI saves the session too
                log.exception("on_result failed for session %s", self.result.session_id)
        self.progress = self._progress(self.result)
        self.goto(SummaryScene(), log=False)

    # --- how do you feel -------------------------------------------------------------------
    def unanswered_feelings(self, moment: str) -> list[str]:
        """The scales of ``moment`` not yet rated or skipped."""
        return unanswered(self.feelings, moment)

    def rate_feeling(self, moment: str, scale: str, value: int | None) -> None:
        """Record one answer (``value`` None = skipped), once per moment and scale."""
        if scale not in self.unanswered_feelings(moment):
            return
        rating = Rating(moment, scale, value, value is None, utc_now())
        self.feelings.append(rating)
        self.log("feeling", **rating.to_dict())

    def feelings_done(self, moment: str) -> None:
        """Every question of ``moment`` is answered: go on with the session."""
        if moment == "before":
            if self.quit_reason is None:
                self._start_exercise()
        else:
            self.conclude()

    def _skip_unanswered(self, moment: str) -> None:
        if moment in self.feelings_asked:
            for scale in self.unanswered_feelings(moment):
                self.rate_feeling(moment, scale, None)

    def _progress(self, result: SessionResult) -> ProgressView:
        from smarttouch.games.session.summary_data import history_entry

        entry = history_entry(result)
        if self.progress_fn is not None:
            return self.progress_fn(entry)
        if self.history is not None:
            return self.history.add(entry, date.today())
        return ProgressView(previous=None, recent=[entry], streak_days=int(entry.active), badges=[])

    # --- drawing -------------------------------------------------------------------------------
    def draw(self, surface: pygame.Surface) -> None:
        self.layout.clear()
        self.scene.draw(self, surface)
        self.feedback.draw(surface, self.layout)
        self.stop_menu.draw(
            surface, self.targets.lang, in_summary=self.quit_reason is not None, layout=self.layout
        )
