"""``smarttouch play`` without ``--game``: today's exercise from the hub (see hub_play): a
built-in game, or an approved developer's game verified against the plan's sha256 first."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import click

from smarttouch.client.approved_games import no_bytecode, playable_keys
from smarttouch.client.hub_play import (
    HubLinkState,
    PlayError,
    Row,
    choose_exercise,
    connect,
    fetch_plan,
    game_for,
    hub_progress_fn,
    pick_sensor,
    queue_result,
    remember_sensor,
    targets_for,
)


def _picker_screen(
    lang: str, fullscreen: bool
) -> Callable[[Callable[[], list[Row]], Callable[[Row], str]], str]:
    """The "Choose your sensor" window as ``pick_sensor``'s picker (see scenes.sensor_picker)."""

    def picker(scan: Callable[[], list[Row]], to_spec: Callable[[Row], str]) -> str:
        from smarttouch.games.session.scenes.sensor_picker import run_picker
        from smarttouch.sensors.sources.ble import is_no_adapter_error

        kind, row = run_picker(scan, is_no_adapter_error, lang=lang, fullscreen=fullscreen)
        if kind == "device" and row is not None:
            return to_spec(row)
        if kind == "keyboard":
            return "keyboard"
        raise PlayError("no sensor chosen: run smarttouch play again when you are ready")

    return picker


def play_from_hub(
    *,
    sensor: str | None,
    assignment_id: int | None,
    upload_wait_s: float,
    headless: bool,
    duration_s: float | None,
    json_out: Path | None,
    lang: str,
    fullscreen: bool,
    preset_rom_max: float | None,
    screenshots: Path | None,
    data_dir: Path | None,
    seed: int,
    no_sound: bool,
) -> None:
    try:
        hub = connect()
    except PlayError as exc:
        raise click.ClickException(str(exc)) from None
    try:
        with no_bytecode():  # an approved game's cache must stay exactly as verified
            _play(
                hub,
                sensor=sensor,
                assignment_id=assignment_id,
                upload_wait_s=upload_wait_s,
                headless=headless,
                duration_s=duration_s,
                json_out=json_out,
                lang=lang,
                fullscreen=fullscreen,
                preset_rom_max=preset_rom_max,
                screenshots=screenshots,
                data_dir=data_dir,
                seed=seed,
                no_sound=no_sound,
            )
    finally:
        hub.close()


def _play(
    hub: HubLinkState,
    *,
    sensor: str | None,
    assignment_id: int | None,
    upload_wait_s: float,
    headless: bool,
    duration_s: float | None,
    json_out: Path | None,
    lang: str,
    fullscreen: bool,
    preset_rom_max: float | None,
    screenshots: Path | None,
    data_dir: Path | None,
    seed: int,
    no_sound: bool,
) -> None:
    from smarttouch.games.sdk.registry import game_keys
    from smarttouch.games.session.app import AppConfig
    from smarttouch.games.session.history import History, default_data_dir
    from smarttouch.games.session.runner import RunOptions, run_session
    from smarttouch.games.session.sensors import SensorSpecError, open_input

    try:
        plan, offline_note = fetch_plan(hub)
        exercise = choose_exercise(plan, playable_keys(plan, set(game_keys())), assignment_id)
        if offline_note:
            click.echo(offline_note)
        cls = game_for(hub, exercise)  # an approved game is downloaded and verified first
        spec = pick_sensor(sensor, hub.store, picker=None if headless else _picker_screen(lang, fullscreen))
    except PlayError as exc:
        raise click.ClickException(str(exc)) from None
    try:
        targets = targets_for(exercise, cls.info, lang)
    except (ValueError, KeyError) as exc:
        raise click.ClickException(f"cannot play today's exercise: {exc}") from None
    click.echo(
        f"Today: {exercise['activity']['title']} ({targets.movement}), "
        f"{targets.sets} x {targets.reps} reps, target {targets.target_rom_deg:g} deg; "
        f"sensor {spec}"
    )
    try:
        device = open_input(
            spec, targets, targets.movement, headless=headless, seed=seed, duration_s=duration_s
        )
    except SensorSpecError as exc:
        raise click.ClickException(str(exc)) from None
    if headless and duration_s is None and not device.simulated_time:
        raise click.ClickException("--headless with a live sensor needs --duration SECONDS")
    data = data_dir or default_data_dir()
    options = RunOptions(
        headless=headless,
        duration_s=duration_s,
        fullscreen=fullscreen,
        sound=not no_sound,
        draw_every=4 if headless else 1,
        screenshot_dir=screenshots or data / "screenshots",
        screenshot_scenes=screenshots is not None,
        config=AppConfig(
            preset_rom_max_deg=preset_rom_max, seed=seed, summary_hold_s=4.0 if headless else 600.0
        ),
    )
    history = History(data / "history.json")
    progress = hub_progress_fn(hub, history, activity_key=targets.game)
    result = run_session(
        targets,
        device,
        game=cls(),
        options=options,
        data_dir=data,
        history=history,
        progress_fn=progress,
        on_result=lambda r: queue_result(hub, r),
    )
    remember_sensor(hub.store, spec, result)
    out = json_out or data / "sessions" / f"{result.session_id}.json"
    try:
        result.save(out)
    except (OSError, ValueError) as exc:
        click.echo(f"could not save a local copy: {exc}", err=True)
    click.echo(
        f"{cls.info.key}: {result.reps} reps, {result.sets_completed}/{targets.sets} "
        f"sets, ended: {result.quit_reason}."
    )
    _report_upload(hub, result.session_id, upload_wait_s)


def _report_upload(hub, session_id: str, wait_s: float) -> None:
    if hub.background.wait_until_sent(session_id, wait_s):
        item = hub.outbox.get(session_id)
        click.echo(f"Uploaded to the hub (session {item.hub_id if item else '?'}).")
        return
    item = hub.outbox.get(session_id)
    if item is None:
        click.echo("The session could not be queued for the hub (see the log).", err=True)
    elif item.status == "rejected":
        click.echo(
            f"The hub refused this session: {item.last_error}. It stays on this computer "
            "(smarttouch outbox).",
            err=True,
        )
    else:
        reason = f" ({item.last_error})" if item.last_error else ""
        click.echo(
            f"Saved on this computer; it will be uploaded when the hub is reachable"
            f"{reason}. See smarttouch outbox."
        )
