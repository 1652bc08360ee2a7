"""The order the suite runs in: the files holding ``browser`` or ``slow`` tests first, the rest
after them (each group in its usual order, each file's tests in theirs).

``make test`` runs ``pytest -n 2 --dist loadfile``: a worker takes a whole file at a time, so a
long file handed out last keeps one worker busy while the other has nothing left to do. With
the long files handed out first, the many short ones fill in around them at the end. xdist would
otherwise hand out the files with the most tests first (``--loadscope-reorder``, its default,
which puts the long files with few tests last): that reordering is turned off here.

So which files share a worker process changes from run to run, and a test must leave the
process as it found it. Two fixtures here keep imports in their test:

* ``isolated_imports("reach", ...)``: for a test that imports modules by name from its own
  folders (a game or a solution under ``tmp_path``, as ``load_entrypoint`` does): those names are
  unloaded now, so the test imports its own, and after the test the test's are unloaded and any
  there were put back; ``sys.path`` (where ``load_entrypoint`` prepends the folder) is put back.
  ``monkeypatch.delitem(sys.modules, name, raising=False)`` alone does not do it: with no such
  module before, it records nothing and the test's module stays loaded.
* ``_imports_stay_in_their_test`` (autouse): a test that leaves a module imported from pytest's
  temporary folders, or one of those folders on ``sys.path``, fails at teardown, and what it left
  is removed so the next test on the worker does not find it (CI once refused a game because an
  earlier file's ``reach`` was still loaded)."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator
from types import ModuleType

import pytest

from tests.platform.browser_support import Chromium, chromium  # noqa: F401  (one Chromium per test process)

LONG = ("browser", "slow")


def pytest_configure(config: pytest.Config) -> None:
    if hasattr(config.option, "loadscopereorder"):  # xdist is loaded
        config.option.loadscopereorder = False


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    long_files = {item.path for item in items if any(item.get_closest_marker(mark) for mark in LONG)}
    items.sort(key=lambda item: item.path not in long_files)  # a stable sort


@pytest.hookimpl(trylast=True)  # after the test's fixtures are torn down
def pytest_runtest_teardown(item: pytest.Item, nextitem: pytest.Item | None) -> None:
    """Stop the shared Chromium (``tests/platform/browser_support.py``) when the next test on
    this worker does not use it: Playwright left started would break a later ``asyncio.run()``."""
    if "chromium" in getattr(item, "fixturenames", ()) and (
        nextitem is None or "chromium" not in getattr(nextitem, "fixturenames", ())
    ):
        for shared in list(Chromium.started):
            shared.stop()


def _and_submodules(name: str) -> list[str]:
    return [n for n in list(sys.modules) if n == name or n.startswith(name + ".")]


@pytest.fixture
def isolated_imports() -> Iterator[Callable[..., None]]:
    """``isolated_imports(*names)``: see the module docs."""
    path = list(sys.path)
    before: dict[str, ModuleType] = {}
    names: list[str] = []

    def isolate(*modules: str) -> None:
        for name in modules:
            names.append(name)
            for loaded in _and_submodules(name):
                before.setdefault(loaded, sys.modules.pop(loaded))

    yield isolate
    sys.path[:] = path
    for name in names:
        for loaded in _and_submodules(name):
            del sys.modules[loaded]
    sys.modules.update(before)


def _module_file(module: ModuleType | None) -> str:
    where = getattr(module, "__file__", None) or next(iter(getattr(module, "__path__", None) or []), None)
    return str(where or "")


@pytest.fixture(autouse=True)
def _imports_stay_in_their_test(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """See the module docs. Costs a set of the loaded module names per test."""
    path = list(sys.path)
    modules = set(sys.modules)
    yield
    new_modules = sys.modules.keys() - modules
    new_paths = [entry for entry in sys.path if entry not in path]
    if not new_modules and not new_paths:
        return
    tmp = str(tmp_path_factory.getbasetemp()) + os.sep
    left = sorted(name for name in new_modules if _module_file(sys.modules.get(name)).startswith(tmp))
    on_path = [entry for entry in new_paths if (entry + os.sep).startswith(tmp)]
    for name in left:
        del sys.modules[name]
    sys.path[:] = [entry for entry in sys.path if entry not in on_path]
    if left or on_path:
        what = [f"modules imported from its temporary folders: {', '.join(left)}"] if left else []
        what += [f"folders on sys.path: {', '.join(on_path)}"] if on_path else []
        pytest.fail(
            f"the test left {'; '.join(what)} (now removed): a later test on this worker would "
            "import them. Use the isolated_imports fixture (tests/conftest.py)",
            pytrace=False,
        )
