"""Playing today's plan from the hub (``smarttouch play`` without ``--game``): the link to
the hub for one run and the steps that use it.

The flow (driven by ``hub_cli``): load the pairing -> start the background uploader (sessions
left from earlier runs go first) -> fetch today's plan (or use the cached one offline) -> pick
the exercise still due (``plan``) -> get its game (a built-in, or an approved developer's game
downloaded and verified against the plan's sha256, see ``approved_games``) -> pick the sensor
(``sensor_choice``) -> calibrate and play -> the session is written to the outbox BEFORE any
upload (``upload``) the moment the game ends, held while the patient says how they feel and
then updated in place with the answers (``session_hooks``) -> the summary shows the hub's progress once the upload went
through, local history otherwise (``progress``).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from smarttouch.client.approved_games import GameRefused, fetch_verified, load_verified_game
from smarttouch.client.errors import PlayError
from smarttouch.client.http import HubClient, HubError, TokenRejected, dumps_metadata
from smarttouch.client.outbox import Outbox
from smarttouch.client.plan import PlannedExercise, TodayPlan, is_solution
from smarttouch.client.plan_cache import PlanCache
from smarttouch.client.progress import progress_view
from smarttouch.client.store import ClientStore, HubLink, NotPaired
from smarttouch.client.upload import upload_payload
from smarttouch.client.uploader import BackgroundUploader, Uploader
from smarttouch.games.sdk.protocol import Game
from smarttouch.games.sdk.registry import GameLoadError, get_game
from smarttouch.games.session.history import History, HistoryEntry, ProgressView
from smarttouch.games.session.progress import ProgressStore, restore_if_missing
from smarttouch.games.session.result import SessionResult

log = logging.getLogger(__name__)

PLAN_TIMEOUT_S = 8.0
UPLOAD_WAIT_S = 5.0  # how long the summary waits for the upload before showing local progress
PROGRESS_TIMEOUT_S = 3.0
# a session held for the answers after the game is uploaded anyway this long after the game's
# own timeout for those questions (which records them as skipped): the game's clock may lag
AWAITING_GRACE_S = 60.0


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


def fetch_plan(hub: HubLinkState) -> tuple[TodayPlan, str | None]:
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


def game_for(hub: HubLinkState, exercise: PlannedExercise) -> type[Game]:
    """The game class of a plan exercise: a built-in from the registry, or an approved
    developer's game, downloaded and verified against the plan's sha256 before it is imported
    (call it inside ``approved_games.no_bytecode()``). Refusals are :class:`PlayError`."""
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


def queue_result(hub: HubLinkState, result: SessionResult, *, awaiting_s: float | None = None) -> None:
    """Write the session to the outbox (durably), then wake the uploader.

    ``awaiting_s``: the game just ended and the patient is answering "how do you feel now":
    the session is held (up to that many seconds while this process runs). Queuing it again
    with the answers replaces it in place (one session, uploaded once)."""
    meta, recording = upload_payload(result)
    summary = f"{result.game} {result.reps} reps, {result.quit_reason}"
    metadata = dumps_metadata(dict(meta))
    if awaiting_s is None and result.session_id in hub.queued:
        if not hub.outbox.complete(
            result.session_id, metadata=metadata, recording=recording, summary=summary
        ):
            log.warning(
                "session %s was no longer waiting for the answers after the game: it is uploaded "
                "with them as skipped (the local copy keeps them)",
                result.session_id,
            )
    else:
        hub.outbox.add(
            result.session_id,
            hub_url=hub.link.hub_url,
            metadata=metadata,
            recording=recording,
            summary=summary,
            awaiting_s=awaiting_s,
        )
        hub.queued.append(result.session_id)
    hub.background.kick()


def mark_messages_read(hub: HubLinkState, up_to_id: int) -> bool:
    """Tell the hub the game showed the therapist's messages (never blocks play: a short
    timeout, and any failure is ignored; the messages stay unread and are shown again)."""
    try:
        hub.client.messages_read(up_to_id, timeout_s=PROGRESS_TIMEOUT_S)
    except HubError:
        return False
    return True


def session_hooks(
    hub: HubLinkState, feelings_after_timeout_s: float
) -> tuple[Callable[[SessionResult], None], Callable[[SessionResult], None]]:
    """``(on_ended, on_result)`` for ``run_session``: the session goes to the outbox when the
    game ends, held for the answers after it, and is completed in place with them."""

    def on_ended(result: SessionResult) -> None:
        queue_result(hub, result, awaiting_s=feelings_after_timeout_s + AWAITING_GRACE_S)

    def on_result(result: SessionResult) -> None:
        queue_result(hub, result)

    return on_ended, on_result


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


def progress_path(data: Path, patient_code: str) -> Path:
    """The patient's lasting progress file in the local data folder (one file per patient)."""
    safe = re.sub(r"[^A-Za-z0-9_-]", "_", patient_code) or "patient"
    return Path(data) / "progress" / f"{safe}.json"


def restore_progress(hub: HubLinkState, path: Path) -> ProgressStore:
    """The patient's progress store; when the local file is missing (a fresh install) the
    hub's copy is written first, so a reinstall loses nothing the hub has. Offline, or when
    the hub has none, a fresh progress starts."""

    def fetch() -> dict[str, Any] | None:
        quick = HubClient(
            hub.link.hub_url, hub.link.token, connect_timeout_s=PLAN_TIMEOUT_S, read_timeout_s=PLAN_TIMEOUT_S
        )
        try:
            return quick.game_progress()
        except HubError as exc:
            log.info("no progress from the hub (%s): starting from the local folder", exc.message)
            return None
        finally:
            quick.close()

    if restore_if_missing(path, fetch):
        log.info("restored the lasting progress from the hub into %s", path)
    return ProgressStore(path)
