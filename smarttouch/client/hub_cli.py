"""``smarttouch play`` without ``--game``: today's exercise from the hub (see hub_play): a
built-in game, or an approved developer's game verified against the plan's sha256 first."""

from __future__ import annotations

import click

from smarttouch.client.approved_games import no_bytecode
from smarttouch.client.errors import PlayError
from smarttouch.client.hub_play import (
    HubLinkState,
    connect,
    fetch_plan,
    game_for,
    hub_progress_fn,
    mark_messages_read,
    progress_path,
    restore_progress,
    session_hooks,
)
from smarttouch.client.plan import choose_exercise, playable_keys, targets_for, unread_messages
from smarttouch.client.play_options import PlayOptions
from smarttouch.client.sensor_choice import Picker, Scan, ToSpec, pick_sensor, remember_sensor
from smarttouch.games.sdk.registry import game_keys
from smarttouch.games.session.history import History
from smarttouch.games.session.result import SessionResult
from smarttouch.games.session.runner import run_session


def _picker_screen(lang: str, fullscreen: bool) -> Picker:
    """The "Choose your sensor" window as ``pick_sensor``'s picker (see scenes.sensor_picker)."""

    def picker(scan: Scan, to_spec: ToSpec) -> str:
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
    opts: PlayOptions, *, sensor: str | None, assignment_id: int | None, upload_wait_s: float
) -> None:
    """Play today's exercise (``assignment_id``: a given one) with ``sensor`` (None: the
    remembered or chosen one) and wait up to ``upload_wait_s`` seconds for the upload."""
    try:
        hub = connect()
    except PlayError as exc:
        raise click.ClickException(str(exc)) from None
    try:
        with no_bytecode():  # an approved game's cache must stay exactly as verified
            _play(hub, opts, sensor=sensor, assignment_id=assignment_id, upload_wait_s=upload_wait_s)
    finally:
        hub.close()


def _play(
    hub: HubLinkState,
    opts: PlayOptions,
    *,
    sensor: str | None,
    assignment_id: int | None,
    upload_wait_s: float,
) -> None:
    try:
        plan, offline_note = fetch_plan(hub)
        exercise = choose_exercise(plan, playable_keys(plan, set(game_keys())), assignment_id)
        if offline_note:
            click.echo(offline_note)
        cls = game_for(hub, exercise)  # an approved game is downloaded and verified first
        picker = None if opts.headless else _picker_screen(opts.lang, opts.fullscreen)
        spec = pick_sensor(sensor, hub.store, picker=picker)
    except PlayError as exc:
        raise click.ClickException(str(exc)) from None
    unread = unread_messages(plan)
    for message in unread:
        click.echo(f"Message from your therapist ({message['sent_at'][:10]}): {message['body']}")
    try:
        targets = targets_for(exercise, cls.info, opts.lang, unread)
    except (ValueError, KeyError) as exc:
        raise click.ClickException(f"cannot play today's exercise: {exc}") from None
    click.echo(
        f"Today: {exercise['activity']['title']} ({targets.movement}), "
        f"{targets.sets} x {targets.reps} reps, target {targets.target_rom_deg:g} deg; "
        f"sensor {spec}"
    )
    device = opts.open_device(spec, targets, targets.movement)
    data = opts.data
    history = History(data / "history.json")
    progress = hub_progress_fn(hub, history, activity_key=targets.game)
    lasting = restore_progress(hub, progress_path(data, plan["patient_code"]))
    run_options = opts.run_options()
    queue_ended, on_result = session_hooks(hub, run_options.config.feelings_after_timeout_s)

    def on_ended(ended: SessionResult) -> None:  # as the game ends, before how do you feel now
        queue_ended(ended)
        ended.save(opts.session_json(ended.session_id))  # the local copy; saved again after

    result = run_session(
        targets,
        device,
        game=cls(),
        options=run_options,
        data_dir=data,
        history=history,
        progress_fn=progress,
        on_result=on_result,
        on_ended=on_ended,
        progress=lasting,
    )
    if unread:  # shown on the instructions screen: read (best effort; offline it waits)
        mark_messages_read(hub, max(m["id"] for m in unread))
    remember_sensor(hub.store, spec, result)
    try:
        result.save(opts.session_json(result.session_id))
    except (OSError, ValueError) as exc:
        click.echo(f"could not save a local copy: {exc}", err=True)
    click.echo(
        f"{cls.info.key}: {result.reps} reps, {result.sets_completed}/{targets.sets} "
        f"sets, ended: {result.quit_reason}."
    )
    _report_upload(hub, result.session_id, upload_wait_s)


def _report_upload(hub: HubLinkState, session_id: str, wait_s: float) -> None:
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
