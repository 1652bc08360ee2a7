"""member_payload then inflate_member (as recording_io reads a member): the same bytes as zipfile's
read, and the same refusals of damaged members."""

from __future__ import annotations

import io
import struct
import zipfile
import zlib

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from smarttouch.sensors.recording_io import RecordingError, recording_from_bytes, recording_to_bytes
from smarttouch.sensors.zip_members import (
    MemberStart,
    UnsupportedMember,
    inflatable,
    inflate_member,
    member_payload,
)

PAYLOAD = np.random.default_rng(3).normal(size=5000).tobytes() + b"\x00" * 4000  # noise and a run


def _zip(payload: bytes = PAYLOAD, compression: int = zipfile.ZIP_DEFLATED, name: str = "acc.npy") -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=compression) as archive:
        archive.writestr("meta.npy", b"{}")
        archive.writestr(name, payload)
    return buf.getvalue()


def _read(data: bytes, name: str = "acc.npy") -> bytes | bytearray:
    fh = io.BytesIO(data)
    with zipfile.ZipFile(fh) as archive:
        info = archive.getinfo(name)
        return inflate_member(info, member_payload(fh, info)) if inflatable(info) else archive.read(info)


def _central(data: bytes, name: str = "acc.npy") -> int:
    at = 0
    while True:
        at = data.index(b"PK\x01\x02", at)
        length = struct.unpack_from("<H", data, at + 28)[0]
        if data[at + 46 : at + 46 + length] == name.encode():
            return at
        at += 4


def _patched(data: bytes, offset: int, fmt: str, value: int) -> bytes:
    out = bytearray(data)
    struct.pack_into(fmt, out, offset, value)
    return bytes(out)


@pytest.mark.parametrize("compression", [zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2])
def test_same_bytes_as_zipfile(compression):
    data = _zip(compression=compression)
    assert bytes(_read(data)) == PAYLOAD == zipfile.ZipFile(io.BytesIO(data)).read("acc.npy")
    assert _read(data, "meta.npy") == b"{}"


def test_empty_member():
    assert _read(_zip(b"")) == b""


def test_wrong_crc_refused():
    data = _zip()
    bad = _patched(
        data, _central(data) + 16, "<L", zipfile.ZipFile(io.BytesIO(data)).getinfo("acc.npy").CRC ^ 1
    )
    with pytest.raises(zipfile.BadZipFile, match="CRC"):
        _read(bad)
    with pytest.raises(zipfile.BadZipFile):
        zipfile.ZipFile(io.BytesIO(bad)).read("acc.npy")


@pytest.mark.parametrize("delta", [-1, +1, -4000])
def test_declared_size_other_than_the_data_refused(delta):
    """Fewer declared bytes than the stream holds: libdeflate stops at the declared size
    (nothing larger is allocated) and refuses; more: the length check refuses."""
    data = _zip()
    bad = _patched(data, _central(data) + 24, "<L", len(PAYLOAD) + delta)
    with pytest.raises(zipfile.BadZipFile):
        _read(bad)


def test_name_differing_from_the_directory_refused():
    data = _zip()
    local = data.index(b"acc.npy")  # the local header's name comes first
    bad = data[:local] + b"xyz.npy" + data[local + 7 :]
    with pytest.raises(zipfile.BadZipFile, match="differ"):
        _read(bad)


def test_bad_local_signature_refused():
    data = _zip()
    offset = zipfile.ZipFile(io.BytesIO(data)).getinfo("acc.npy").header_offset
    with pytest.raises(zipfile.BadZipFile, match="magic"):
        _read(data[:offset] + b"XX" + data[offset + 2 :])


@pytest.mark.parametrize(("bit", "what"), [(0x1, "encrypted"), (0x20, "patched"), (0x40, "strong")])
def test_encrypted_or_patched_refused(bit, what):
    data = _zip()
    flags = struct.unpack_from("<H", data, _central(data) + 8)[0]
    with pytest.raises(UnsupportedMember, match=what):
        _read(_patched(data, _central(data) + 8, "<H", flags | bit))


def test_an_encrypted_member_makes_the_recording_refused_with_a_reason():
    from smarttouch.sensors.simulator import simulate

    data = recording_to_bytes(simulate("shoulder_flexion", reps=2, fs=50, seed=1).recording)
    at = _central(data, "acc.npy")
    flags = struct.unpack_from("<H", data, at + 8)[0]
    with pytest.raises(RecordingError, match=r"acc\.npy.* is encrypted"):
        recording_from_bytes(_patched(data, at + 8, "<H", flags | 0x1))


def test_truncated_data_refused():
    data = _zip()
    info = zipfile.ZipFile(io.BytesIO(data)).getinfo("acc.npy")
    bad = _patched(data, _central(data) + 20, "<L", info.compress_size + 10**6)
    with pytest.raises(zipfile.BadZipFile, match="truncated"):
        _read(bad)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 10**6), st.integers(0, 255)), min_size=1, max_size=4))
def test_damage_is_refused_or_read_as_zipfile_reads_it(flips):
    """Random damage: refused (as zipfile would refuse it) or the very bytes zipfile reads."""
    good = _zip()
    data = bytearray(good)
    for pos, value in flips:
        data[pos % len(data)] = value
    try:
        archive = zipfile.ZipFile(io.BytesIO(bytes(data)))
        info = archive.getinfo("acc.npy")
    except (zipfile.BadZipFile, KeyError, ValueError, OSError, EOFError, UnicodeDecodeError):
        return  # the directory itself is broken: neither reader gets that far
    try:
        ours = bytes(_read(bytes(data)))
    except (zipfile.BadZipFile, ValueError, OSError, EOFError):
        ours = None
    try:
        theirs = archive.read(info)
    except Exception:
        theirs = None
    if ours is not None:
        assert ours == theirs
    if theirs is not None and info.file_size == len(theirs) and theirs == PAYLOAD:
        assert ours == PAYLOAD


def _deflated_info(size: int) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo("acc.npy")
    info.compress_type, info.file_size = zipfile.ZIP_DEFLATED, size
    return info


def _raw_deflate(data: bytes) -> bytes:
    deflater = zlib.compressobj(6, zlib.DEFLATED, -zlib.MAX_WBITS)
    return deflater.compress(data) + deflater.flush()


@pytest.mark.timeout(20)  # the old loop never returned: past the stream's end it inflated nothing
@pytest.mark.parametrize("junk", [b"", b"x", b"junk after the end" * 40])
def test_a_deflate_stream_ending_before_the_member_ends_is_read_to_its_end(junk):
    """Damage can end a member's deflate stream early, with bytes after it: the start of the
    member reads as far as the stream goes (the full read then refuses the member)."""
    data = bytes(range(256)) * 3
    start = MemberStart(_deflated_info(len(data) + 100), _raw_deflate(data) + junk)
    assert start.read(10) == data[:10]
    assert start.read(len(data)) == data[10:]  # asked for more than the stream holds
    assert start.read(5) == b"" and start.tell() == len(data)
    again = MemberStart(_deflated_info(len(data) + 100), _raw_deflate(data) + junk)
    assert again.read() == data


@pytest.mark.timeout(20)
def test_a_recording_whose_member_stream_ends_early_is_refused():
    """The hub's upload check (``recording_from_bytes``) on a recording whose first member's
    deflate stream was cut short, the rest of its payload junk: refused, never a busy loop."""
    from smarttouch.sensors.simulator import simulate

    good = recording_to_bytes(simulate("shoulder_flexion", reps=2, fs=50, seed=1).recording)
    fh = io.BytesIO(good)
    archive = zipfile.ZipFile(fh)
    info = next(i for i in archive.infolist() if i.compress_type == zipfile.ZIP_DEFLATED)
    payload = member_payload(fh, info)
    name_length, extra_length = struct.unpack_from("<HH", good, info.header_offset + 26)  # local header
    start = info.header_offset + 30 + name_length + extra_length
    assert good[start : start + len(payload)] == payload
    # a complete stream of the header's first 12 bytes, then junk to the payload's length
    early = _raw_deflate(inflate_member(info, payload)[:12])
    damaged = good[:start] + (early + b"\x00" * len(payload))[: len(payload)] + good[start + len(payload) :]
    with pytest.raises(RecordingError):
        recording_from_bytes(damaged)
    with pytest.raises(RecordingError):
        recording_from_bytes(damaged, validate=False)
