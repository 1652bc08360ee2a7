"""The registry of games: built-ins by key, and outside games by entrypoint "module:Class".

Built-ins register themselves when ``smarttouch.games.builtin`` is imported (done lazily on
first lookup). The challenges harness and the patient client load approved solutions with
:func:`load_entrypoint`, optionally from a solution folder added to ``sys.path``.
"""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

from smarttouch.games.sdk.protocol import Game, check_game_class

GAMES: dict[str, type] = {}


class GameLoadError(LookupError):
    """A game key or entrypoint that cannot be loaded; the message says why."""


def register(cls: type) -> type:
    """Class decorator: add a game class to the registry under ``cls.info.key``."""
    problems = check_game_class(cls)
    if problems:
        raise TypeError(f"{cls.__name__} is not a valid game: " + "; ".join(problems))
    key = cls.info.key  # type: ignore[attr-defined]
    existing = GAMES.get(key)
    if existing is not None and existing is not cls:
        raise ValueError(
            f"a game named {key!r} is already registered ({existing.__module__}.{existing.__name__})"
        )
    GAMES[key] = cls
    return cls


def _load_builtins() -> None:
    importlib.import_module("smarttouch.games.builtin")


def game_keys() -> list[str]:
    """Registered game keys, sorted."""
    _load_builtins()
    return sorted(GAMES)


def get_game(key: str) -> type:
    """The game class registered as ``key`` or loadable as entrypoint ``module:Class``."""
    _load_builtins()
    if key in GAMES:
        return GAMES[key]
    if ":" in key:
        return load_entrypoint(key)
    raise GameLoadError(f"unknown game {key!r}; known games: {', '.join(sorted(GAMES))}")


def load_entrypoint(entrypoint: str, search_path: str | Path | None = None) -> type:
    """Import ``module:Class`` (from ``search_path`` if given) and check it follows the protocol."""
    module_name, sep, attr = entrypoint.partition(":")
    if not sep or not module_name or not attr:
        raise GameLoadError(f"entrypoint must look like 'module:Class', got {entrypoint!r}")
    if search_path is not None:
        folder = str(Path(search_path).resolve())
        if folder not in sys.path:
            sys.path.insert(0, folder)
    try:
        module = importlib.import_module(module_name)
    except Exception as exc:
        raise GameLoadError(f"cannot import {module_name!r}: {type(exc).__name__}: {exc}") from exc
    cls = getattr(module, attr, None)
    if cls is None:
        raise GameLoadError(f"module {module_name!r} has no attribute {attr!r}")
    if not isinstance(cls, type):
        raise GameLoadError(f"{entrypoint} is not a class")
    problems = check_game_class(cls)
    if problems:
        raise GameLoadError(f"{entrypoint} does not follow the Game protocol: " + "; ".join(problems))
    return cls


def make_game(key_or_entrypoint: str) -> Game:
    """A fresh instance of the game."""
    return get_game(key_or_entrypoint)()
