"""Running an approved developer's game on the patient's computer, only if it is byte for byte
the code a therapist reviewer approved.

Trust model (also in docs/hub-challenges.md): an approved game is ordinary Python that runs
INSIDE the patient's client process, with the patient's rights. What protects the patient is
not a sandbox on their computer but the chain of custody: the hub evaluated the code in its
sandbox, a reviewer approved that exact sha256, the plan names that sha256, and this module
refuses to import anything whose files do not hash to it:

1. a cached copy whose files changed since they were verified is refused (and removed, so the
   next run downloads the approved bytes again) - nothing is played this time;
2. downloaded bytes (or the hub's ``X-Code-Sha256``) that differ from the plan's hash are
   refused and never unpacked;
3. the game's module must really come from the verified folder: a module of the same name
   already loaded from elsewhere is refused, and no bytecode is written into the cache while
   the game runs (a ``__pycache__`` there would count as tampering, and could shadow the source).
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import ModuleType

from smarttouch.client.packages import (
    GamePackage,
    PackageError,
    PackageTampered,
    discard_cached,
    fetch_package,
    inspect_cache,
)
from smarttouch.client.plan import PlannedExercise
from smarttouch.games.sdk.protocol import Game
from smarttouch.games.sdk.registry import GameLoadError, load_entrypoint


class GameRefused(PackageError):
    """Today's game cannot be run safely; ``message`` is for the patient."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def fetch_verified(exercise: PlannedExercise, *, hub_url: str, token: str, cache_root: Path) -> GamePackage:
    """The verified package of a solution exercise, or :class:`GameRefused`."""
    activity = exercise["activity"]
    key, title, sha = activity["key"], activity.get("title") or activity["key"], activity.get("code_sha256")
    if not sha:
        raise GameRefused(
            f"today's game {title!r} has no approved code hash in the plan: "
            "it cannot be checked, so it will not run"
        )
    state = inspect_cache(sha, cache_root)
    if state == "tampered":
        discard_cached(sha, cache_root)
        raise GameRefused(
            f"the copy of {title!r} on this computer was changed after it was checked, so it "
            "will not run and nothing was played. The changed copy has been removed: run "
            "smarttouch play again to download the approved version (tell your therapist if "
            "this happens again)"
        )
    try:
        return fetch_package(hub_url, token, key, sha, cache_root=cache_root, cache_state=state)
    except PackageTampered as exc:
        raise GameRefused(
            f"{title!r} could not be verified ({exc}), so it will not run and "
            "nothing was played. Please tell your therapist"
        ) from None
    except PackageError as exc:
        raise GameRefused(
            f"cannot get today's game {title!r} ({exc}); nothing was played. "
            "Connect to the internet and try again"
        ) from None


def _module_folder(module: ModuleType) -> Path | None:
    where = getattr(module, "__file__", None)
    if where:
        return Path(where).resolve().parent
    paths = list(getattr(module, "__path__", []) or [])
    return Path(paths[0]).resolve() if paths else None


def _inside(module: ModuleType, folder: Path) -> bool:
    where = _module_folder(module)
    return where is not None and where.is_relative_to(folder)


def load_verified_game(package: GamePackage) -> type[Game]:
    """Import the package's ``entrypoint`` class from its verified folder (see module docs)."""
    folder = package.folder.resolve()
    top = package.entrypoint.partition(":")[0].split(".")[0]
    loaded = sys.modules.get(top)
    if loaded is not None and not _inside(loaded, folder):
        if _inside(loaded, folder.parent):  # another approved game this process loaded
            for name in [n for n in sys.modules if n == top or n.startswith(top + ".")]:
                del sys.modules[name]
        else:
            raise GameRefused(
                f"game {package.name!r} names its module {top!r} like a module "
                "SmartTouch already uses, so it cannot be loaded safely; please "
                "tell your therapist"
            )
    try:
        cls = load_entrypoint(package.entrypoint, folder)
    except GameLoadError as exc:
        raise GameRefused(f"game {package.name!r} cannot be started: {exc}") from None
    module = sys.modules.get(cls.__module__)
    if module is None or not _inside(module, folder):
        raise GameRefused(f"game {package.name!r} did not load from its verified folder, so it will not run")
    return cls


@contextmanager
def no_bytecode() -> Iterator[None]:
    """While an approved game is loaded and played, write no ``.pyc`` into its cache."""
    before = sys.dont_write_bytecode
    sys.dont_write_bytecode = True
    try:
        yield
    finally:
        sys.dont_write_bytecode = before
