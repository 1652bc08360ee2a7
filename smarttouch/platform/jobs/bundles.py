"""Imported challenge bundles unpacked for the workers, once per blob key.

The hub keeps each imported bundle as one zip in the blob store (key = its sha256; hidden
recordings and labels stay inside it). Workers and the hub's own pages that need the files
(starter kits, reference evaluations) unpack it once into
``<instance>/challenge-bundles/<sha256>/``, a folder readable only by the hub's user.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

from smarttouch.challenges.archive import Caps, extract_zip
from smarttouch.challenges.bundle import ChallengeBundle, load_bundle

from ..storage.blobstore import CHUNK_BYTES, BlobCorrupt, BlobStore

#: a bundle may be large (recordings), but not unbounded
BUNDLE_CAPS = Caps(max_files=5000, max_total_bytes=512 * 1024 * 1024, max_file_bytes=64 * 1024 * 1024)


class BundleCorrupt(ValueError):
    """A stored bundle blob does not hash to its key."""


def bundle_cache_root(instance_path: str | Path) -> Path:
    """Where workers unpack bundles: ``<instance>/challenge-bundles``."""
    return Path(instance_path) / "challenge-bundles"


def materialize_bundle(blobs: BlobStore, sha256: str, cache_root: Path) -> Path:
    """The unpacked bundle of blob ``sha256`` (unpacked once, atomically, then reused).

    Raises:
        BundleCorrupt: the blob's bytes do not hash to ``sha256``.
    """
    target = cache_root / sha256
    if (target / "challenge.toml").is_file():
        return target
    cache_root.mkdir(parents=True, exist_ok=True)
    os.chmod(cache_root, 0o700)
    tmp = Path(tempfile.mkdtemp(prefix=f".{sha256[:12]}-", dir=cache_root))
    try:
        archive = tmp / "bundle.zip"
        try:  # streamed to disk, checked against its key on the way (no whole bundle in memory)
            with blobs.open(sha256, verify=True) as src, archive.open("wb") as dst:
                shutil.copyfileobj(src, dst, CHUNK_BYTES)
        except BlobCorrupt:
            raise BundleCorrupt(f"bundle blob {sha256[:12]} is corrupt (its hash differs)") from None
        extract_zip(archive, tmp / "bundle", BUNDLE_CAPS)
        try:
            os.rename(tmp / "bundle", target)
        except OSError:
            if not (target / "challenge.toml").is_file():
                raise
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return target


def load_stored_bundle(blobs: BlobStore, sha256: str, instance_path: str | Path) -> ChallengeBundle:
    """The loaded bundle of blob ``sha256``, unpacked under ``instance_path`` if needed."""
    return load_bundle(materialize_bundle(blobs, sha256, bundle_cache_root(instance_path)))
