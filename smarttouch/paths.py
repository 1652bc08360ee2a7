"""Where SmartTouch keeps its files: one rule for every room.

This module sits outside the five rooms and imports nothing of SmartTouch, so any room may use
it (the hub's configuration, the challenge queue, the games' local state, the patient client).
"""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

APP_NAME = "smarttouch"


def checkout_root() -> Path | None:
    """The source checkout this package runs from, if it is one (its pyproject.toml beside it)."""
    root = Path(__file__).resolve().parents[1]
    pyproject = root / "pyproject.toml"
    if pyproject.is_file() and f'name = "{APP_NAME}"' in pyproject.read_text(encoding="utf-8"):
        return root
    return None


def default_instance_path() -> Path:
    """The hub's instance folder when none is configured: ``./instance`` of a source checkout,
    else the per-user data folder."""
    root = checkout_root()
    if root is not None:
        return root / "instance"
    return user_data_path()


def instance_path() -> Path:
    """The hub's instance folder: ``$SMARTTOUCH_INSTANCE_PATH``, else the default above."""
    env = os.environ.get("SMARTTOUCH_INSTANCE_PATH")
    return Path(env).expanduser() if env else default_instance_path()


def user_data_path(*parts: str) -> Path:
    """A folder under the user's data directory (e.g. ``~/.local/share/smarttouch/games``)."""
    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False), *parts)


def user_config_path(*parts: str) -> Path:
    """A folder under the user's configuration directory (e.g. ``~/.config/smarttouch``)."""
    return Path(platformdirs.user_config_dir(APP_NAME, appauthor=False), *parts)


def user_cache_path(*parts: str) -> Path:
    """A folder under the user's cache directory (e.g. ``~/.cache/smarttouch/challenges``)."""
    return Path(platformdirs.user_cache_dir(APP_NAME, appauthor=False), *parts)
