"""Playing today's plan from the hub (``smarttouch play`` without ``--game``).

The flow: load the pairing -> start the background uploader (sessions left from earlier runs
go first) -> fetch today's plan (or use the cached one offline) -> pick the exercise still due
-> get its game (a built-in, or an approved developer's game downloaded and verified against
the plan's sha256, see ``client.approved_games``) -> pick the sensor (``--sensor``,
else the remembered one, else the "Choose your sensor" screen after a BLE scan, see
``scenes.sensor_picker``) -> calibrate and play -> the finished session is written to the outbox BEFORE any upload -> the summary shows the hub's progress once the
upload went through (local history otherwise).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from smarttouch.client import (
    BackgroundUploader,
    ClientStore,
    HubClient,
    HubError,
    HubLink,
    NotPaired,
    Outbox,
    PlanCache,
    TokenRejected,
    Uploader,
)
from smarttouch.client.approved_games import (
    GameRefused,
    fetch_verified,
    is_solution,
    load_verified_game,
)
from smarttouch.client.http import dumps_metadata
from smarttouch.games.sdk.targets import PlanTargets
from smarttouch.games.session.history import History, HistoryEntry, ProgressView, earned_badges, streak
from smarttouch.games.session.result import SessionResult
from smarttouch.sensors.scan import scan_wearables

CLIENT_NAME = "smarttouch-play/1"
PLAN_TIMEOUT_S = 8.0
UPLOAD_WAIT_S = 5.0  # how long the summary waits for the upload before showing local progress
PROGRESS_TIMEOUT_S = 3.0


class PlayError(RuntimeError):
    """Something stops hub play; the message tells the patient what to do."""


# ------------------------------------------------------------------ connection
@dataclass
class HubLinkState:
    """The open link to the hub for one ``play`` run."""

    store: ClientStore
    link: HubLink
    client: HubClient
    outbox: Outbox
    background: BackgroundUploader
    plan_cache: PlanCache
    queued: list[str] = field(default_factory=list)

    def close(self) -> None:
        self.background.stop()
        self.client.close()


def connect(store: ClientStore | None = None) -> HubLinkState:
    """Open the outbox and start uploading what earlier runs left behind."""
    store = store or ClientStore()
    try:
        link = store.load_link()
    except NotPaired as exc:
        raise PlayError(f"{exc} (or pass --game to play without the hub)") from None
    client = HubClient(link.hub_url, link.token, read_timeout_s=60.0)
    outbox = Outbox(store.outbox_path)
    outbox.retry_now()  # on start, every waiting session is due at once
    outbox.purge_sent()
    background = BackgroundUploader(Uploader(outbox, client)).start()
    return HubLinkState(store, link, client, outbox, background, PlanCache(store.plan_path))


def fetch_plan(hub: HubLinkState) -> tuple[dict[str, Any], str | None]:
    """Today's plan and, when it comes from the cache, a line saying so."""
    quick = HubClient(
        hub.link.hub_url, hub.link.token, connect_timeout_s=PLAN_TIMEOUT_S, read_timeout_s=PLAN_TIMEOUT_S
    )
    try:
        plan = quick.plan_today()
    except TokenRejected as exc:
        raise PlayError(
            f"{exc.message}. Ask your therapist for a new code and run smarttouch pair again."
        ) from None
    except HubError as exc:
        cached = hub.plan_cache.load(hub.link.hub_url)
        if cached is None:
            raise PlayError(
                f"{exc.message}, and no plan has been saved on this computer yet: "
                "connect to the internet once and try again"
            ) from None
        when = datetime.fromtimestamp(cached.fetched_at).strftime("%Y-%m-%d %H:%M")
        return cached.plan, f"offline ({exc.message}): using the plan saved on {when}"
    finally:
        quick.close()
    hub.plan_cache.save(hub.link.hub_url, plan)
    return plan, None


def choose_exercise(
    plan: dict[str, Any], playable: set[str], assignment_id: int | None = None
) -> dict[str, Any]:
    """The exercise to play: the one asked for, else the first still due today, else the
    first playable one."""
    exercises = [e for e in plan.get("exercises", []) if e["activity"]["key"] in playable]
    if assignment_id is not None:
        for e in exercises:
            if e["assignment_id"] == assignment_id:
                return e
        ids = ", ".join(str(e["assignment_id"]) for e in exercises) or "none"
        raise PlayError(f"assignment {assignment_id} is not in today's plan (playable: {ids})")
    if not exercises:
        raise PlayError("there is no game to play in today's plan: enjoy your rest day")
    due = [e for e in exercises if e.get("due_today")]
    return (due or exercises)[0]


def game_for(hub: HubLinkState, exercise: dict[str, Any]) -> type:
    """The game class of a plan exercise: a built-in from the registry, or an approved
    developer's game, downloaded and verified against the plan's sha256 before it is imported
    (call it inside ``approved_games.no_bytecode()``). Refusals are :class:`PlayError`."""
    from smarttouch.games.sdk.registry import GameLoadError, get_game

    if not is_solution(exercise):
        try:
            return get_game(exercise["activity"]["key"])
        except GameLoadError as exc:
            raise PlayError(f"cannot play today's exercise: {exc}") from None
    try:
        package = fetch_verified(
            exercise, hub_url=hub.link.hub_url, token=hub.link.token, cache_root=hub.store.game_cache_path
        )
        return load_verified_game(package)
    except GameRefused as exc:
        raise PlayError(exc.message) from None


def targets_for(exercise: dict[str, Any], info: Any, lang: str) -> PlanTargets:
    """The session's targets from a plan exercise (hub difficulty 1..5 -> 0..1)."""
    target = float(exercise["target_rom_deg"])
    ceiling = exercise.get("max_rom_deg") or max(float(info.max_rom_deg), target)
    return PlanTargets(
        game=exercise["activity"]["key"],
        movement=exercise["movement"],
        target_rom_deg=target,
        max_rom_deg=float(ceiling),
        reps=int(exercise["reps"]),
        sets=int(exercise["sets"]),
        difficulty=(int(exercise["difficulty"]) - 1) / 4.0,
        therapist_note=exercise.get("therapist_note", ""),
        lang=lang,
        assignment_id=int(exercise["assignment_id"]),
    )


# ------------------------------------------------------------------ sensor
Row = tuple[str, str, int, str]  # address, advertised name, rssi dBm, profile key
CHOOSE = "choose"  # --sensor choose[:virtual:PROFILE]: show the picker even if one is remembered


def sensor_spec(row: Row, virtual: str | None = None) -> str:
    """The ``--sensor`` spec of a scanned wearable (a virtual one is reopened by profile)."""
    address, _, _, profile = row
    return f"virtual:{profile}" if virtual else f"ble:{address}:{profile}"


def pick_sensor(
    explicit: str | None,
    store: ClientStore,
    choose: Callable[[list[Row]], int] | None = None,
    scan: Callable[[], list[Row]] | None = None,
    picker: Callable[[Callable[[], list[Row]], Callable[[Row], str]], str] | None = None,
) -> str:
    """``--sensor`` if given, else the remembered one, else the wearable a scan finds.

    ``picker(scan, to_spec)`` (the "Choose your sensor" screen) returns the spec itself and
    handles a missing adapter on screen; without it, the scan runs here and ``choose`` picks
    among several rows (the first one when None). ``--sensor choose`` (or
    ``choose:virtual:PROFILE`` for the demo link) skips the remembered sensor."""
    forced = explicit == CHOOSE or (explicit or "").startswith(CHOOSE + ":")
    if explicit and not forced:
        return explicit
    virtual = None
    if forced and explicit != CHOOSE:
        kind, _, virtual = explicit.partition(":")[2].partition(":")
        if kind != "virtual" or not virtual:
            raise PlayError(f"--sensor {explicit}: expected choose or choose:virtual:PROFILE")
    remembered = store.prefs().get("sensor")
    if not forced and isinstance(remembered, str) and remembered:
        return remembered
    if scan is None:

        def scan() -> list[Row]:
            return scan_wearables(virtual=virtual)

    def to_spec(row: Row) -> str:
        return sensor_spec(row, virtual)

    if picker is not None:
        return picker(scan, to_spec)
    try:
        rows = scan()
    except Exception as exc:
        from smarttouch.sensors.sources.ble import NO_ADAPTER_HINT, is_no_adapter_error

        if is_no_adapter_error(exc):
            raise PlayError(NO_ADAPTER_HINT) from None
        raise PlayError(f"scanning for your sensor failed ({exc}); pass --sensor") from None
    if not rows:
        raise PlayError(
            "no sensor found nearby: switch it on and keep it close, or pass --sensor ble:ADDRESS"
        )
    index = 0 if len(rows) == 1 or choose is None else choose(rows)
    return to_spec(rows[index])


def remember_sensor(store: ClientStore, spec: str, result: SessionResult) -> None:
    """Keep a real (or virtual) wearable that streamed, for the next session."""
    if result.recording is not None and spec.startswith(("ble:", "virtual:")):
        store.set_pref("sensor", spec)


# ------------------------------------------------------------------ upload payload
def _plain(value: Any) -> Any:
    """JSON-safe copy: numpy scalars to Python, NaN/infinity to None (client numbers only)."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if hasattr(value, "item") and callable(value.item):  # numpy scalar
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    return str(value)


def upload_payload(result: SessionResult) -> tuple[dict[str, Any], bytes | None]:
    """The API metadata and the compact recording bytes of a finished session."""
    from smarttouch.sensors.recording_io import RecordingError, recording_to_bytes

    recording = None
    client_metrics = {**result.client_metrics, "analysis": result.metrics}
    if result.recording is not None and len(result.recording) >= 2:
        try:
            recording = recording_to_bytes(result.recording)
        except RecordingError as exc:
            client_metrics["recording_error"] = str(exc)
    assignment_id = result.targets.assignment_id
    if assignment_id is not None:  # the hub knows the game by its activity key (solution-<id>)
        client_metrics["game_key"] = result.game
    meta = {
        "session_id": result.session_id,
        "assignment_id": int(assignment_id) if assignment_id is not None else None,
        "game": result.targets.game if assignment_id is not None else result.game,
        "movement": result.movement,
        "started_at": result.started_at,
        "ended_at": result.ended_at or None,
        "duration_s": round(max(0.0, result.duration_s), 3),
        "quit_reason": result.quit_reason,
        "quit_note": result.quit_note[:500],
        "calibration": result.calibration,
        "events": [e.to_dict() for e in result.events],
        "phases": [p.to_dict() for p in result.phases],
        "reps": result.reps,
        "sets_completed": result.sets_completed,
        "score": max(0, int(result.score)),
        "success_rate": result.success_rate,
        "client_metrics": client_metrics,
        "targets": result.targets.to_dict(),
        "sample_rate_hz": result.recording.sample_rate_hz if recording else None,
        "lang": result.lang,
        "client": CLIENT_NAME,
    }
    return _plain(meta), recording


def queue_result(hub: HubLinkState, result: SessionResult) -> None:
    """Write the session to the outbox (durably), then wake the uploader."""
    meta, recording = upload_payload(result)
    summary = f"{result.game} {result.reps} reps, {result.quit_reason}"
    hub.outbox.add(
        result.session_id,
        hub_url=hub.link.hub_url,
        metadata=dumps_metadata(meta),
        recording=recording,
        summary=summary,
    )
    hub.queued.append(result.session_id)
    hub.background.kick()


# ------------------------------------------------------------------ summary progress
def progress_view(
    progress: dict[str, Any],
    entry: HistoryEntry,
    *,
    uploaded: bool,
    session_id: str | None,
    today: date,
    activity_key: str | None = None,
) -> ProgressView:
    """The summary screen's view built from the hub's progress (today's session excluded
    from the past, included in the streak). The hub names games by activity key: sessions of
    ``activity_key`` count as ``entry``'s game (an approved game's own key differs)."""

    def local_key(hub_key: str | None) -> str:
        return entry.game if activity_key and hub_key == activity_key else hub_key or ""

    past = [
        HistoryEntry(
            day=r["day"],
            game=local_key(r.get("game")),
            reps=int(r["game_reps"] if r.get("game_reps") is not None else r.get("reps") or 0),
            rom_deg=r.get("rom_deg"),
            sparc=r.get("sparc"),
            goal_met=bool(r.get("goal_met")),
            quit_reason=r.get("quit_reason") or "completed",
        )
        for r in progress.get("recent", [])
        if r.get("session_id") != session_id
    ]
    same_game = [e for e in past if e.game == entry.game]
    previous = same_game[-1] if same_game else (past[-1] if past else None)
    if uploaded:
        days = int(progress.get("streak_days", 0))
    else:
        days = streak([e.day for e in past] + [entry.day], today)
    return ProgressView(
        previous=previous,
        recent=same_game[-6:] + [entry],
        streak_days=days,
        badges=earned_badges(entry, past, days),
    )


def hub_progress_fn(
    hub: HubLinkState, history: History, upload_wait_s: float = UPLOAD_WAIT_S, activity_key: str | None = None
) -> Callable[[HistoryEntry], ProgressView]:
    """``progress_fn`` for the session: hub progress when reachable, local history otherwise."""

    def progress_for(entry: HistoryEntry) -> ProgressView:
        today = date.today()
        local = history.add(entry, today)
        session_id = hub.queued[-1] if hub.queued else None
        uploaded = session_id is not None and hub.background.wait_until_sent(session_id, upload_wait_s)
        try:
            progress = hub.client.progress(timeout_s=PROGRESS_TIMEOUT_S)
        except HubError:
            return local
        return progress_view(
            progress, entry, uploaded=uploaded, session_id=session_id, today=today, activity_key=activity_key
        )

    return progress_for
