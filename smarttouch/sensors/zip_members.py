"""One zip member read whole in one call, inflated by libdeflate (the ``deflate`` package).

A recording's float columns barely compress (noise-like bits), so inflating them is mostly
Huffman decoding of literals, where libdeflate's decoder is about twice as fast as zlib's
(measured on a 2-minute 100 Hz recording, 680 KiB in four members: zipfile 3.8 ms, this 1.7
ms) and its CRC-32 fifteen times as fast. The hub inflates every uploaded recording and the
worker every one it scores, so this is the largest single share of an upload's CPU.

:func:`member_payload` (the stored bytes) and :func:`inflate_member` together make the checks
``zipfile.ZipFile.read`` makes: the local header's signature and file name against the central
directory, no encryption or patched data, the size the directory declares, the CRC-32. Members
that are neither stored nor deflated (bzip2, LZMA; :func:`inflatable` says which) are left to
zipfile. What it allocates is bounded by the size the directory declares (libdeflate refuses a
stream that inflates to more), which the caller checks first.

They are separate for a caller that reads a member's start before inflating it whole (an
``.npy`` header, checked first, from the same stored bytes): :class:`MemberStart` (its first
bytes, inflated a few hundred at a time: zipfile's ``open`` cost ~45 us a member).
"""

from __future__ import annotations

import struct
import zipfile
import zlib
from typing import IO

import deflate

_LOCAL_HEADER = struct.Struct("<4s2B4HL2L2H")
_LOCAL_SIGNATURE = b"PK\x03\x04"
_ENCRYPTED = 0x1
_PATCHED = 0x20
_STRONG_ENCRYPTION = 0x40
_UTF8_NAME = 0x800


class UnsupportedMember(zipfile.BadZipFile):
    """A member a SmartTouch recording never has: encrypted, or stored as patched data. It is
    refused like a damaged one (zipfile's own reader stops at these with an error that is not
    a ``BadZipFile``, so a caller catching damaged archives would miss them)."""


def member_payload(fh: IO[bytes], info: zipfile.ZipInfo) -> bytes:
    """The stored (compressed) bytes of member ``info`` of a zip opened on the seekable file
    ``fh`` (no other thread reading it meanwhile), after the checks of its local header.

    Raises:
        zipfile.BadZipFile: a damaged local header, a name differing from the directory's, or
            truncated data.
        UnsupportedMember: an encrypted or patched member (a ``BadZipFile``).
    """
    if info.flag_bits & _PATCHED:
        raise UnsupportedMember(f"member {info.filename} is compressed patched data (flag bit 5)")
    if info.flag_bits & _STRONG_ENCRYPTION:
        raise UnsupportedMember(f"member {info.filename} uses strong encryption (flag bit 6)")
    if info.flag_bits & _ENCRYPTED:
        raise UnsupportedMember(f"member {info.filename} is encrypted")
    fh.seek(info.header_offset)
    header = fh.read(_LOCAL_HEADER.size)
    if len(header) != _LOCAL_HEADER.size:
        raise zipfile.BadZipFile("truncated file header")
    fields = _LOCAL_HEADER.unpack(header)
    if fields[0] != _LOCAL_SIGNATURE:
        raise zipfile.BadZipFile("bad magic number for file header")
    name_length, extra_length = fields[10], fields[11]
    raw_name = fh.read(name_length)
    name = raw_name.decode("utf-8" if info.flag_bits & _UTF8_NAME else "cp437", "replace")
    if name != info.orig_filename:
        raise zipfile.BadZipFile(f"file name in directory {info.orig_filename!r} and header {name!r} differ")
    fh.seek(extra_length, 1)
    compressed = fh.read(info.compress_size)
    if len(compressed) != info.compress_size:
        raise zipfile.BadZipFile(f"member {info.filename}: truncated data")
    return compressed


def inflate_member(info: zipfile.ZipInfo, payload: bytes) -> bytes | bytearray:
    """The whole uncompressed bytes of stored or deflated member ``info`` from its
    :func:`member_payload`, checked against the size and CRC-32 the directory declares.

    Raises:
        zipfile.BadZipFile: data that do not inflate to the declared size, or a wrong CRC-32.
    """
    if info.compress_type == zipfile.ZIP_STORED:
        data: bytes | bytearray = payload
    else:
        try:
            # at most file_size bytes: libdeflate refuses a stream that inflates to more
            data = deflate.deflate_decompress(payload, info.file_size) if info.file_size else b""
        except deflate.DeflateError as exc:
            raise zipfile.BadZipFile(f"member {info.filename}: damaged deflate data ({exc})") from None
    if len(data) != info.file_size:
        raise zipfile.BadZipFile(
            f"member {info.filename}: {len(data)} bytes, the directory says {info.file_size}"
        )
    if deflate.crc32(data) != info.CRC:
        raise zipfile.BadZipFile(f"Bad CRC-32 for file {info.filename!r}")
    return data


def inflatable(info: zipfile.ZipInfo) -> bool:
    """Whether :func:`member_payload` and :func:`inflate_member` read this member (stored or
    deflated); others (bzip2, LZMA) are left to ``zipfile``."""
    return info.compress_type in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED)


class MemberStart:
    """The first bytes of a member read like a file (``read``, ``tell``), inflated a little at
    a time from its payload: reading an ``.npy`` header costs a few hundred bytes of
    inflation, not the member's."""

    _CHUNK = 512  # payload bytes given to the inflater at a time

    def __init__(self, info: zipfile.ZipInfo, payload: bytes) -> None:
        self._payload = memoryview(payload)
        self._stored = info.compress_type == zipfile.ZIP_STORED
        self._inflater = zlib.decompressobj(-zlib.MAX_WBITS)
        self._fed = 0  # payload bytes given to the inflater
        self._pending: bytes | memoryview = b""  # given, not yet inflated (the unconsumed tail)
        self._pos = 0

    def read(self, size: int = -1, /) -> bytes:
        """The next ``size`` bytes (fewer at the member's end; all the rest when negative)."""
        size = size if size >= 0 else len(self._payload) * 1032  # deflate inflates 1032x at most
        if self._stored:
            out = bytes(self._payload[self._pos : self._pos + size])
        else:
            parts = []
            wanted = size
            # a damaged payload can end its deflate stream before the member's end: past the
            # end, the inflater hands back what it is given as unconsumed and inflates nothing,
            # so the loop stops at the stream's end and whenever a call makes no progress
            while wanted > 0 and not self._inflater.eof:
                if not self._pending:
                    if self._fed >= len(self._payload):
                        break
                    self._pending = self._payload[self._fed : self._fed + self._CHUNK]
                    self._fed += len(self._pending)
                given = len(self._pending)
                part = self._inflater.decompress(self._pending, wanted)
                self._pending = self._inflater.unconsumed_tail
                if not part and len(self._pending) >= given:
                    break
                parts.append(part)
                wanted -= len(part)
            out = b"".join(parts)
        self._pos += len(out)
        return out

    def tell(self) -> int:
        return self._pos
