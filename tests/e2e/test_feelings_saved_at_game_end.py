"""The session is saved the moment the game ends, while the patient still answers "how do you
feel now": held in the outbox (not uploaded) until the answers replace it in place, and,
when the game is killed on those questions, uploaded once by the next start of the client with
the questions after recorded as skipped. Real HTTP to a real hub; a real process killed."""

from __future__ import annotations

import json
import signal
import time
from pathlib import Path

import pygame
from click.testing import CliRunner
from sqlmodel import Session, select

from smarttouch.cli import main
from smarttouch.client import ClientStore, Outbox
from smarttouch.client.hub_play import connect, session_hooks
from smarttouch.client.plan import targets_for
from smarttouch.games.sdk.registry import game_info
from smarttouch.games.session.app import AppConfig
from smarttouch.games.session.history import History
from smarttouch.games.session.inputs import PositionInput
from smarttouch.games.session.runner import run_session
from smarttouch.platform.models import ExerciseSession, SessionFeeling
from smarttouch.platform.storage.db import get_engine
from tests.e2e.test_exactly_once import _wait_for, hub_sessions, pair_cli
from tests.games.conftest import fast_options, rep_wave


def key(k: int) -> pygame.event.Event:
    return pygame.event.Event(pygame.KEYDOWN, key=k, mod=0, unicode="")


def stored_feelings(hub_app, session_id: str) -> dict[tuple[str, str], tuple[int | None, bool]]:
    with Session(get_engine(hub_app)) as s:
        played = s.exec(select(ExerciseSession).where(ExerciseSession.client_uuid == session_id)).one()
        rows = s.exec(select(SessionFeeling).where(SessionFeeling.session_id == played.id)).all()
        return {(r.moment, r.scale): (r.value, r.skipped) for r in rows}


def feelings_of(metadata: bytes) -> dict[tuple[str, str], tuple[int | None, bool]]:
    return {(f["moment"], f["scale"]): (f["value"], f["skipped"]) for f in json.loads(metadata)["feelings"]}


def test_the_answers_after_the_game_update_the_held_session_in_place(hub, hub_app, factories, tmp_path):
    pair_cli(hub, hub_app, factories)
    link = connect()
    try:
        targets = targets_for(link.client.plan_today()["exercises"][0], game_info("balloons"), "en")
        on_ended, on_result = session_hooks(link, feelings_after_timeout_s=300.0)
        while_asking: list[dict] = []

        def on_step(app) -> None:
            scene = app.scene
            if scene.name != "feelings":
                return
            if scene.moment == "before" and not app.feelings:
                for k in (pygame.K_2, pygame.K_RETURN, pygame.K_1, pygame.K_RETURN):
                    app.handle_event(key(k))
            elif scene.moment == "after" and not while_asking:
                item = link.outbox.get(app.session_id, with_payload=True)
                report = link.background.uploader.flush()  # an upload pass while the patient answers
                while_asking.append(
                    {
                        "awaiting": item.awaiting,
                        "feelings": feelings_of(item.metadata),
                        "uploaded": report.uploaded,
                        "on_hub": len(hub_sessions(hub_app)),
                    }
                )
                for k in (pygame.K_6, pygame.K_RETURN, pygame.K_s):
                    app.handle_event(key(k))

        result = run_session(
            targets,
            PositionInput(rep_wave(), 100.0),
            options=fast_options(config=AppConfig(instructions_s=1.0, summary_hold_s=0.5, ask_feelings=True)),
            data_dir=tmp_path / "games",
            history=History(tmp_path / "games" / "history.json"),
            on_step=on_step,
            on_ended=on_ended,
            on_result=on_result,
        )
        assert result.quit_reason == "completed" and result.reps == 3
        (seen,) = while_asking
        assert seen["awaiting"] and seen["uploaded"] == [] and seen["on_hub"] == 0  # saved, held
        assert seen["feelings"][("after", "pain_nrs")] == (None, True)  # kept as skipped until answered
        assert link.background.wait_until_sent(result.session_id, 30)
        (item,) = link.outbox.items()  # one row: the same entry, completed in place
        assert item.session_id == result.session_id and item.status == "sent" and not item.awaiting
    finally:
        link.close()
    assert [s.client_uuid for s in hub_sessions(hub_app)] == [result.session_id]
    assert stored_feelings(hub_app, result.session_id) == {
        ("before", "pain_nrs"): (2, False),
        ("before", "effort_cr10"): (1, False),
        ("after", "pain_nrs"): (6, False),
        ("after", "effort_cr10"): (None, True),
    }


def _spawn_windowed_play(tmp_path: Path) -> object:
    """``smarttouch play`` from the hub in a window (SDL's dummy driver): the patient's app,
    which asks how they feel. Nobody answers: ``--duration`` ends the session, then "how do you
    feel now" waits for the patient."""
    import os
    import subprocess
    import sys

    env = {**os.environ, "SDL_VIDEODRIVER": "dummy", "SDL_AUDIODRIVER": "dummy", "PYTHONUNBUFFERED": "1"}
    with open(tmp_path / "windowed.log", "w") as log:  # the child has its own copy
        return subprocess.Popen(
            [
                sys.executable,
                "-m",
                "smarttouch.cli",
                "play",
                "--sensor",
                "sim",
                "--no-sound",
                "--duration",
                "3",
            ],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )


def test_killed_on_the_questions_after_the_game_the_next_start_uploads_it_once(
    hub, hub_app, factories, tmp_path, reaped
):
    pair_cli(hub, hub_app, factories)
    store = ClientStore()
    box = Outbox(store.outbox_path)
    proc = reaped(_spawn_windowed_play(tmp_path))
    _wait_for(
        lambda: any(i.awaiting for i in box.items()), 120, proc, "the session was saved as the game ended"
    )
    (held,) = box.items()
    assert held.awaiting_pid == proc.pid
    time.sleep(1.0)  # the game's own uploader runs meanwhile: it must hold the session
    assert proc.poll() is None, "the game should be waiting on how do you feel now"
    assert hub_sessions(hub_app) == [] and box.get(held.session_id).status == "pending"
    history = json.loads((tmp_path / "games" / "history.json").read_text())["sessions"]
    assert [e["session_id"] for e in history] == [held.session_id]  # the local history has it too
    copy = json.loads((tmp_path / "games" / "sessions" / f"{held.session_id}.json").read_text())
    assert {(f["moment"], f["skipped"]) for f in copy["feelings"]} == {("before", True), ("after", True)}

    proc.send_signal(signal.SIGKILL)
    proc.wait()

    # the next start of the client: the game is gone, so the session goes as it was saved
    first = CliRunner().invoke(main, ["outbox", "--upload"])
    assert first.exit_code == 0, first.output
    assert "uploaded 1" in first.output
    again = CliRunner().invoke(main, ["outbox", "--upload"])
    assert again.exit_code == 0 and "every session is on the hub" in again.output
    assert [s.client_uuid for s in hub_sessions(hub_app)] == [held.session_id]
    feelings = stored_feelings(hub_app, held.session_id)
    assert feelings[("after", "pain_nrs")] == (None, True)
    assert feelings[("after", "effort_cr10")] == (None, True)
    assert box.get(held.session_id).status == "sent"
