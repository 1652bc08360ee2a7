"""The rooms' dependency rules of docs/architecture.md, checked on the source."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "smarttouch"

# room -> prefixes of smarttouch modules it may import (besides itself)
ALLOWED: dict[str, tuple[str, ...]] = {
    "sensors": (),
    "scoring": ("smarttouch.sensors",),
    "challenges": ("smarttouch.scoring", "smarttouch.sensors", "smarttouch.games"),
    "games": ("smarttouch.scoring", "smarttouch.sensors"),
    # the client verifies approved games exactly as the hub hashed them: the challenges room's
    # canonical archive and solution manifest (plain modules, no Flask)
    "client": (
        "smarttouch.games",
        "smarttouch.scoring",
        "smarttouch.sensors",
        "smarttouch.challenges.archive",
        "smarttouch.challenges.solution",
    ),
    "platform": ("smarttouch.challenges", "smarttouch.scoring", "smarttouch.sensors"),
}
# neutral modules outside the rooms that any room may import
SHARED = {"smarttouch.paths", "smarttouch.files"}
# libraries a plain library room must not pull in
FORBIDDEN_LIBS: dict[str, tuple[str, ...]] = {
    "sensors": ("flask", "pygame", "sqlmodel", "sqlalchemy"),
    "scoring": ("flask", "pygame", "sqlmodel", "sqlalchemy"),
}


def imported_modules(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.lineno, node.module))
    return found


def room_files(room: str) -> list[Path]:
    return sorted((PACKAGE / room).rglob("*.py"))


@pytest.mark.parametrize("room", sorted(ALLOWED))
def test_room_imports_only_what_it_may(room: str) -> None:
    own = f"smarttouch.{room}"
    allowed = ALLOWED[room]
    bad = []
    for path in room_files(room):
        for line, module in imported_modules(path):
            if not module.startswith("smarttouch"):
                continue
            if module == own or module.startswith(own + ".") or module in SHARED:
                continue
            if any(module == p or module.startswith(p + ".") for p in allowed):
                continue
            bad.append(f"{path.relative_to(PACKAGE.parent)}:{line} imports {module}")
    assert not bad, "\n".join(bad)


@pytest.mark.parametrize("room", sorted(FORBIDDEN_LIBS))
def test_plain_library_rooms_stay_plain(room: str) -> None:
    bad = []
    for path in room_files(room):
        for line, module in imported_modules(path):
            if module.split(".")[0] in FORBIDDEN_LIBS[room]:
                bad.append(f"{path.relative_to(PACKAGE.parent)}:{line} imports {module}")
    assert not bad, "\n".join(bad)


def test_client_has_no_flask() -> None:
    """The patient's client runs on a home computer: none of the hub's server side."""
    bad = []
    for path in room_files("client"):
        for line, module in imported_modules(path):
            top = module.split(".")[0]
            if top in ("flask", "sqlmodel", "sqlalchemy", "flask_login") or module.startswith(
                "smarttouch.platform"
            ):
                bad.append(f"{path.relative_to(PACKAGE.parent)}:{line} imports {module}")
    assert not bad, "\n".join(bad)


def test_shared_modules_import_nothing_of_ours() -> None:
    for name in SHARED:
        path = PACKAGE / (name.split(".", 1)[1].replace(".", "/") + ".py")
        ours = [m for _, m in imported_modules(path) if m.startswith("smarttouch")]
        assert not ours, f"{name} imports {ours}"
