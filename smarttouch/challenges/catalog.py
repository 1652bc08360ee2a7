"""Finding challenges: a bundle folder, a slug in ``$SMARTTOUCH_CHALLENGES_DIR``, or a built-in."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from smarttouch.challenges.builtin import BUILTINS, builtin_bundle
from smarttouch.challenges.bundle import BundleError, ChallengeBundle, load_bundle


def challenges_dir() -> Path | None:
    """Folder of extra challenge bundles (one sub-folder per slug), if configured."""
    env = os.environ.get("SMARTTOUCH_CHALLENGES_DIR")
    return Path(env) if env else None


def resolve_challenge(
    ref: str | Path, *, require_hidden: bool = True, progress: Callable[[int], None] | None = None
) -> ChallengeBundle:
    """Load the challenge ``ref``: a bundle folder path (containing a ``/`` or starting with
    ``.``), or a slug (extra bundles first, then the built-ins, generated on first use)."""
    path = Path(ref)
    if _looks_like_path(str(ref)):
        if not (path / "challenge.toml").is_file():
            raise BundleError(f"{path}: no challenge.toml (is this a challenge bundle folder?)")
        return load_bundle(path, require_hidden=require_hidden)
    extra = challenges_dir()
    if extra is not None and (extra / str(ref) / "challenge.toml").is_file():
        return load_bundle(extra / str(ref), require_hidden=require_hidden)
    if str(ref) in BUILTINS:
        return load_bundle(builtin_bundle(str(ref), progress=progress), require_hidden=require_hidden)
    known = sorted(set(BUILTINS) | set(_extra_slugs()))
    raise BundleError(
        f"no challenge {str(ref)!r}: not a bundle folder and not a known slug ({', '.join(known)})"
    )


def _looks_like_path(ref: str) -> bool:
    """A reference is a folder path when it has a separator or starts with '.' or '~'."""
    return "/" in ref or ref.startswith((".", "~")) or os.sep in ref


def _extra_bundles() -> list[Path]:
    """The bundle folders under :func:`challenges_dir`, by name."""
    extra = challenges_dir()
    if extra is None or not extra.is_dir():
        return []
    return sorted((p for p in extra.iterdir() if (p / "challenge.toml").is_file()), key=lambda p: p.name)


def _extra_slugs() -> list[str]:
    return [p.name for p in _extra_bundles()]


def list_challenges(progress: Callable[[int], None] | None = None) -> list[ChallengeBundle]:
    """Every known challenge: extra bundles, then built-ins not overridden by one."""
    found = {}
    for folder in _extra_bundles():
        found[folder.name] = load_bundle(folder)
    for slug in BUILTINS:
        if slug not in found:
            found[slug] = load_bundle(builtin_bundle(slug, progress=progress))
    return [found[s] for s in sorted(found)]
