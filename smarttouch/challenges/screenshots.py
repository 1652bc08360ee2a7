"""Screenshots out of the sandbox: pixels only, checked, and written as PNG by trusted code.

The runner sends each screenshot as ``{"width", "height", "pixels"}``: the raw 8-bit RGB rows,
zlib-compressed and base64-encoded. Here, outside the sandbox, the dimensions are checked, the
pixels are inflated with a hard cap (no decompression bomb) and must be exactly
``width * height * 3`` bytes, and a new PNG is written from them. No file from the sandbox is
ever kept or parsed as an image, so nothing but pixels can leave it this way (an "image" made of
a PNG header followed by a zip of the inputs no longer goes anywhere).

PNG layout: the PNG specification (W3C, 2nd edition, 2003), sections 5 and 11.2: signature,
IHDR (bit depth 8, colour type 2 = truecolour, deflate, filter method 0, no interlace), one IDAT
of zlib data whose every row starts with filter type 0, IEND; each chunk with its CRC-32.
"""

from __future__ import annotations

import base64
import binascii
import struct
import zlib

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
MAX_WIDTH = 1920
MAX_HEIGHT = 1080
MAX_PNG_BYTES = 8 * 1024 * 1024


class BadScreenshot(ValueError):
    """The runner's screenshot entry is not a checked RGB image."""


def screenshot_png(entry: object) -> bytes:
    """The PNG file for one screenshot entry of the runner's document; raises BadScreenshot."""
    if not isinstance(entry, dict):
        raise BadScreenshot("expected {width, height, pixels}")
    width, height, encoded = entry.get("width"), entry.get("height"), entry.get("pixels")
    if not (
        isinstance(width, int)
        and isinstance(height, int)
        and 0 < width <= MAX_WIDTH
        and 0 < height <= MAX_HEIGHT
    ):
        raise BadScreenshot(f"dimensions must be 1..{MAX_WIDTH} x 1..{MAX_HEIGHT} pixels")
    if not isinstance(encoded, str):
        raise BadScreenshot("pixels must be base64 text")
    try:
        packed = base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError):
        raise BadScreenshot("pixels are not base64") from None
    size = width * height * 3
    inflater = zlib.decompressobj()
    try:
        rgb = inflater.decompress(packed, size + 1)
    except zlib.error:
        raise BadScreenshot("pixels are not zlib data") from None
    if len(rgb) != size or not inflater.eof or inflater.unconsumed_tail or inflater.unused_data:
        raise BadScreenshot(f"pixels must be exactly {width} x {height} RGB triplets")
    png = encode_png(width, height, rgb)
    if len(png) > MAX_PNG_BYTES:
        raise BadScreenshot(f"the image is larger than {MAX_PNG_BYTES} bytes as PNG")
    return png


def encode_png(width: int, height: int, rgb: bytes) -> bytes:
    """A truecolour 8-bit PNG of ``height`` rows of ``width`` RGB pixels (``rgb`` row-major)."""
    stride = width * 3
    if len(rgb) != stride * height:
        raise ValueError("rgb must hold width * height * 3 bytes")
    raw = b"".join(b"\x00" + rgb[y * stride : (y + 1) * stride] for y in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        PNG_SIGNATURE
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", zlib.compress(raw, 6))
        + _chunk(b"IEND", b"")
    )


def _chunk(kind: bytes, data: bytes) -> bytes:
    return (
        struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    )
