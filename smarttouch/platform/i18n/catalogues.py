"""Compile the hub's Babel catalogues (``translations/*/LC_MESSAGES/*.po``) into ``.mo``.

Run by the Makefile (``python -m smarttouch.platform.i18n.catalogues``) and, for catalogues
that are missing or older than their ``.po``, by the app at startup. When the package folder
is read-only (a system install) the ``.mo`` files go to a fallback folder instead.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

TRANSLATIONS_DIR = Path(__file__).resolve().parents[1] / "translations"


def _is_stale(po: Path, mo: Path) -> bool:
    return not mo.exists() or mo.stat().st_mtime < po.stat().st_mtime


def compile_catalogues(
    source: Path = TRANSLATIONS_DIR, target: Path | None = None, force: bool = False
) -> list[Path]:
    """Compile every stale ``.po`` under ``source`` into ``target`` (default: beside it).

    Returns the ``.mo`` files written. Writes are atomic (temp file + rename), so several
    workers starting at once never read a half-written catalogue.
    """
    target = source if target is None else target
    written: list[Path] = []
    for po in sorted(source.glob("*/LC_MESSAGES/*.po")):
        mo = target / po.relative_to(source).with_suffix(".mo")
        if not force and not _is_stale(po, mo):
            continue
        with po.open("rb") as fh:
            catalog = read_po(fh, locale=po.parts[-3])
        mo.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=mo.parent, prefix=".tmp-", suffix=".mo")
        try:
            with os.fdopen(fd, "wb") as fh:
                write_mo(fh, catalog, use_fuzzy=False)
            os.replace(tmp, mo)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        written.append(mo)
    return written


def ensure_compiled(fallback: Path) -> Path:
    """Make sure compiled catalogues exist; return the folder Flask-Babel should read.

    Compiles in the package when it is writable, else into ``fallback``.
    """
    try:
        compile_catalogues()
        return TRANSLATIONS_DIR
    except OSError:
        compile_catalogues(target=fallback)
        return fallback


def main(argv: list[str] | None = None) -> int:
    force = "--force" in (argv if argv is not None else sys.argv[1:])
    written = compile_catalogues(force=force)
    for mo in written:
        print(f"compiled {mo}")
    if not written:
        print("catalogues up to date")
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
