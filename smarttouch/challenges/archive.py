"""Untrusted solution archives: safe extraction, safe directory copy, canonical archive, sha256.

A submitted solution (a zip or a directory) is turned into a *staged* copy that holds exactly
the files that will run: regular files only, no links, no paths leaving the root, bounded count
and size; Python byte-code caches are dropped. Its identity is the sha256 of the *canonical
archive* of those files: an uncompressed zip with sorted names, fixed timestamps and fixed
permissions, so the same code always has the same hash on any machine.
"""

from __future__ import annotations

import hashlib
import io
import os
import shutil
import stat
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

MAX_FILES = 200
MAX_TOTAL_BYTES = 20 * 1024 * 1024
MAX_FILE_BYTES = 10 * 1024 * 1024
SKIPPED_DIRS = {"__pycache__", ".git", ".hg", ".svn", ".mypy_cache", ".pytest_cache"}
SKIPPED_SUFFIXES = (".pyc", ".pyo")
_FIXED_TIME = (1980, 1, 1, 0, 0, 0)


class ArchiveRejected(ValueError):
    """A solution archive or directory is unsafe or too large; the message says why."""


@dataclass(frozen=True)
class Caps:
    """Size caps of a solution: number of files, total bytes, bytes per file."""

    max_files: int = MAX_FILES
    max_total_bytes: int = MAX_TOTAL_BYTES
    max_file_bytes: int = MAX_FILE_BYTES


def _skipped(rel: PurePosixPath) -> bool:
    return (
        any(part in SKIPPED_DIRS for part in rel.parts[:-1])
        or rel.name in SKIPPED_DIRS
        or rel.name.endswith(SKIPPED_SUFFIXES)
        or rel.name == ".DS_Store"
    )


def _safe_relpath(name: str) -> PurePosixPath:
    if "\\" in name or "\x00" in name:
        raise ArchiveRejected(f"entry {name!r}: backslashes and NUL bytes are not allowed in paths")
    rel = PurePosixPath(name)
    if rel.is_absolute() or name.startswith("/"):
        raise ArchiveRejected(f"entry {name!r}: absolute paths are not allowed")
    if any(part == ".." for part in rel.parts):
        raise ArchiveRejected(f"entry {name!r}: '..' path components are not allowed")
    if not rel.parts or str(rel) == ".":
        raise ArchiveRejected(f"entry {name!r}: empty path")
    return rel


def extract_zip(zip_path: str | Path, dest: str | Path, caps: Caps = Caps()) -> list[str]:
    """Extract a solution zip into the empty or new directory ``dest``; return the file list.

    Rejects (ArchiveRejected): not a zip, absolute or ``..`` paths, symlinks and other special
    files, encrypted entries, duplicate names, too many files, too large (declared or actual
    uncompressed size: a zip bomb is stopped while inflating). A single top-level folder
    holding ``solution.toml`` is unwrapped.
    """
    dest = Path(dest)
    try:
        zf = zipfile.ZipFile(zip_path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise ArchiveRejected(f"{Path(zip_path).name}: not a readable zip archive ({exc})") from None
    with zf:
        entries = []
        for info in zf.infolist():
            rel = _safe_relpath(info.filename.rstrip("/") if info.is_dir() else info.filename)
            mode = info.external_attr >> 16
            if mode and stat.S_IFMT(mode) not in (0, stat.S_IFREG, stat.S_IFDIR):
                kind = "symlink" if stat.S_ISLNK(mode) else "special file"
                raise ArchiveRejected(f"entry {info.filename!r}: {kind}s are not allowed")
            if info.flag_bits & 0x1:
                raise ArchiveRejected(f"entry {info.filename!r}: encrypted entries are not allowed")
            if info.is_dir() or _skipped(rel):
                continue
            entries.append((rel, info))
        names = [str(rel) for rel, _ in entries]
        if len(set(names)) != len(names):
            raise ArchiveRejected("the archive holds the same file name twice")
        if len(entries) > caps.max_files:
            raise ArchiveRejected(f"too many files: {len(entries)} > {caps.max_files}")
        declared = sum(info.file_size for _, info in entries)
        if declared > caps.max_total_bytes:
            raise ArchiveRejected(f"too large: {declared} bytes uncompressed > {caps.max_total_bytes}")
        prefix = _common_wrapper(entries)
        dest.mkdir(parents=True, exist_ok=True)
        total = 0
        out_files = []
        for rel, info in entries:
            target_rel = PurePosixPath(*rel.parts[len(prefix) :])
            target = dest.joinpath(*target_rel.parts)
            target.parent.mkdir(parents=True, exist_ok=True)
            written = 0
            with zf.open(info) as src, open(target, "xb") as out:
                while chunk := src.read(65536):
                    written += len(chunk)
                    total += len(chunk)
                    if written > caps.max_file_bytes or total > caps.max_total_bytes:
                        raise ArchiveRejected(
                            f"entry {info.filename!r}: inflates beyond the size cap "
                            f"({caps.max_file_bytes} per file, {caps.max_total_bytes} total)"
                        )
                    out.write(chunk)
            out_files.append(str(target_rel))
    return sorted(out_files)


def _common_wrapper(entries: list) -> tuple[str, ...]:
    """('folder',) when every entry sits in one folder that holds solution.toml, else ()."""
    tops = {rel.parts[0] for rel, _ in entries if len(rel.parts) > 1}
    if len(tops) == 1 and all(len(rel.parts) > 1 for rel, _ in entries):
        top = next(iter(tops))
        if any(rel.parts == (top, "solution.toml") for rel, _ in entries):
            return (top,)
    return ()


def copy_tree(src: str | Path, dest: str | Path, caps: Caps = Caps()) -> list[str]:
    """Copy a solution directory into ``dest`` with the same rules as :func:`extract_zip`."""
    src = Path(src)
    if not src.is_dir():
        raise ArchiveRejected(f"{src}: not a directory")
    files: list[tuple[Path, PurePosixPath]] = []
    total = 0
    for dirpath, dirnames, filenames in os.walk(src, followlinks=False):
        dirnames[:] = sorted(d for d in dirnames if d not in SKIPPED_DIRS)
        for name in sorted(dirnames + filenames):
            path = Path(dirpath) / name
            rel = PurePosixPath(path.relative_to(src).as_posix())
            st = path.lstat()
            if stat.S_ISLNK(st.st_mode):
                raise ArchiveRejected(f"{rel}: symlinks are not allowed in a solution")
            if stat.S_ISDIR(st.st_mode) or _skipped(rel):
                continue
            if not stat.S_ISREG(st.st_mode):
                raise ArchiveRejected(f"{rel}: only regular files are allowed in a solution")
            total += st.st_size
            if st.st_size > caps.max_file_bytes or total > caps.max_total_bytes:
                raise ArchiveRejected(
                    f"{rel}: the solution is larger than {caps.max_total_bytes} bytes "
                    f"(or the file larger than {caps.max_file_bytes})"
                )
            files.append((path, rel))
            if len(files) > caps.max_files:
                raise ArchiveRejected(f"too many files: more than {caps.max_files}")
    dest = Path(dest)
    dest.mkdir(parents=True, exist_ok=True)
    for path, rel in files:
        target = dest.joinpath(*rel.parts)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, target, follow_symlinks=False)
    return sorted(str(rel) for _, rel in files)


def make_readable(root: str | Path) -> None:
    """Give the staged tree world-readable permissions (0755 dirs, 0644 files) so the
    sandbox's unprivileged user can read it; nothing is executable or writable by others."""
    root = Path(root)
    os.chmod(root, 0o755)
    for dirpath, dirnames, filenames in os.walk(root):
        for d in dirnames:
            os.chmod(Path(dirpath) / d, 0o755)
        for f in filenames:
            os.chmod(Path(dirpath) / f, 0o644)


def canonical_archive(root: str | Path) -> bytes:
    """The canonical archive (stored zip, sorted names, fixed time and mode) of a staged tree."""
    root = Path(root)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_STORED) as zf:
        for path in sorted(p for p in root.rglob("*") if p.is_file()):
            rel = path.relative_to(root).as_posix()
            info = zipfile.ZipInfo(rel, date_time=_FIXED_TIME)
            info.external_attr = (stat.S_IFREG | 0o644) << 16
            info.create_system = 3
            zf.writestr(info, path.read_bytes())
    return buf.getvalue()


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
