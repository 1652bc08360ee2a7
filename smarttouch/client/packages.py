"""Approved games on the patient's computer: download by hash, verify, cache, never trust.

A game that developers wrote and therapists approved is served by the hub at
``GET /api/v1/activities/<key>/package`` (device token) as the canonical archive the
reviewers approved. The client knows the hash to expect from its plan; it refuses any bytes
whose sha256 differs, unpacks them with the same safe extraction the hub uses (no ``..``
paths, links or zip bombs) into ``<cache>/<sha256>/``, and re-checks the unpacked files'
canonical hash every time before handing the folder to the game loader, so a corrupted or
edited cache is detected and downloaded again.

Self-contained (``requests``, the challenges room's archive helpers and ``.http``'s API prefix):
no Flask, no games.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

import requests

from smarttouch.challenges.archive import ArchiveRejected, canonical_archive, extract_zip
from smarttouch.challenges.solution import read_manifest

from .http import API_PREFIX

MAX_PACKAGE_BYTES = 25 * 1024 * 1024
TIMEOUT = (5.0, 120.0)


class PackageError(RuntimeError):
    """The game package could not be obtained or failed verification; the message says why."""


class PackageTampered(PackageError):
    """The bytes do not hash to the approved sha256: never run them."""


@dataclass(frozen=True)
class GamePackage:
    """A verified, unpacked game: import ``entrypoint`` with ``folder`` on the import path
    (e.g. ``smarttouch.games.sdk.registry.load_entrypoint(entrypoint, folder)``)."""

    sha256: str
    folder: Path
    entrypoint: str
    name: str


def _check_sha(value: str) -> str:
    value = value.strip().lower()
    if len(value) != 64 or any(c not in "0123456789abcdef" for c in value):
        raise PackageError(f"not a sha256 hex digest: {value!r}")
    return value


def install_package(data: bytes, expected_sha256: str, cache_root: Path) -> GamePackage:
    """Verify ``data`` against ``expected_sha256`` and unpack it into the cache (atomically)."""
    expected = _check_sha(expected_sha256)
    actual = hashlib.sha256(data).hexdigest()
    if actual != expected:
        raise PackageTampered(
            f"the downloaded game hashes to {actual[:12]}..., not the approved "
            f"{expected[:12]}...: refusing to run it"
        )
    cache_root.mkdir(parents=True, exist_ok=True)
    target = cache_root / expected
    tmp = Path(tempfile.mkdtemp(prefix=f".{expected[:12]}-", dir=cache_root))
    try:
        (tmp / "package.zip").write_bytes(data)
        extract_zip(tmp / "package.zip", tmp / "game")
        if target.exists():
            shutil.rmtree(target)
        os.rename(tmp / "game", target)
    except ArchiveRejected as exc:
        raise PackageError(f"the game package is not a safe archive: {exc}") from None
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    package = cached_package(expected, cache_root)
    if package is None:
        raise PackageTampered(
            f"the unpacked game {expected[:12]} does not hash to its archive "
            "(not a canonical archive?): refusing to run it"
        )
    return package


def inspect_cache(sha256: str, cache_root: Path) -> str:
    """The state of the cached copy of ``sha256``, without changing anything: ``"missing"``,
    ``"intact"`` (its files hash to ``sha256``) or ``"tampered"`` (something changed them
    after they were verified)."""
    folder = cache_root / _check_sha(sha256)
    if not folder.exists():
        return "missing"
    if not (folder / "solution.toml").is_file():
        return "tampered"
    try:
        actual = hashlib.sha256(canonical_archive(folder)).hexdigest()
    except (ArchiveRejected, OSError):
        return "tampered"
    return "intact" if actual == sha256 else "tampered"


def discard_cached(sha256: str, cache_root: Path) -> None:
    """Remove the cached copy of ``sha256`` (the next fetch downloads and verifies it again)."""
    shutil.rmtree(cache_root / _check_sha(sha256), ignore_errors=True)


def cached_package(sha256: str, cache_root: Path, *, state: str | None = None) -> GamePackage | None:
    """The cached game of ``sha256`` if its files still hash to it, else None (and the bad
    copy is removed). ``state`` is what :func:`inspect_cache` just returned for it, if the
    caller already hashed the cache (so it is not hashed twice)."""
    folder = cache_root / _check_sha(sha256)
    if state is None:
        state = inspect_cache(sha256, cache_root)
    if state != "intact":
        if state == "tampered":
            shutil.rmtree(folder, ignore_errors=True)
        return None
    try:
        manifest = read_manifest(folder)
    except ArchiveRejected as exc:
        raise PackageError(f"the approved game has an unusable solution.toml: {exc}") from None
    if manifest.kind != "game":
        raise PackageError(f"package {sha256[:12]} is a {manifest.kind}, not a game")
    return GamePackage(sha256, folder, manifest.entrypoint, manifest.name)


def fetch_package(
    hub_url: str,
    token: str,
    key: str,
    expected_sha256: str,
    *,
    cache_root: Path,
    http: requests.Session | None = None,
    cache_state: str | None = None,
) -> GamePackage:
    """The verified game ``key`` (from the cache under ``cache_root`` when it is intact, else
    downloaded). ``cache_state``: :func:`inspect_cache`'s answer if the caller already has it."""
    found = cached_package(expected_sha256, cache_root, state=cache_state)
    if found is not None:
        return found
    url = f"{hub_url.rstrip('/')}{API_PREFIX}/activities/{key}/package"
    http = http or requests.Session()
    try:
        response = http.get(url, headers={"Authorization": f"Bearer {token}"}, timeout=TIMEOUT, stream=True)
    except requests.RequestException as exc:
        reason = "timed out" if isinstance(exc, requests.Timeout) else type(exc).__name__
        raise PackageError(f"cannot reach the hub to download {key!r}: {reason}") from None
    with response:
        if response.status_code != 200:
            raise PackageError(
                f"the hub did not send game {key!r}: HTTP {response.status_code} {_error_message(response)}"
            )
        served = response.headers.get("X-Code-Sha256", "").strip().lower()
        if served and served != _check_sha(expected_sha256):
            raise PackageTampered(
                f"the hub now serves version {served[:12]}... of game {key!r}, "
                f"not the approved {expected_sha256[:12]}... your plan names: "
                "refusing to run it (fetch today's plan again)"
            )
        data = bytearray()
        for chunk in response.iter_content(65536):
            data += chunk
            if len(data) > MAX_PACKAGE_BYTES:
                raise PackageError(f"game {key!r} is larger than {MAX_PACKAGE_BYTES} bytes")
    return install_package(bytes(data), expected_sha256, cache_root)


def _error_message(response: requests.Response) -> str:
    try:
        return str(response.json()["error"]["message"])
    except (ValueError, KeyError, TypeError):
        return ""
