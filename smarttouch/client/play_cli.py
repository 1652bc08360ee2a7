"""``smarttouch play``: play a rehabilitation mini-game with any sensor, and save the session."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from smarttouch.games.sdk.registry import GameLoadError, game_infos, get_game
from smarttouch.games.sdk.targets import PlanTargets

# The valid ranges of the numbers a patient or therapist types (degrees, seconds): a value
# outside them is a one-line error naming the range, never silently changed.
ROM_RANGE_DEG = (5.0, 180.0)  # a joint's range of motion in the trained movements
COMFORT_RANGE_DEG = (10.0, 180.0)  # a comfortable maximum the session can use (calibration's floor)
DURATION_RANGE_S = (1.0, 4 * 3600.0)
WAIT_RANGE_S = (0.0, 600.0)
SEED_RANGE = (0, 2**32 - 1)  # numpy's seeds
ID_RANGE = (1, 2**31 - 1)

if TYPE_CHECKING:  # pragma: no cover - the session framework (pygame) loads only to play
    from smarttouch.client.play_options import PlayOptions
    from smarttouch.games.session.app import SessionApp
    from smarttouch.games.session.result import SessionResult


def _games_help() -> str:
    lines = []
    for info in game_infos():
        lines.append(f"{info.key}: {info.title_in('en')} ({', '.join(info.movements)})")
    return "\b\nGames:\n" + "\n".join(f"  {line}" for line in lines)


class _PlayCommand(click.Command):
    def format_epilog(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        formatter.write_paragraph()
        for line in _games_help().splitlines()[1:]:
            formatter.write_text(line)
        formatter.write_paragraph()
        formatter.write_text(
            "Keys: Esc or the Stop button ends the session safely (pain / tired / other); "
            "F12 saves a screenshot; F11 toggles full screen; with --sensor keyboard, "
            "Up/Down or the mouse move."
        )


@click.command(cls=_PlayCommand)
@click.option(
    "--game",
    "game_key",
    default=None,
    help="Game key (see below) or an entrypoint module:Class. Without it: today's plan from the hub.",
)
@click.option(
    "--sensor",
    default=None,
    help="sim, sim:MOVEMENT, keyboard, replay:FILE, virtual:PROFILE, ble:ADDRESS[:profile], or "
    "choose (a 'Choose your sensor' screen; choose:virtual:PROFILE for the emulated one). "
    "Default: sim with --game; with the hub, the remembered sensor, else the choose screen.",
)
@click.option(
    "--assignment",
    "assignment_id",
    type=click.IntRange(*ID_RANGE),
    default=None,
    help="With the hub: which exercise of today's plan (default: the first still due).",
)
@click.option(
    "--upload-wait",
    "upload_wait_s",
    type=click.FloatRange(*WAIT_RANGE_S),
    default=20.0,
    show_default=True,
    help="With the hub: seconds to wait for the upload at the end (it continues next time).",
)
@click.option("--movement", default="", help="Movement to train (default: the game's own).")
@click.option("--headless", is_flag=True, help="No window (SDL dummy driver).")
@click.option(
    "--duration", "duration_s", type=click.FloatRange(*DURATION_RANGE_S), help="Stop after S seconds."
)
@click.option(
    "--json",
    "json_out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the SessionResult here (NAME.json plus NAME.npz).",
)
@click.option("--lang", type=click.Choice(["en", "it"]), default="en", show_default=True)
@click.option("--fullscreen", is_flag=True, help="Full screen instead of a window.")
@click.option(
    "--reps", type=click.IntRange(1, 500), default=10, show_default=True, help="Repetitions per set."
)
@click.option("--sets", type=click.IntRange(1, 20), default=2, show_default=True)
@click.option(
    "--rom",
    "rom_deg",
    type=click.FloatRange(*ROM_RANGE_DEG),
    help="Target range of motion, degrees (default: the game's).",
)
@click.option(
    "--max-rom",
    "max_rom_deg",
    type=click.FloatRange(*ROM_RANGE_DEG),
    help="Therapist's maximum, degrees (default: the game's).",
)
@click.option("--difficulty", type=click.FloatRange(0, 1), default=0.5, show_default=True)
@click.option(
    "--rest",
    "rest_s",
    type=click.FloatRange(*WAIT_RANGE_S),
    default=20.0,
    show_default=True,
    help="Rest between sets, seconds.",
)
@click.option("--note", default="", help="The therapist's note shown to the patient.")
@click.option(
    "--rom-max",
    "preset_rom_max",
    type=click.FloatRange(*COMFORT_RANGE_DEG),
    help="Skip calibration: comfortable maximum in degrees.",
)
@click.option(
    "--screenshots",
    type=click.Path(file_okay=False, path_type=Path),
    help="Save a screenshot of every scene into this folder.",
)
@click.option(
    "--data-dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Where progress and game state are kept (default: your user data folder).",
)
@click.option(
    "--seed",
    type=click.IntRange(*SEED_RANGE),
    default=0,
    show_default=True,
    help="Random seed (simulation, game layout).",
)
@click.option("--no-sound", is_flag=True, help="Stay silent.")
@click.option(
    "--voice/--no-voice",
    default=True,
    show_default=True,
    help="Spoken guidance (needs espeak-ng; silent without it).",
)
def play(
    game_key: str | None,
    sensor: str | None,
    assignment_id: int | None,
    upload_wait_s: float,
    movement: str,
    headless: bool,
    duration_s: float | None,
    json_out: Path | None,
    lang: str,
    fullscreen: bool,
    reps: int,
    sets: int,
    rom_deg: float | None,
    max_rom_deg: float | None,
    difficulty: float,
    rest_s: float,
    note: str,
    preset_rom_max: float | None,
    screenshots: Path | None,
    data_dir: Path | None,
    seed: int,
    no_sound: bool,
    voice: bool,
) -> None:
    """Play a rehabilitation mini-game and save the session (recording, calibration, events, metrics).

    Without --game: play today's exercise from the hub (pair first with smarttouch pair); the session is
    kept in the outbox until the hub has it (smarttouch outbox). A game a developer wrote runs only after a
    therapist approved it and only if its code matches the approved sha256 in your plan.
    """
    from smarttouch.client.play_options import PlayOptions

    opts = PlayOptions(
        headless=headless,
        duration_s=duration_s,
        json_out=json_out,
        lang=lang,
        fullscreen=fullscreen,
        preset_rom_max=preset_rom_max,
        screenshots=screenshots,
        data_dir=data_dir,
        seed=seed,
        sound=not no_sound,
        voice=voice,
    )
    if game_key is None:
        from smarttouch.client.hub_cli import play_from_hub

        play_from_hub(opts, sensor=sensor, assignment_id=assignment_id, upload_wait_s=upload_wait_s)
        return
    _play_game(
        opts,
        game_key,
        sensor or "sim",
        movement=movement,
        reps=reps,
        sets=sets,
        rom_deg=rom_deg,
        max_rom_deg=max_rom_deg,
        difficulty=difficulty,
        rest_s=rest_s,
        note=note,
    )


def _play_game(
    opts: PlayOptions,
    game_key: str,
    sensor: str,
    *,
    movement: str,
    reps: int,
    sets: int,
    rom_deg: float | None,
    max_rom_deg: float | None,
    difficulty: float,
    rest_s: float,
    note: str,
) -> None:
    """``play --game``: one session of the chosen game, saved locally."""
    from smarttouch.games.session.runner import run_session

    try:
        cls = get_game(game_key)
    except GameLoadError as exc:
        raise click.ClickException(str(exc)) from None
    info = cls.info
    movement = movement or info.movements[0]
    max_rom = max_rom_deg if max_rom_deg is not None else max(info.max_rom_deg, rom_deg or 0.0)
    try:
        targets = PlanTargets(
            game=game_key,
            movement=movement,
            target_rom_deg=rom_deg if rom_deg is not None else min(info.rom_deg, max_rom),
            max_rom_deg=max_rom,
            reps=reps,
            sets=sets,
            difficulty=difficulty,
            rest_s=rest_s,
            therapist_note=note,
            lang=opts.lang,
        )
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None
    device = opts.open_device(sensor, targets, movement)
    total_s = opts.duration_s or getattr(device, "end_s", None)
    on_step, bar = _progress(opts.headless and device.simulated_time, total_s)

    def on_ended(ended: SessionResult) -> None:  # saved as the game ends, again after the questions
        ended.save(opts.session_json(ended.session_id))

    try:
        result = run_session(
            targets,
            device,
            game=cls(),
            options=opts.run_options(),
            data_dir=opts.data,
            on_step=on_step,
            on_ended=on_ended,
        )
    finally:
        if bar is not None:
            bar.close()
    try:
        path = result.save(opts.session_json(result.session_id))
    except (OSError, ValueError) as exc:
        raise click.ClickException(f"could not save the session: {exc}") from None
    rate = "-" if result.success_rate is None else f"{result.success_rate:.0%}"
    click.echo(
        f"{info.key}: {result.reps} reps, {result.sets_completed}/{targets.sets} sets, score {result.score}, "
        f"success {rate}, ended: {result.quit_reason}. Saved {path}"
    )


def _progress(show: bool, total_s: float | None) -> tuple[Callable[[SessionApp], None] | None, Any]:
    """A progress bar of simulated seconds for a headless simulated session (or nothing)."""
    if not show:
        return None, None
    from tqdm import tqdm

    bar = tqdm(total=round(total_s or 0, 1) or None, unit="s", desc="simulated session", leave=False)
    shown = [0]

    def on_step(app: SessionApp) -> None:
        whole = int(app.now)
        if whole > shown[0]:
            bar.update(whole - shown[0])
            shown[0] = whole

    return on_step, bar
