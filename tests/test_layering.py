"""The rooms' dependency rules (docs/architecture.md), checked on the source.

Every module of the package is parsed; every import in it counts, wherever it is written (at
the top, inside a function, under ``TYPE_CHECKING``) and however it is spelled (absolute,
relative ``from ..x import y``, or ``importlib.import_module("...")`` with a literal name).
Each import becomes an edge from the importing module's room to the imported module's room;
the rules below say which edges may exist, and the graph of rooms must have no cycle.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "smarttouch"
ARTIFACT = ROOT / "test-artifacts" / "room-imports.txt"

ROOMS = ("sensors", "scoring", "games", "challenges", "client", "platform")
# room -> modules (or packages) of other rooms it may import
ALLOWED: dict[str, tuple[str, ...]] = {
    "sensors": (),
    "scoring": ("smarttouch.sensors",),
    "games": ("smarttouch.scoring", "smarttouch.sensors"),
    "challenges": ("smarttouch.scoring", "smarttouch.sensors", "smarttouch.games"),
    # the client verifies approved games exactly as the hub hashed them: the challenges room's
    # canonical archive and solution manifest (plain modules, no Flask)
    "client": (
        "smarttouch.games",
        "smarttouch.scoring",
        "smarttouch.sensors",
        "smarttouch.challenges.archive",
        "smarttouch.challenges.solution",
    ),
    # the hub reads game metadata from the games SDK's registry, never the session framework
    "platform": ("smarttouch.challenges", "smarttouch.scoring", "smarttouch.sensors", "smarttouch.games.sdk"),
}
# neutral modules outside the rooms that any room may import (they import nothing of ours)
SHARED = ("smarttouch.paths", "smarttouch.files")
# the top-level modules that may import any room: the command line (by name, lazily) and the
# package's own entry points
ENTRY = ("smarttouch", "smarttouch.__main__", "smarttouch.cli")
# inside games: the SDK (what outside games import) and the built-ins stand without the
# session framework; part -> parts of games it may import besides itself
GAMES_PARTS: dict[str, tuple[str, ...]] = {
    "smarttouch.games.sdk": ("smarttouch.games.builtin",),  # the registry declares the built-ins
    "smarttouch.games.builtin": ("smarttouch.games.sdk",),
}
# libraries a room must not pull in
FORBIDDEN_LIBS: dict[str, tuple[str, ...]] = {
    "sensors": ("flask", "pygame", "sqlmodel", "sqlalchemy"),
    "scoring": ("flask", "pygame", "sqlmodel", "sqlalchemy"),
    "client": ("flask", "flask_login", "sqlmodel", "sqlalchemy"),
}


# ------------------------------------------------------------------ reading imports
@dataclass(frozen=True)
class Import:
    """One import of ``target`` (absolute dotted name) written at ``line`` of ``module``."""

    module: str
    line: int
    target: str
    deferred: bool  # inside a function body


def module_name(path: Path, root: Path = PACKAGE) -> str:
    """``smarttouch/games/sdk/registry.py`` -> ``smarttouch.games.sdk.registry`` (a package's
    ``__init__.py`` is the package)."""
    parts = list(path.relative_to(root.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def resolve_relative(module: str, is_package: bool, level: int, name: str | None) -> str:
    """The absolute name of ``from <level dots><name> import ...`` written in ``module``."""
    package = module if is_package else module.rpartition(".")[0]
    parts = package.split(".")
    if level - 1 >= len(parts):
        raise ValueError(f"{module}: relative import beyond the top-level package")
    base = ".".join(parts[: len(parts) - (level - 1)])
    return f"{base}.{name}" if name else base


def _exists(name: str, root: Path = PACKAGE) -> bool:
    """``name`` is a module or package of ours (so ``from pkg import name`` imports it)."""
    rel = Path(*name.split(".")[1:]) if "." in name else Path()
    base = root / rel
    return base.with_suffix(".py").is_file() or (base / "__init__.py").is_file()


def _literal_import_module(node: ast.Call) -> str | None:
    func = node.func
    named = (isinstance(func, ast.Attribute) and func.attr == "import_module") or (
        isinstance(func, ast.Name) and func.id == "import_module"
    )
    if named and node.args and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str):
        return node.args[0].value
    return None


def imports_of(path: Path, root: Path = PACKAGE) -> list[Import]:
    """Every import in the file at ``path``, resolved to absolute names."""
    module = module_name(path, root)
    is_package = path.name == "__init__.py"
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found: list[Import] = []

    def visit(node: ast.AST, deferred: bool) -> None:
        for child in ast.iter_child_nodes(node):
            inside = deferred or isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda))
            if isinstance(child, ast.Import):
                found.extend(Import(module, child.lineno, a.name, deferred) for a in child.names)
            elif isinstance(child, ast.ImportFrom):
                base = (
                    resolve_relative(module, is_package, child.level, child.module)
                    if child.level
                    else child.module or ""
                )
                for alias in child.names:
                    sub = f"{base}.{alias.name}"
                    target = sub if base.startswith("smarttouch") and _exists(sub, root) else base
                    found.append(Import(module, child.lineno, target, deferred))
            elif isinstance(child, ast.Call) and (name := _literal_import_module(child)):
                found.append(Import(module, child.lineno, name, deferred))
            visit(child, inside)

    visit(tree, False)
    return found


def all_imports(root: Path = PACKAGE) -> list[Import]:
    return [imp for path in sorted(root.rglob("*.py")) for imp in imports_of(path, root)]


# ------------------------------------------------------------------ rooms and edges
def room_of(name: str) -> str | None:
    """The room a module of ours belongs to; None outside the rooms or outside the package."""
    parts = name.split(".")
    if parts[0] != "smarttouch" or len(parts) < 2:
        return None
    return parts[1] if parts[1] in ROOMS else None


def _under(name: str, prefix: str) -> bool:
    return name == prefix or name.startswith(prefix + ".")


def room_edges(imports: Iterable[Import]) -> dict[tuple[str, str], list[Import]]:
    """(from room, to room) -> the imports that make that edge (other rooms only)."""
    edges: dict[tuple[str, str], list[Import]] = {}
    for imp in imports:
        src, dst = room_of(imp.module), room_of(imp.target)
        if src and dst and src != dst:
            edges.setdefault((src, dst), []).append(imp)
    return edges


def find_cycle(edges: Iterable[tuple[str, str]]) -> list[str] | None:
    """A cycle of the directed graph as [a, b, ..., a], or None."""
    graph: dict[str, set[str]] = {}
    for a, b in edges:
        graph.setdefault(a, set()).add(b)
    state: dict[str, int] = {}  # 1 on the current path, 2 done
    path: list[str] = []

    def walk(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return path[path.index(nxt) :] + [nxt]
            if nxt not in state and (cycle := walk(nxt)):
                return cycle
        state[node] = 2
        path.pop()
        return None

    for start in sorted(graph):
        if start not in state and (cycle := walk(start)):
            return cycle
    return None


def _where(imp: Import) -> str:
    kind = "deferred " if imp.deferred else ""
    return f"{imp.module}:{imp.line} {kind}imports {imp.target}"


@pytest.fixture(scope="module")
def imports() -> list[Import]:
    found = all_imports()
    lines = sorted(
        f"{room_of(i.module)} -> {room_of(i.target)}  {_where(i)}"
        for i in found
        if room_of(i.module) and room_of(i.target) and room_of(i.module) != room_of(i.target)
    )
    ARTIFACT.parent.mkdir(parents=True, exist_ok=True)
    ARTIFACT.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return found


# ------------------------------------------------------------------ the rules
def test_every_module_is_in_a_room_or_named_here() -> None:
    loose = [
        module_name(p)
        for p in sorted(PACKAGE.rglob("*.py"))
        if room_of(module_name(p)) is None and module_name(p) not in SHARED + ENTRY
    ]
    assert not loose, f"modules outside the rooms: {loose} (give them a room or list them here)"


@pytest.mark.parametrize("room", ROOMS)
def test_room_imports_only_what_it_may(room: str, imports: list[Import]) -> None:
    allowed = ALLOWED[room]
    bad = [
        _where(imp)
        for imp in imports
        if room_of(imp.module) == room
        and imp.target.startswith("smarttouch")
        and room_of(imp.target) != room
        and not any(_under(imp.target, p) for p in allowed + SHARED)
    ]
    assert not bad, "\n".join(bad)


def test_rooms_have_no_import_cycle(imports: list[Import]) -> None:
    edges = room_edges(imports)
    cycle = find_cycle(edges)
    if cycle:
        witnesses = [_where(edges[(a, b)][0]) for a, b in zip(cycle, cycle[1:])]
        pytest.fail("rooms import each other in a loop: " + " -> ".join(cycle) + "\n" + "\n".join(witnesses))


@pytest.mark.parametrize("part", sorted(GAMES_PARTS))
def test_games_sdk_and_builtins_stand_without_the_session(part: str, imports: list[Import]) -> None:
    allowed = (part, *GAMES_PARTS[part])
    bad = [
        _where(imp)
        for imp in imports
        if _under(imp.module, part)
        and _under(imp.target, "smarttouch.games")
        and not any(_under(imp.target, p) for p in allowed)
    ]
    assert not bad, "\n".join(bad)


def test_nothing_but_the_command_line_imports_the_client(imports: list[Import]) -> None:
    bad = [
        _where(imp)
        for imp in imports
        if _under(imp.target, "smarttouch.client") and room_of(imp.module) not in ("client", None)
    ]
    assert not bad, "\n".join(bad)


@pytest.mark.parametrize("room", sorted(FORBIDDEN_LIBS))
def test_plain_library_rooms_stay_plain(room: str, imports: list[Import]) -> None:
    bad = [
        _where(imp)
        for imp in imports
        if room_of(imp.module) == room and imp.target.split(".")[0] in FORBIDDEN_LIBS[room]
    ]
    assert not bad, "\n".join(bad)


def test_shared_modules_import_nothing_of_ours(imports: list[Import]) -> None:
    ours = [_where(i) for i in imports if i.module in SHARED and i.target.startswith("smarttouch")]
    assert not ours, "\n".join(ours)


# ------------------------------------------------------------------ the checker itself
def test_relative_imports_resolve_to_absolute_names() -> None:
    assert resolve_relative("smarttouch.platform.services.ingest", False, 1, "models") == (
        "smarttouch.platform.services.models"
    )
    assert resolve_relative("smarttouch.platform.services.ingest", False, 2, "models") == (
        "smarttouch.platform.models"
    )
    assert resolve_relative("smarttouch.platform.services", True, 1, None) == "smarttouch.platform.services"
    assert resolve_relative("smarttouch.client.hub_play", False, 2, "games.sdk") == "smarttouch.games.sdk"
    with pytest.raises(ValueError):
        resolve_relative("smarttouch.cli", False, 3, "x")


def _write(root: Path, rel: str, text: str) -> None:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def test_relative_deferred_and_dynamic_imports_are_all_edges(tmp_path: Path) -> None:
    """A toy package: every spelling of an import is found, and the loop it makes is caught."""
    root = tmp_path / "smarttouch"
    for room in ("games", "client", "sensors"):
        _write(root, f"{room}/__init__.py", "")
    _write(root, "__init__.py", "")
    _write(root, "games/sdk.py", "def later():\n    from ..client import store\n")
    _write(root, "client/store.py", "from .. import games\nfrom ..games import sdk\n")
    _write(root, "sensors/scan.py", "import importlib\nimportlib.import_module('smarttouch.games.sdk')\n")
    found = all_imports(root)
    got = {(i.module, i.target, i.deferred) for i in found if i.target.startswith("smarttouch")}
    assert got == {
        ("smarttouch.games.sdk", "smarttouch.client.store", True),
        ("smarttouch.client.store", "smarttouch.games", False),
        ("smarttouch.client.store", "smarttouch.games.sdk", False),
        ("smarttouch.sensors.scan", "smarttouch.games.sdk", False),
    }
    edges = room_edges(found)
    assert set(edges) == {("games", "client"), ("client", "games"), ("sensors", "games")}
    assert find_cycle(edges) in (["client", "games", "client"], ["games", "client", "games"])
    assert find_cycle([("sensors", "games"), ("client", "games")]) is None
