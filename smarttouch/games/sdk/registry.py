"""The registry of games: built-ins by key, and outside games by entrypoint "module:Class".

Two ways in:

* :func:`declare` - a built-in game's folder (``smarttouch/games/builtin/<key>/__init__.py``)
  declares its :class:`GameInfo` and where its class lives; the class, which draws with
  pygame, is imported only when the game is played (:func:`get_game`).
* :func:`register` - a class decorator for a game class that is already imported (a test's
  toy game, a game defined in a script).

Either is enough for the game to be listed by :func:`game_infos` / :func:`game_keys`, which
import no game module and no pygame, so the hub can read the catalogue cheaply. Built-in
folders are declared on the first lookup. The challenges harness and the patient client load
approved solutions with :func:`load_entrypoint`, optionally from a solution folder added to
``sys.path``.
"""

from __future__ import annotations

import importlib
import sys
from dataclasses import dataclass
from pathlib import Path

from smarttouch.games.sdk.protocol import Game, GameInfo, check_game_class

BUILTIN_PACKAGE = "smarttouch.games.builtin"


@dataclass(frozen=True)
class Declared:
    """A game known by its info; ``entrypoint`` ("module:Class") is imported when played."""

    info: GameInfo
    entrypoint: str


GAMES: dict[str, type[Game]] = {}  # game classes imported so far, by key
DECLARED: dict[str, Declared] = {}  # every known game, by key (registered classes too)


class GameLoadError(LookupError):
    """A game key or entrypoint that cannot be loaded; the message says why."""


def _check_new(info: GameInfo, entrypoint: str) -> None:
    existing = DECLARED.get(info.key)
    if existing is not None and existing.entrypoint != entrypoint:
        raise ValueError(f"a game named {info.key!r} is already registered ({existing.entrypoint})")


def declare(info: GameInfo, entrypoint: str) -> GameInfo:
    """Make a game known by ``info`` before its class (``entrypoint``, "module:Class") is
    imported; returns ``info`` so the game's folder can keep it for the class (``info = INFO``).

    Raises:
        ValueError: another game already has this key.
    """
    if not info.movements:
        raise ValueError(f"game {info.key!r}: info.movements must name at least one movement")
    _check_new(info, entrypoint)
    DECLARED[info.key] = Declared(info, entrypoint)
    return info


def register(cls: type) -> type:
    """Class decorator: add an imported game class to the registry under ``cls.info.key``.

    Raises:
        TypeError: the class does not follow the Game protocol.
        ValueError: another game already has this key.
    """
    problems = check_game_class(cls)
    if problems:
        raise TypeError(f"{cls.__name__} is not a valid game: " + "; ".join(problems))
    info: GameInfo = getattr(cls, "info")  # noqa: B009 (a GameInfo: checked by check_game_class)
    _check_new(info, f"{cls.__module__}:{cls.__qualname__}")
    DECLARED[info.key] = Declared(info, f"{cls.__module__}:{cls.__qualname__}")
    GAMES[info.key] = cls
    return cls


def _load_builtins() -> None:
    importlib.import_module(BUILTIN_PACKAGE)


def game_infos() -> list[GameInfo]:
    """The info of every known game (built-in and registered), sorted by key. Imports no game."""
    _load_builtins()
    return [DECLARED[key].info for key in sorted(DECLARED)]


def game_info(key: str) -> GameInfo:
    """The info of game ``key`` without importing the game.

    Raises:
        GameLoadError: no game has this key.
    """
    _load_builtins()
    try:
        return DECLARED[key].info
    except KeyError:
        raise GameLoadError(f"unknown game {key!r}; known games: {', '.join(sorted(DECLARED))}") from None


def game_keys() -> list[str]:
    """Known game keys, sorted."""
    return [info.key for info in game_infos()]


def get_game(key: str) -> type[Game]:
    """The game class known as ``key`` (imported now if only declared) or loadable as the
    entrypoint ``module:Class``.

    Raises:
        GameLoadError: unknown key, or the class cannot be imported or breaks the protocol.
    """
    _load_builtins()
    if key in GAMES:
        return GAMES[key]
    declared = DECLARED.get(key)
    if declared is not None:
        cls = load_entrypoint(declared.entrypoint)
        if cls.info != declared.info:
            raise GameLoadError(f"{declared.entrypoint}: its info is not the info declared for {key!r}")
        GAMES[key] = cls
        return cls
    if ":" in key:
        return load_entrypoint(key)
    raise GameLoadError(f"unknown game {key!r}; known games: {', '.join(sorted(DECLARED))}")


def load_entrypoint(entrypoint: str, search_path: str | Path | None = None) -> type[Game]:
    """Import ``module:Class`` (from ``search_path`` if given) and check it follows the protocol.

    Raises:
        GameLoadError: the entrypoint is malformed, cannot be imported, or breaks the protocol.
    """
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
