"""A game is added in one place: registering (or declaring) it is enough for it to be listed
with its info, and listing imports neither the games nor pygame."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from smarttouch.games.sdk import registry
from smarttouch.games.sdk.protocol import GameInfo
from smarttouch.games.sdk.registry import (
    GameLoadError,
    declare,
    game_info,
    game_infos,
    game_keys,
    get_game,
    register,
)

BUILTIN = Path(registry.__file__).resolve().parents[1] / "builtin"

TOY_INFO = GameInfo(
    key="toy-registry-test",
    title={"en": "Toy", "it": "Giocattolo"},
    movements=("elbow_flexion",),
    rom_deg=70.0,
    max_rom_deg=100.0,
    catalogue_title="Toy reach",
    description="A test game.",
)

TOY_MODULE = """
from smarttouch.games.sdk.protocol import GameInfo


class Declared:
    info = GameInfo(key="toy-declared-test", title={"en": "Declared toy"}, movements=("wrist_flexion",))

    def start(self, ctx): ...
    def update(self, control, dt): return []
    def draw(self, surface): ...
    def snapshot(self): return {}
    def finish(self): ...
"""


@pytest.fixture
def clean_registry() -> Iterator[None]:
    game_infos()  # the built-ins are declared once per process: keep them
    games, declared = dict(registry.GAMES), dict(registry.DECLARED)
    yield
    registry.GAMES.clear()
    registry.GAMES.update(games)
    registry.DECLARED.clear()
    registry.DECLARED.update(declared)


class Toy:
    info = TOY_INFO

    def start(self, ctx: Any) -> None: ...

    def update(self, control: Any, dt: float) -> list[Any]:
        return []

    def draw(self, surface: Any) -> None: ...

    def snapshot(self) -> dict[str, Any]:
        return {}

    def finish(self) -> None: ...


def test_registering_a_game_is_enough_to_list_it_with_its_info(clean_registry: None) -> None:
    assert TOY_INFO.key not in game_keys()
    register(Toy)
    assert TOY_INFO.key in game_keys()
    assert TOY_INFO in game_infos()
    assert game_info(TOY_INFO.key) is TOY_INFO
    assert game_info(TOY_INFO.key).title_for_catalogue() == "Toy reach"
    assert get_game(TOY_INFO.key) is Toy


def test_a_declared_game_is_listed_before_its_module_is_imported(
    clean_registry: None,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    isolated_imports: Callable[..., None],
) -> None:
    (tmp_path / "toy_declared_game.py").write_text(TOY_MODULE, encoding="utf-8")
    isolated_imports("toy_declared_game")
    monkeypatch.syspath_prepend(str(tmp_path))
    info = GameInfo(key="toy-declared-test", title={"en": "Declared toy"}, movements=("wrist_flexion",))
    assert declare(info, "toy_declared_game:Declared") is info
    assert game_info("toy-declared-test") is info and "toy_declared_game" not in sys.modules
    cls = get_game("toy-declared-test")  # imported now
    assert cls.__name__ == "Declared" and "toy_declared_game" in sys.modules


def test_two_games_cannot_share_a_key(clean_registry: None) -> None:
    register(Toy)
    register(Toy)  # the same class again is fine
    with pytest.raises(ValueError, match="already registered"):
        declare(TOY_INFO, "somewhere:Else")
    with pytest.raises(ValueError, match="at least one movement"):
        declare(GameInfo(key="no-movement", title={"en": "x"}, movements=()), "x:Y")


def test_a_declared_class_must_carry_the_declared_info(
    clean_registry: None,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    isolated_imports: Callable[..., None],
) -> None:
    (tmp_path / "toy_mismatch_game.py").write_text(TOY_MODULE, encoding="utf-8")
    isolated_imports("toy_mismatch_game")
    monkeypatch.syspath_prepend(str(tmp_path))
    declare(
        GameInfo(key="toy-declared-test", title={"en": "Other"}, movements=("wrist_flexion",)),
        "toy_mismatch_game:Declared",
    )
    with pytest.raises(GameLoadError, match="not the info declared"):
        get_game("toy-declared-test")


def test_every_builtin_folder_is_a_listed_game() -> None:
    folders = sorted(p.name for p in BUILTIN.iterdir() if (p / "__init__.py").is_file())
    assert folders and set(folders) <= set(game_keys())
    for key in folders:
        info = game_info(key)
        assert get_game(key).info is info  # the class carries the folder's declared info
        assert info.catalogue_titles.get("en") and info.catalogue_titles.get("it") and info.description, key


def test_listing_games_imports_no_game_and_no_pygame() -> None:
    code = (
        "import sys\n"
        "from smarttouch.games.sdk.registry import game_infos\n"
        "infos = game_infos()\n"
        "assert len(infos) >= 4, infos\n"
        "loaded = sorted(m for m in sys.modules if m == 'pygame' or m.endswith('.game') or 'scoring' in m)\n"
        "assert not loaded, loaded\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr


def test_the_catalogue_title_per_language_falls_back_to_the_english_name() -> None:
    both = GameInfo(
        key="toy-titles",
        title={"en": "Kites", "it": "Aquiloni"},
        movements=("shoulder_abduction",),
        catalogue_titles={"en": "Kite flying", "it": "Aquiloni al vento"},
    )
    assert [both.catalogue_title_in(lang) for lang in ("en", "it", "fr")] == [
        "Kite flying",
        "Aquiloni al vento",
        "Kite flying",
    ]
    assert both.title_for_catalogue() == "Kite flying"
    # an outside game that only gives the English catalogue name (the older field)
    english_only = GameInfo(
        key="toy-en", title={"en": "Kites", "it": "Aquiloni"}, movements=("x",), catalogue_title="Kite flying"
    )
    assert english_only.catalogue_title_in("it") == "Kite flying"
    # no catalogue name at all: the game's own title, per language
    plain = GameInfo(key="toy-plain", title={"en": "Kites", "it": "Aquiloni"}, movements=("x",))
    assert (plain.catalogue_title_in("en"), plain.catalogue_title_in("it")) == ("Kites", "Aquiloni")
