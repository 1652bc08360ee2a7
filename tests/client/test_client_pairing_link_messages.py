"""`smarttouch pair` with the pairing link of the therapist's page (or --hub and the code),
and the therapist's messages that travel with today's plan to the game's instructions."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from smarttouch.cli import main
from smarttouch.client import ClientStore
from smarttouch.client.http import parse_pairing_url
from smarttouch.client.plan import targets_for, unread_messages
from smarttouch.games.sdk.registry import get_game
from smarttouch.platform.services.clinic import devices
from tests.platform.apihelp import pair_patient


@pytest.fixture
def client_home(tmp_path, monkeypatch):
    monkeypatch.setenv("SMARTTOUCH_CLIENT_HOME", str(tmp_path / "client"))
    return tmp_path / "client"


def test_pairing_links_are_read_and_anything_else_refused() -> None:
    assert parse_pairing_url("https://hub.example.org/pair/ABCD-3479") == (
        "https://hub.example.org",
        "ABCD-3479",
    )
    assert parse_pairing_url("http://127.0.0.1:8000/clinic/pair/ABCD-3479/") == (
        "http://127.0.0.1:8000/clinic",
        "ABCD-3479",
    )
    for bad in ("https://hub.example.org/", "https://hub.example.org/pair/", "ftp://x/pair/AB", "/pair/ABCD"):
        with pytest.raises(ValueError):
            parse_pairing_url(bad)


def test_pair_accepts_the_link(client_home, live_server, app, factories, db_session) -> None:
    paired = pair_patient(app, factories)
    code, _ = devices.create_pairing_code(db_session, actor=paired.therapist, patient_id=paired.patient.id)
    runner = CliRunner()
    other_hub = runner.invoke(
        main, ["pair", "--hub", "https://elsewhere.example.org", f"{live_server}/pair/{code}"]
    )
    assert other_hub.exit_code == 1 and "the pairing link is for" in other_hub.output
    no_hub = runner.invoke(main, ["pair", code])
    assert no_hub.exit_code == 1 and "give the pairing link, or --hub and the code" in no_hub.output
    ok = runner.invoke(main, ["pair", f"{live_server}/pair/{code}"])
    assert ok.exit_code == 0, ok.output
    assert ClientStore().load_link().patient_code == paired.patient.code


def test_unread_messages_go_to_the_instructions_but_not_into_the_session_files() -> None:
    plan = {
        "exercises": [],
        "messages": [
            {"id": 1, "sent_at": "2026-12-01T09:00:00+00:00", "body": "Old news", "read": True},
            {"id": 2, "sent_at": "2026-12-02T09:00:00+00:00", "body": "Rest on Sunday", "read": False},
        ],
    }
    unread = unread_messages(plan)
    assert [m["id"] for m in unread] == [2]
    exercise = {
        "assignment_id": 5,
        "activity": {"key": "balloons", "title": "Balloons", "kind": "game", "source": "builtin"},
        "movement": "shoulder_flexion",
        "target_rom_deg": 80.0,
        "max_rom_deg": 100.0,
        "reps": 10,
        "sets": 3,
        "difficulty": 3,
        "therapist_note": "Slowly",
        "due_today": True,
    }
    targets = targets_for(exercise, get_game("balloons").info, "it", unread)
    assert targets.messages == ("Rest on Sunday",) and targets.therapist_note == "Slowly"
    assert "messages" not in targets.to_dict()
    assert unread_messages({"exercises": []}) == []  # a plan cached before messages existed


def test_offline_the_cached_plan_still_has_the_messages_and_marking_them_read_never_blocks(tmp_path) -> None:
    from types import SimpleNamespace

    from smarttouch.client.http import HubClient
    from smarttouch.client.hub_play import mark_messages_read
    from smarttouch.client.plan_cache import PlanCache

    cache = PlanCache(tmp_path / "plan.json")
    plan = {
        "exercises": [],
        "messages": [{"id": 7, "sent_at": "2026-12-03T08:00:00+00:00", "body": "Ciao", "read": False}],
    }
    cache.save("http://127.0.0.1:9", plan)
    cached = cache.load("http://127.0.0.1:9")
    assert cached is not None and [m["body"] for m in unread_messages(cached.plan)] == ["Ciao"]
    unreachable = HubClient("http://127.0.0.1:9")  # nothing listens on port 9
    assert mark_messages_read(SimpleNamespace(client=unreachable), 7) is False  # type: ignore[arg-type]
