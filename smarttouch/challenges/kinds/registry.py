"""The challenge kinds, by name: every folder of this package that declares ``KIND``, plus any
kind folder registered at run time (:func:`load_kind_folder`).

Every list of kinds is read from here: which ``kind`` a ``challenge.toml`` or ``solution.toml``
may name, the outputs a kind's harness measures, the evaluator and harness of an evaluation,
the starter template, and in the hub the approval effects and display labels.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
import threading
from pathlib import Path

from smarttouch.challenges.kinds.spec import KindSpec

PACKAGE = "smarttouch.challenges.kinds"
ROOT = Path(__file__).resolve().parent

_KINDS: dict[str, KindSpec] = {}
_builtins_loaded = False
_LOCK = threading.RLock()  # re-entrant: a kind folder's import may ask for the kinds


class UnknownKind(LookupError):
    """No challenge kind has this name; the message lists the known ones."""


def register_kind(spec: KindSpec) -> KindSpec:
    """Make ``spec`` a known kind.

    Raises:
        ValueError: the spec is unusable (see :meth:`KindSpec.problems`) or another kind has
            its name.
    """
    problems = spec.problems()
    if problems:
        raise ValueError(f"challenge kind {spec.name!r}: " + "; ".join(problems))
    existing = _KINDS.get(spec.name)
    if existing is not None and existing != spec:
        raise ValueError(f"a challenge kind named {spec.name!r} is already registered")
    _KINDS[spec.name] = spec
    return spec


def _kind_of(module: object, where: str) -> KindSpec:
    spec = getattr(module, "KIND", None)
    if not isinstance(spec, KindSpec):
        raise ValueError(f"{where}: a kind folder's __init__.py must define KIND = KindSpec(...)")
    return spec


def _load_builtins() -> None:
    """Register the kind folders of this package, once, also when threads ask at the same time
    (a worker's threads evaluate in parallel)."""
    global _builtins_loaded
    if _builtins_loaded:
        return
    with _LOCK:
        if _builtins_loaded:
            return
        for folder in sorted(ROOT.iterdir()):
            if (folder / "__init__.py").is_file():
                module = importlib.import_module(f"{PACKAGE}.{folder.name}")
                register_kind(_kind_of(module, str(folder)))
        _builtins_loaded = True


def load_kind_folder(folder: str | Path) -> KindSpec:
    """Import the kind folder ``folder`` (``__init__.py`` defining ``KIND``, beside its
    evaluator and harness) from anywhere, and register it. Returns its spec.

    Raises:
        ValueError: the folder declares no usable kind, or its name is taken.
    """
    folder = Path(folder).resolve()
    init = folder / "__init__.py"
    if not init.is_file():
        raise ValueError(f"{folder}: a kind folder needs an __init__.py that defines KIND")
    name = f"smarttouch_kind_{folder.name}"
    loader = importlib.util.spec_from_file_location(name, init, submodule_search_locations=[str(folder)])
    if loader is None or loader.loader is None:
        raise ValueError(f"{folder}: cannot import {init}")
    module = importlib.util.module_from_spec(loader)
    sys.modules[name] = module
    try:
        loader.loader.exec_module(module)
        _load_builtins()
        return register_kind(_kind_of(module, str(folder)))
    except BaseException:  # a folder that is not a usable kind is not left imported either
        sys.modules.pop(name, None)
        raise


def kinds() -> dict[str, KindSpec]:
    """Every known kind by name (a copy)."""
    _load_builtins()
    return dict(_KINDS)


def kind_names() -> list[str]:
    """Known kind names, sorted."""
    return sorted(kinds())


def kind_spec(name: str) -> KindSpec:
    """The kind called ``name``.

    Raises:
        UnknownKind: no kind has this name.
    """
    _load_builtins()
    try:
        return _KINDS[name]
    except KeyError:
        raise UnknownKind(f"no challenge kind {name!r} (kinds: {', '.join(sorted(_KINDS))})") from None


def unregister_kind(name: str) -> None:
    """Forget a kind registered at run time (tests)."""
    _KINDS.pop(name, None)


__all__ = [
    "KindSpec",
    "UnknownKind",
    "kind_names",
    "kind_spec",
    "kinds",
    "load_kind_folder",
    "register_kind",
    "unregister_kind",
]
