"""Services import no Flask (docs/architecture.md, "Who may import whom").

The hub's services (``smarttouch/platform/services/**``) hold the logic; views are thin and hand
them what they need from the request and the app (the session, settings as a mapping, an
``enqueue`` callable). So:

- no service module imports ``flask``, ``flask_login``, ``flask_wtf`` or ``werkzeug``, at its
  top or inside a function;
- importing a service does not import them either: no module a service imports (ours,
  followed transitively, with the packages each import runs) imports them when it loads.
  Imports inside functions and under ``TYPE_CHECKING`` do not run at load time and are not
  counted there.

Flask-Babel is not on the list: the vocabularies (``i18n.vocab``) some services read for their
codes hold lazily translated labels, which need no app to import.

Imports are read from the source by the layering test's parser (relative, absolute and
``importlib.import_module`` with a literal alike).
"""

from __future__ import annotations

import ast
from functools import cache
from pathlib import Path

from tests.test_layering import PACKAGE, Import, imports_of, module_name

SERVICES = "smarttouch.platform.services"
FLASK = ("flask", "flask_login", "flask_wtf", "werkzeug")


def _is_flask(target: str) -> bool:
    return target.split(".")[0] in FLASK


def _type_checking_lines(path: Path) -> set[int]:
    """Lines inside ``if TYPE_CHECKING:`` blocks (never run)."""
    lines: set[int] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            for stmt in node.body:
                lines.update(range(stmt.lineno, (stmt.end_lineno or stmt.lineno) + 1))
    return lines


def _with_packages(name: str) -> list[str]:
    """``a.b.c`` and the packages importing it runs: ``a``, ``a.b``."""
    parts = name.split(".")
    return [".".join(parts[:i]) for i in range(1, len(parts) + 1)]


class Package:
    """The imports of every module under ``root``."""

    def __init__(self, root: Path = PACKAGE) -> None:
        self.files = {module_name(p, root): p for p in sorted(root.rglob("*.py"))}
        self.imports: dict[str, list[Import]] = {name: imports_of(p, root) for name, p in self.files.items()}
        self._never_run = {name: _type_checking_lines(p) for name, p in self.files.items()}

    def services(self) -> list[str]:
        return [n for n in self.files if n == SERVICES or n.startswith(SERVICES + ".")]

    def load_time(self, module: str) -> list[Import]:
        """The imports that run when ``module`` is imported."""
        skip = self._never_run[module]
        return [i for i in self.imports[module] if not i.deferred and i.line not in skip]

    def loaded_by(self, service: str) -> dict[str, list[str]]:
        """Our modules that importing ``service`` (or calling it) runs -> the import chain."""
        chains: dict[str, list[str]] = {}
        todo: list[tuple[str, list[str]]] = []

        def reach(targets: list[str], chain: list[str]) -> None:
            for target in targets:
                for name in _with_packages(target):
                    if name in self.files and name not in chains:
                        chains[name] = [*chain, name]
                        todo.append((name, chains[name]))

        reach(_with_packages(service), [])
        # the service's own imports run whether written at the top or in a function
        reach([i.target for i in self.imports[service] if i.line not in self._never_run[service]], [service])
        while todo:
            module, chain = todo.pop()
            reach([i.target for i in self.load_time(module)], chain)
        return chains


@cache
def _package() -> Package:
    return Package()


def test_services_import_no_flask() -> None:
    package = _package()
    services = package.services()
    assert len(services) > 20  # every service was read
    found = [
        f"{imp.module}:{imp.line} imports {imp.target}"
        for name in services
        for imp in package.imports[name]
        if _is_flask(imp.target)
    ]
    assert not found, "services receive what they need from the view instead:\n" + "\n".join(found)


def test_importing_a_service_loads_no_flask() -> None:
    package = _package()
    found = []
    for service in package.services():
        for module, chain in package.loaded_by(service).items():
            for imp in package.load_time(module):
                if _is_flask(imp.target):
                    found.append(f"{service}: {' -> '.join(chain)} (line {imp.line}) imports {imp.target}")
    assert not found, "Flask reached from a service:\n" + "\n".join(sorted(set(found)))


def _write(root: Path, files: dict[str, str]) -> None:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


def test_the_checks_see_direct_deferred_and_transitive_flask(tmp_path: Path) -> None:
    root = tmp_path / "smarttouch"
    _write(
        root,
        {
            "__init__.py": "",
            "platform/__init__.py": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import flask\n",
            "platform/store.py": "from flask import current_app\n",
            "platform/glue.py": "def get():\n    from flask import g\n",
            "platform/services/__init__.py": "",
            "platform/services/direct.py": "def f():\n    from werkzeug.exceptions import NotFound\n",
            "platform/services/uses_store.py": "from ..store import current_app\n",
            "platform/services/lazy_store.py": "def f():\n    from .. import store\n",
            "platform/services/uses_glue.py": "from ..glue import get\n",
        },
    )
    package = Package(root)
    flagged_direct = {
        name for name in package.services() if any(_is_flask(i.target) for i in package.imports[name])
    }
    assert flagged_direct == {"smarttouch.platform.services.direct"}
    flagged_loaded = {
        service
        for service in package.services()
        for module in package.loaded_by(service)
        if any(_is_flask(i.target) for i in package.load_time(module))
    }
    # a TYPE_CHECKING import and a Flask import inside a glue function do not count
    assert flagged_loaded == {
        "smarttouch.platform.services.uses_store",
        "smarttouch.platform.services.lazy_store",
    }
