"""Solutions: ``solution.toml`` manifests and staging a submitted directory or zip.

A solution is a directory (or a zip of one) with::

    solution.toml     [solution] name, challenge, kind, entrypoint = "module:Class"
    module.py         the code; more modules and data files may sit alongside

Staging copies the untrusted files safely (see :mod:`.archive`), checks the manifest and
computes the submission identity: the sha256 of the canonical archive of exactly the staged
files, i.e. of exactly the code that will run.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

from smarttouch.challenges.archive import (
    ArchiveRejected,
    Caps,
    canonical_archive,
    copy_tree,
    extract_zip,
    make_readable,
    sha256_hex,
)
from smarttouch.challenges.kinds.registry import kind_names

ENTRYPOINT_RE = re.compile(
    r"^([A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*):([A-Za-z_][A-Za-z0-9_]*)$"
)
_KEYS = {"name", "challenge", "kind", "entrypoint", "description", "authors", "version"}


class SolutionRejected(ArchiveRejected):
    """The solution's manifest or layout is wrong; the message names the problem."""


@dataclass(frozen=True)
class SolutionManifest:
    """The ``[solution]`` table: what the code is and where it starts."""

    name: str
    challenge: str
    kind: str
    entrypoint: str
    description: str = ""

    @property
    def module(self) -> str:
        return self.entrypoint.split(":")[0]

    @property
    def class_name(self) -> str:
        return self.entrypoint.split(":")[1]


@dataclass(frozen=True)
class StagedSolution:
    """A solution copied into a private folder, checked and hashed.

    Attributes:
        root: the staged folder (world-readable, read-only for the sandbox).
        manifest: its parsed ``solution.toml``.
        files: relative paths of every staged file, sorted.
        sha256: hex sha256 of :attr:`archive`, the submission identity.
        archive: the canonical archive bytes (what the hub stores).
    """

    root: Path
    manifest: SolutionManifest
    files: tuple[str, ...]
    sha256: str
    archive: bytes


def read_manifest(root: str | Path) -> SolutionManifest:
    """Parse and check ``root/solution.toml`` (also that the entrypoint module exists)."""
    root = Path(root)
    path = root / "solution.toml"
    if not path.is_file():
        raise SolutionRejected("no solution.toml at the top of the solution")
    try:
        doc = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise SolutionRejected(f"solution.toml is not valid TOML: {exc}") from None
    table = doc.get("solution")
    if not isinstance(table, dict):
        raise SolutionRejected("solution.toml: missing table [solution]")
    unknown = sorted(set(table) - _KEYS)
    if unknown:
        raise SolutionRejected(f"solution.toml: unknown key(s) {', '.join(unknown)} in [solution]")
    for key in ("name", "challenge", "kind", "entrypoint"):
        if not isinstance(table.get(key), str) or not table[key].strip():
            raise SolutionRejected(f"solution.toml: solution.{key} is required (a non-empty string)")
    if table["kind"] not in kind_names():
        raise SolutionRejected(
            f"solution.toml: solution.kind {table['kind']!r} is not one of {', '.join(kind_names())}"
        )
    if not ENTRYPOINT_RE.match(table["entrypoint"]):
        raise SolutionRejected(
            f"solution.toml: entrypoint {table['entrypoint']!r} must look like "
            f'"module:Class" (e.g. "counter:RepCounter")'
        )
    manifest = SolutionManifest(
        table["name"].strip(),
        table["challenge"].strip(),
        table["kind"],
        table["entrypoint"],
        str(table.get("description", "")),
    )
    parts = manifest.module.split(".")
    module_file = root.joinpath(*parts).with_suffix(".py")
    package_init = root.joinpath(*parts, "__init__.py")
    if not module_file.is_file() and not package_init.is_file():
        raise SolutionRejected(
            f"entrypoint module {manifest.module!r} not found: expected "
            f"{module_file.relative_to(root)} in the solution"
        )
    return manifest


def stage_solution(source: str | Path, dest: str | Path, caps: Caps = Caps()) -> StagedSolution:
    """Copy the solution at ``source`` (directory or .zip) into the new folder ``dest``.

    Raises:
        ArchiveRejected / SolutionRejected: unsafe archive or bad manifest; nothing usable is
            left in ``dest`` (the caller owns and removes it).
    """
    source = Path(source)
    dest = Path(dest)
    if dest.exists() and any(dest.iterdir()):
        raise ValueError(f"{dest}: staging folder must be new or empty")
    if source.is_dir():
        files = copy_tree(source, dest, caps)
    elif source.is_file():
        files = extract_zip(source, dest, caps)
    else:
        raise SolutionRejected(f"{source}: no such solution directory or zip")
    manifest = read_manifest(dest)
    make_readable(dest)
    archive = canonical_archive(dest)
    return StagedSolution(dest, manifest, tuple(files), sha256_hex(archive), archive)
