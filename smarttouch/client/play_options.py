"""What both ways of ``smarttouch play`` share (a chosen game, or today's plan from the hub):
the window and session options of the command line, and opening the input device."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import click

from smarttouch.games.sdk.targets import PlanTargets
from smarttouch.games.session.app import AppConfig
from smarttouch.games.session.history import default_data_dir
from smarttouch.games.session.inputs.base import InputDevice
from smarttouch.games.session.runner import RunOptions
from smarttouch.games.session.sensors import SensorSpecError, open_input

SUMMARY_HOLD_HEADLESS_S = 4.0
SUMMARY_HOLD_WINDOW_S = 600.0
HEADLESS_INSTRUCTIONS_S = (
    5.0  # nobody is there to press a key  # the patient closes the summary; this is only a safety net
)


@dataclass(frozen=True)
class PlayOptions:
    """``play``'s options common to both ways of playing.

    headless: no window; duration_s: stop after these seconds (session clock); json_out: where
    to save the SessionResult (default: the data folder); lang: "en" or "it"; preset_rom_max:
    skip calibration with this comfortable maximum in degrees; screenshots: save one picture
    per scene here; data_dir: progress and game state (default: the user's data folder);
    seed: simulation and game layout; sound: play sounds; voice: spoken guidance (espeak-ng,
    when installed) in a window with sound on.
    """

    headless: bool = False
    duration_s: float | None = None
    json_out: Path | None = None
    lang: str = "en"
    fullscreen: bool = False
    preset_rom_max: float | None = None
    screenshots: Path | None = None
    data_dir: Path | None = None
    seed: int = 0
    sound: bool = True
    voice: bool = True

    @property
    def data(self) -> Path:
        """The folder for progress, game state, sessions and screenshots."""
        return self.data_dir or default_data_dir()

    def session_json(self, session_id: str) -> Path:
        """Where the session's JSON goes: ``--json`` or ``<data>/sessions/<id>.json``."""
        return self.json_out or self.data / "sessions" / f"{session_id}.json"

    def run_options(self) -> RunOptions:
        return RunOptions(
            headless=self.headless,
            duration_s=self.duration_s,
            fullscreen=self.fullscreen,
            sound=self.sound,
            draw_every=4 if self.headless else 1,
            screenshot_dir=self.screenshots or self.data / "screenshots",
            screenshot_scenes=self.screenshots is not None,
            speech=self.voice and self.sound and not self.headless,
            config=AppConfig(
                instructions_s=HEADLESS_INSTRUCTIONS_S if self.headless else None,
                preset_rom_max_deg=self.preset_rom_max,
                seed=self.seed,
                summary_hold_s=SUMMARY_HOLD_HEADLESS_S if self.headless else SUMMARY_HOLD_WINDOW_S,
                ask_feelings=not self.headless,  # a patient at the window rates pain and effort
            ),
        )

    def open_device(self, spec: str, targets: PlanTargets, movement: str) -> InputDevice:
        """The input device of ``--sensor spec``; a bad spec is a one-line click error."""
        try:
            device = open_input(
                spec, targets, movement, headless=self.headless, seed=self.seed, duration_s=self.duration_s
            )
        except SensorSpecError as exc:
            raise click.ClickException(str(exc)) from None
        if self.headless and self.duration_s is None and not device.simulated_time:
            raise click.ClickException("--headless with a live sensor needs --duration SECONDS")
        return device
