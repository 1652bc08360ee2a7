"""The games SDK's old module paths still serve games published before it moved to
``smarttouch.games.sdk``, and nothing of ours uses them."""

from __future__ import annotations

import ast
import importlib
from collections.abc import Callable
from pathlib import Path

import pytest

from smarttouch.games.sdk.registry import load_entrypoint

PACKAGE = Path(__file__).resolve().parents[2] / "smarttouch"
OLD_PATHS = ("protocol", "basegame", "events", "palette", "registry", "targets")

# what the shoulder-reach starter kit imported before the move
PUBLISHED_GAME = """
from smarttouch.games.basegame import RepGame
from smarttouch.games.palette import INK
from smarttouch.games.protocol import GameInfo


class Old(RepGame):
    info = GameInfo(key="old", title={"en": "Old"}, movements=("shoulder_flexion",))

    def draw(self, surface):
        surface.fill(INK)
"""


@pytest.mark.parametrize("name", OLD_PATHS)
def test_old_path_re_exports_the_sdk_objects(name: str) -> None:
    old = importlib.import_module(f"smarttouch.games.{name}")
    new = importlib.import_module(f"smarttouch.games.sdk.{name}")
    exported = getattr(new, "__all__", [n for n in vars(new) if not n.startswith("_")])
    assert exported
    for attr in exported:
        assert getattr(old, attr) is getattr(new, attr), f"{name}.{attr}"


def test_a_game_written_against_the_old_paths_still_loads(
    tmp_path: Path, isolated_imports: Callable[..., None]
) -> None:
    (tmp_path / "old_starter_game.py").write_text(PUBLISHED_GAME, encoding="utf-8")
    isolated_imports("old_starter_game")
    cls = load_entrypoint("old_starter_game:Old", search_path=tmp_path)
    assert cls.info.key == "old"


def test_nothing_of_ours_imports_the_old_paths() -> None:
    old = {f"smarttouch.games.{name}" for name in OLD_PATHS}
    bad = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if path.parent == PACKAGE / "games" and path.stem in OLD_PATHS:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = (
                [a.name for a in node.names]
                if isinstance(node, ast.Import)
                else [node.module]
                if isinstance(node, ast.ImportFrom) and node.module
                else []
            )
            bad.extend(f"{path.relative_to(PACKAGE.parent)} imports {n}" for n in names if n in old)
    assert not bad, "\n".join(bad)
