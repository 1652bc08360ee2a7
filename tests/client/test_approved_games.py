"""The client's guards around approved games: which plan entries are playable, the hub's hash
header, loading only from the verified folder, no bytecode written into the cache."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

from smarttouch.client.approved_games import GameRefused, fetch_verified, load_verified_game, no_bytecode
from smarttouch.client.errors import PlayError
from smarttouch.client.hub_play import game_for
from smarttouch.client.packages import PackageTampered, fetch_package, inspect_cache, install_package
from smarttouch.client.plan import choose_exercise, playable_keys
from smarttouch.client.upload import upload_payload
from smarttouch.games.sdk.targets import PlanTargets
from smarttouch.games.session.result import SessionResult
from tests.platform.challenge_support import archive_of

TEMPLATE = Path(__file__).resolve().parents[2] / "smarttouch/challenges/templates/shoulder_reach_game"
SHA_A = "a" * 64


def _exercise(key: str, source: str, sha: str | None, kind: str = "game") -> dict:
    return {
        "assignment_id": 1,
        "due_today": True,
        "activity": {"key": key, "title": key.title(), "kind": kind, "source": source, "code_sha256": sha},
    }


def test_playable_keys_are_builtins_plus_approved_games_with_a_hash():
    plan = {
        "exercises": [
            _exercise("balloons", "builtin", None),
            _exercise("solution-1", "solution", SHA_A),
            _exercise("solution-2", "solution", None),
            _exercise("solution-3", "solution", SHA_A, kind="analyzer"),
            {"assignment_id": 9, "activity": {"key": "old-hub-game"}},
        ]
    }
    assert playable_keys(plan, {"balloons", "glider"}) == {"balloons", "glider", "solution-1"}
    with pytest.raises(PlayError, match="rest day"):
        choose_exercise(
            {"exercises": [_exercise("solution-2", "solution", None)]},
            playable_keys({"exercises": []}, {"balloons"}),
        )


def _package(tmp_path: Path, name: str, module: str = "reach"):
    folder = tmp_path / name
    shutil.copytree(TEMPLATE, folder)
    if module != "reach":
        (folder / "reach.py").rename(folder / f"{module}.py")
        toml = (folder / "solution.toml").read_text().replace("reach:ReachGame", f"{module}:ReachGame")
        (folder / "solution.toml").write_text(toml)
    (folder / "note.txt").write_text(name)  # a different archive (and hash) per package
    data = archive_of(folder)
    import hashlib

    return install_package(data, hashlib.sha256(data).hexdigest(), tmp_path / "cache")


def test_games_load_only_from_their_verified_folder(tmp_path, isolated_imports):
    isolated_imports("reach")
    first, second = _package(tmp_path, "one"), _package(tmp_path, "two")
    with no_bytecode():
        cls_one = load_verified_game(first)
        cls_two = load_verified_game(second)  # same module name: the first one is unloaded
    assert sys.modules[cls_two.__module__].__file__.startswith(str(second.folder.resolve()))
    assert cls_one is not cls_two
    assert not list((tmp_path / "cache").rglob("__pycache__"))
    assert inspect_cache(second.sha256, tmp_path / "cache") == "intact"
    clash = _package(tmp_path, "three", module="json")  # json is already imported
    with pytest.raises(GameRefused, match="module 'json'"):
        load_verified_game(clash)


def test_no_bytecode_restores_the_flag():
    before = sys.dont_write_bytecode
    with no_bytecode():
        assert sys.dont_write_bytecode is True
    assert sys.dont_write_bytecode is before


class _Response:
    def __init__(self, data: bytes, sha: str) -> None:
        self.status_code, self.headers, self._data = 200, {"X-Code-Sha256": sha}, data

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        return None

    def iter_content(self, size: int):
        yield self._data


class _Http:
    def __init__(self, response: _Response) -> None:
        self.response = response

    def get(self, url: str, **kw):
        return self.response


def test_a_hub_serving_another_version_than_the_plan_is_refused(tmp_path):
    refused = _Http(_Response(b"PK...", "b" * 64))
    with pytest.raises(PackageTampered, match="not the approved aaaaaaaaaaaa"):
        fetch_package("http://hub", "stt_x", "solution-1", SHA_A, cache_root=tmp_path, http=refused)
    assert inspect_cache(SHA_A, tmp_path) == "missing"
    with pytest.raises(GameRefused, match="ConnectionError.*nothing was played"):
        fetch_verified(
            _exercise("solution-1", "solution", SHA_A),
            hub_url="http://127.0.0.1:9",
            token="stt_x",
            cache_root=tmp_path / "none",
        )  # unreachable: a refusal too
    with pytest.raises(GameRefused, match="no approved code hash"):
        fetch_verified(
            _exercise("solution-2", "solution", None),
            hub_url="http://hub",
            token="stt_x",
            cache_root=tmp_path,
        )


def test_unknown_builtin_is_a_play_error():
    with pytest.raises(PlayError, match="unknown game"):
        game_for(None, _exercise("no-such-game", "builtin", None))  # type: ignore[arg-type]


def test_upload_names_the_activity_the_hub_assigned():
    result = SessionResult(
        game="reach-kite",
        movement="shoulder_flexion",
        targets=PlanTargets(game="solution-4", assignment_id=7),
    )
    meta, _ = upload_payload(result)
    assert meta["game"] == "solution-4" and meta["client_metrics"]["game_key"] == "reach-kite"
    free, _ = upload_payload(
        SessionResult(game="balloons", movement="shoulder_flexion", targets=PlanTargets())
    )
    assert free["game"] == "balloons" and "game_key" not in free["client_metrics"]


def test_summary_matches_hub_sessions_of_the_approved_game_to_it():
    from datetime import date

    from smarttouch.client.progress import progress_view
    from smarttouch.games.session.history import HistoryEntry

    hub = {
        "streak_days": 2,
        "recent": [
            {
                "session_id": "a",
                "day": "2026-03-01",
                "game": "solution-4",
                "reps": 6,
                "game_reps": 6,
                "rom_deg": 70.0,
                "sparc": None,
                "quit_reason": "completed",
                "goal_met": True,
            },
            {
                "session_id": "b",
                "day": "2026-03-01",
                "game": "balloons",
                "reps": 9,
                "game_reps": 9,
                "rom_deg": 60.0,
                "sparc": None,
                "quit_reason": "completed",
                "goal_met": True,
            },
        ],
    }
    today = HistoryEntry(day="2026-03-02", game="reach-kite", reps=7, rom_deg=75.0)
    view = progress_view(
        hub, today, uploaded=True, session_id=None, today=date(2026, 3, 2), activity_key="solution-4"
    )
    assert view.previous.game == "reach-kite" and view.previous.reps == 6  # not the balloons one
    assert [e.reps for e in view.recent] == [6, 7]


def test_an_intact_cache_is_hashed_once_per_play(tmp_path, monkeypatch):
    """fetch_verified hands inspect_cache's verdict to fetch_package: one hash of the cache,
    not two, and no download when the copy is intact (http://hub does not resolve)."""
    import smarttouch.client.packages as packages

    package = _package(tmp_path, "one")
    hashed: list[Path] = []
    real = packages.canonical_archive
    monkeypatch.setattr(packages, "canonical_archive", lambda folder: hashed.append(folder) or real(folder))
    found = fetch_verified(
        _exercise("solution-1", "solution", package.sha256),
        hub_url="http://hub",
        token="stt_x",
        cache_root=tmp_path / "cache",
    )
    assert found == package and hashed == [package.folder]
