"""No import cycle between the hub's modules (docs/architecture-hub.md).

Every import of every module under ``smarttouch/platform`` counts: at the top, inside a
function (deferred), under ``TYPE_CHECKING``, relative or absolute (read by the layering
test's parser). Importing ``a.b.c`` also runs the packages ``a.b`` and ``a``, so those are
edges too - except a module's own parent packages, which Python has imported before it. The
one allowed loop is the blueprint idiom: a blueprint package's ``__init__.py`` creates ``bp``
and then imports its ``routes``, which take ``bp`` from the package.
"""

from __future__ import annotations

import ast
from pathlib import Path

from tests.test_layering import PACKAGE, Import, find_cycle, imports_of, module_name

PLATFORM = "smarttouch.platform"


def _ancestors(name: str) -> list[str]:
    parts = name.split(".")
    return [".".join(parts[:i]) for i in range(1, len(parts))]


def _is_blueprint_package(path: Path) -> bool:
    """The package's ``__init__.py`` assigns ``bp``."""
    if path.name != "__init__.py":
        return False
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return any(
        isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "bp" for t in node.targets)
        for node in tree.body
    )


def module_graph(imports: list[Import], files: dict[str, Path]) -> dict[str, set[str]]:
    """module -> the hub modules importing it runs (see the module docstring)."""
    blueprints = {name for name, path in files.items() if _is_blueprint_package(path)}
    graph: dict[str, set[str]] = {name: set() for name in files}
    for imp in imports:
        if imp.module not in files or not imp.target.startswith(PLATFORM):
            continue
        own_parents = set(_ancestors(imp.module))
        for name in [*_ancestors(imp.target), imp.target]:
            if name not in files or name == imp.module:
                continue
            if name in own_parents and (name != imp.target or name in blueprints):
                continue  # already imported before the module, or the blueprint idiom
            graph[imp.module].add(name)
    return graph


def hub_graph(root: Path = PACKAGE) -> dict[str, set[str]]:
    """The module graph of ``<root>/platform``."""
    files = {module_name(p, root): p for p in sorted((root / "platform").rglob("*.py"))}
    imports = [imp for path in files.values() for imp in imports_of(path, root)]
    return module_graph(imports, files)


def _edges(graph: dict[str, set[str]]) -> list[tuple[str, str]]:
    return [(a, b) for a, targets in sorted(graph.items()) for b in sorted(targets)]


def test_the_hub_has_no_import_cycle() -> None:
    graph = hub_graph()
    assert len(graph) > 100  # the whole hub was read
    cycle = find_cycle(_edges(graph))
    assert cycle is None, "hub modules import each other in a loop: " + " -> ".join(cycle or [])


def test_the_checker_finds_deferred_loops_and_allows_the_blueprint_idiom(tmp_path: Path) -> None:
    root = tmp_path / "smarttouch"
    files = {
        "__init__.py": "",
        "platform/__init__.py": "def create_app():\n    from .core import app\n",
        "platform/core/__init__.py": "",
        "platform/core/app.py": "from ..page import bp\n",
        "platform/jobs/__init__.py": "",
        "platform/jobs/queue.py": "def later():\n    from ..services import importer\n",
        "platform/services/__init__.py": "",
        "platform/services/importer.py": "def seed():\n    from ..jobs.queue import get_queue\n",
        "platform/page/__init__.py": "bp = object()\nfrom . import routes\n",
        "platform/page/routes.py": "from . import bp\nfrom ..services import importer\n",
    }
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text, encoding="utf-8")
    edges = _edges(hub_graph(root))
    assert ("smarttouch.platform.page.routes", "smarttouch.platform.page") not in edges  # the idiom
    assert ("smarttouch.platform.page", "smarttouch.platform.page.routes") in edges
    assert ("smarttouch.platform.page.routes", "smarttouch.platform.services") in edges  # runs its __init__
    cycle = find_cycle(edges)
    assert cycle is not None and set(cycle) == {
        "smarttouch.platform.jobs.queue",
        "smarttouch.platform.services.importer",
    }
    # the service takes an enqueue callable instead: no loop left
    (root / "platform/services/importer.py").write_text(
        "def seed(enqueue):\n    enqueue(1)\n", encoding="utf-8"
    )
    assert find_cycle(_edges(hub_graph(root))) is None
