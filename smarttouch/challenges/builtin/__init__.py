"""Built-in challenges, generated from the motion simulator into a cache folder on demand.

The generators live here (deterministic given their seeds); the bundles do not: they are
written by ``smarttouch challenge build-builtin OUT`` or, when a built-in slug is first used,
into ``$SMARTTOUCH_CHALLENGE_CACHE`` (default: the per-user cache folder). The hidden split's
seed is drawn at random when the bundle is built (or given with ``--hidden-seed``): the
generator code is public, so a fixed hidden seed would publish the hidden labels.
"""

from __future__ import annotations

import os
import secrets
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from smarttouch.challenges.builtin import rep_counting, shoulder_reach_game
from smarttouch.paths import user_cache_path


@dataclass(frozen=True)
class BuiltinChallenge:
    """A generator: ``build(out, hidden_seed=..., progress=...)``; ``version`` changes whenever
    its output would (it names the cache entry); ``size`` counts recordings, for progress bars."""

    slug: str
    build: Callable[..., None]
    version: int
    size: int


BUILTINS: dict[str, BuiltinChallenge] = {
    rep_counting.SLUG: BuiltinChallenge(
        rep_counting.SLUG, rep_counting.build, 1, sum(rep_counting.SIZES.values())
    ),
    shoulder_reach_game.SLUG: BuiltinChallenge(
        shoulder_reach_game.SLUG, shoulder_reach_game.build, 1, sum(shoulder_reach_game.SIZES.values())
    ),
}


def cache_root() -> Path:
    """Where built-in bundles are generated: ``$SMARTTOUCH_CHALLENGE_CACHE`` or the user cache."""
    env = os.environ.get("SMARTTOUCH_CHALLENGE_CACHE")
    return Path(env) if env else user_cache_path("challenges")


def build_builtin(
    slug: str,
    out: str | Path,
    *,
    hidden_seed: int | None = None,
    progress: Callable[[int], None] | None = None,
) -> Path:
    """Generate built-in challenge ``slug`` into the new folder ``out`` (atomically: built in a
    sibling temporary folder, then renamed). Returns ``out``."""
    spec = BUILTINS[slug]
    out = Path(out)
    if out.exists():
        raise FileExistsError(f"{out} already exists; choose a new folder")
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{slug}-", dir=out.parent))
    try:
        seed = secrets.randbits(62) if hidden_seed is None else int(hidden_seed)
        spec.build(tmp, hidden_seed=seed, progress=progress)
        os.rename(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return out


def builtin_bundle(slug: str, progress: Callable[[int], None] | None = None) -> Path:
    """The cached bundle folder of built-in ``slug``, generating it on first use.

    Safe when several processes ask at once: each builds privately and the first rename wins.
    """
    spec = BUILTINS[slug]
    target = cache_root() / f"{slug}-v{spec.version}"
    if not (target / "challenge.toml").is_file():
        try:
            build_builtin(slug, target, progress=progress)
        except FileExistsError:
            pass
        except OSError:
            if not (target / "challenge.toml").is_file():
                raise
    return target
