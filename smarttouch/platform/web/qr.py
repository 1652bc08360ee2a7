"""QR codes made on the hub itself with segno (no outside service sees the link)."""

from __future__ import annotations

from pathlib import Path

import segno


def qr_svg_data_uri(text: str, *, scale: int = 6) -> str:
    """An SVG QR code of ``text`` as a ``data:`` URI for an ``<img>`` (error correction M)."""
    return str(segno.make(text, error="m").svg_data_uri(scale=scale, border=2))


def save_qr_png(text: str, path: str | Path, *, scale: int = 8) -> Path:
    """Write a PNG QR code of ``text`` to ``path``."""
    target = Path(path)
    segno.make(text, error="m").save(str(target), kind="png", scale=scale, border=4)
    return target
