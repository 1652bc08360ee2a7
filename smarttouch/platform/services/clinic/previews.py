"""Preview pictures of the built-in games, drawn by each game itself and cached on disk.

The picture is rendered on demand by the games SDK (``smarttouch.games.sdk.preview``) in a
child process, so pygame never runs inside a web worker, and kept in the hub's cache folder
under a name that carries a digest of the game's source and of the preview code: a changed
game gets a new picture, an unchanged one is never drawn twice. Nothing is downloaded. Only
built-in games have previews: an approved developer's game is never run on the hub.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import subprocess
import sys
import threading
from pathlib import Path

from smarttouch.games.sdk import preview as sdk_preview
from smarttouch.games.sdk.registry import BUILTIN_PACKAGE, game_keys
from smarttouch.games.sdk.targets import LANGS

from ..errors import NotFound

RENDER_TIMEOUT_S = 60.0


def _source_digest(key: str) -> str:
    """sha256 (16 hex) over the game's folder files and the preview module."""
    spec = importlib.util.find_spec(f"{BUILTIN_PACKAGE}.{key}")
    if spec is None or spec.origin is None:
        raise NotFound(f"no built-in game {key!r}")
    files = sorted(Path(spec.origin).parent.glob("*.py")) + [Path(sdk_preview.__file__)]
    digest = hashlib.sha256()
    for f in files:
        digest.update(f.name.encode())
        digest.update(f.read_bytes())
    return digest.hexdigest()[:16]


def has_preview(key: str) -> bool:
    """Whether ``key`` names a built-in game (the ones the hub may draw)."""
    return key in game_keys() and importlib.util.find_spec(f"{BUILTIN_PACKAGE}.{key}") is not None


def preview_path(cache_dir: Path, key: str, lang: str = "en") -> Path:
    """The PNG preview of built-in game ``key`` with its words in ``lang`` (a games language;
    others fall back to English), rendered now if it is not cached yet.

    Raises:
        NotFound: ``key`` is not a built-in game.
        RuntimeError: the game could not draw its preview (the message says why).
    """
    if not has_preview(key):
        raise NotFound(f"no built-in game {key!r}")
    lang = lang if lang in LANGS else "en"
    path = Path(cache_dir) / f"{key}-{lang}-{_source_digest(key)}.png"
    if path.is_file():
        return path
    env = {**os.environ, "SDL_VIDEODRIVER": "dummy", "SDL_AUDIODRIVER": "dummy"}
    path.parent.mkdir(parents=True, exist_ok=True)
    # drawn under a private name and renamed into place: a hub drawing the same picture at the
    # same time, or a reader, never sees half a file
    partial = path.with_name(f".{path.stem}-{os.getpid()}-{threading.get_ident()}.png")
    done = subprocess.run(
        [sys.executable, "-m", "smarttouch.games.sdk.preview", key, str(partial), lang],
        env=env,
        capture_output=True,
        text=True,
        timeout=RENDER_TIMEOUT_S,
        check=False,
    )
    if done.returncode != 0 or not partial.is_file():
        partial.unlink(missing_ok=True)
        tail = (done.stderr or done.stdout).strip().splitlines()[-1:] or ["no output"]
        raise RuntimeError(f"preview of {key!r} failed: {tail[0]}")
    os.replace(partial, path)
    for stale in Path(cache_dir).glob(f"{key}-{lang}-*.png"):
        if stale != path and stale.stem.rsplit("-", 2)[0] == key:
            stale.unlink(missing_ok=True)
    return path
