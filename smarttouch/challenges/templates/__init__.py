"""Starter solutions shipped in starter kits (one folder per template, a valid solution each)."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parent


def template_files(name: str) -> dict[str, str]:
    """Relative path -> text of every file of template ``name`` (``__init__.py`` excluded)."""
    folder = ROOT / name
    if not folder.is_dir():
        raise KeyError(f"no solution template {name!r}")
    return {
        p.relative_to(folder).as_posix(): p.read_text(encoding="utf-8")
        for p in sorted(folder.rglob("*"))
        if p.is_file() and p.name != "__init__.py" and "__pycache__" not in p.parts
    }
