"""Issue 13, items 4 and 5: hostile session uploads to ``POST /api/v1/sessions``.

4. A ~200 KB npz whose ``t.npy`` holds 150 MiB of zeros made the hub allocate the whole array
   (RSS 360 -> 638 MB for one request): the declared shapes and dtypes are now checked from each
   member's header before any array is read. The memory a refusal costs is measured here with
   tracemalloc (numpy reports its array buffers to it); ``bench/bench_upload_safety.py``
   measures the process's peak RSS.
5. Complex-valued arrays were accepted and scored; the all-zero session UUID was accepted.
Each probe is a 400 with a message naming the problem, and stores nothing.
"""

from __future__ import annotations

import io
import json
import tracemalloc
import zipfile

import numpy as np
import pytest
from flask import Flask
from sqlmodel import Session, select

from smarttouch.platform.models import ExerciseSession
from smarttouch.platform.services.clinic import upload as upload_rules
from smarttouch.platform.storage.db import get_engine
from smarttouch.sensors.recording_io import RecordingError, recording_from_bytes
from tests.platform.apihelp import blob_files, pair_patient, session_meta, simulated, upload

MiB = 2**20


@pytest.fixture
def paired(app: Flask, factories):
    return pair_patient(app, factories)


def _npz(arrays: dict[str, np.ndarray], meta: dict | None = None, compressed: bool = True) -> bytes:
    buf = io.BytesIO()
    save = np.savez_compressed if compressed else np.savez
    save(buf, meta=np.array(json.dumps(meta if meta is not None else {"sample_rate_hz": 100.0})), **arrays)
    return buf.getvalue()


def _real(n: int = 200) -> dict[str, np.ndarray]:
    rec = simulated().recording
    return {"t": rec.t[:n], "acc": rec.acc[:n], "gyr": rec.gyr[:n]}


def _nothing_stored(app: Flask) -> bool:
    with Session(get_engine(app)) as s:
        return list(s.exec(select(ExerciseSession))) == [] and blob_files(app) == []


#: What a refused upload may allocate (multipart parsing, headers, the error): far below
#: every declared array in these probes (36-64 MiB and more).
REFUSAL_BUDGET = 10 * MiB


def _refused(client, app: Flask, paired, recording: bytes, words: str, **meta) -> None:
    tracemalloc.start()
    try:
        res = upload(client, paired, session_meta(paired, **meta), recording=recording)
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert res.status_code == 400, res.get_json()
    assert words in res.get_json()["error"]["message"], res.get_json()
    assert peak < REFUSAL_BUDGET, f"{peak / MiB:.1f} MiB allocated for a refused upload"
    assert _nothing_stored(app)


# ------------------------------------------------------------------ 4: declared sizes
def _inflating_t(mib: int = 150) -> bytes:
    """The probe: a valid-looking recording whose t.npy is ``mib`` MiB of zeros."""
    small = _real(2)
    return _npz({"t": np.zeros(mib * MiB // 8), "acc": small["acc"], "gyr": small["gyr"]})


@pytest.mark.parametrize(
    "mib, words",
    [
        (150, "150 MiB uncompressed is over the 111 MiB limit"),  # the probe, refused by the zip's sizes
        (100, "column t declares 13107200 samples; the limit is 1000000"),  # under that: by its header
    ],
)
def test_the_inflating_upload_is_refused_before_any_array_is_read(
    client, app: Flask, paired, mib: int, words: str
) -> None:
    body = _inflating_t(mib)
    assert len(body) < 300_000  # ~100-150 KiB on the wire
    _refused(client, app, paired, body, words)


@pytest.mark.parametrize(
    "arrays, words",
    [
        ({"acc": np.zeros((2, 4_000_000))}, "column acc has shape (2, 4000000)"),
        ({"gyr": np.zeros((1_500_000, 3))}, "column gyr declares 1500000 samples"),
        ({"quat": np.zeros((1_100_000, 4))}, "column quat declares 1100000 samples"),
        ({"acc": np.zeros((2, 3, 2_000_000))}, "column acc has shape (2, 3, 2000000)"),
        ({"gyr": np.zeros((5, 3))}, "column gyr: 5 rows but t has 2"),
    ],
    ids=["wide", "long-gyr", "long-quat", "3-d", "mismatched"],
)
def test_other_declared_shapes_are_refused(client, app: Flask, paired, arrays, words) -> None:
    _refused(client, app, paired, _npz({**_real(2), **arrays}), words)


def test_a_huge_metadata_string_is_refused(client, app: Flask, paired) -> None:
    meta = json.dumps({"sample_rate_hz": 100.0, "pad": "x" * 2_000_000})
    buf = io.BytesIO()
    np.savez_compressed(buf, meta=np.array(meta), **_real())
    _refused(client, app, paired, buf.getvalue(), "characters is over the limit of 1000000")


def test_a_zip_declaring_more_than_the_largest_recording_is_refused_unread(
    client, app: Flask, paired
) -> None:
    buf = io.BytesIO(_npz(_real()))
    with zipfile.ZipFile(buf, "a", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("padding.bin", b"\0" * (upload_rules.MAX_UNCOMPRESSED_BYTES + 1))
    body = buf.getvalue()
    assert len(body) < 1 * MiB
    _refused(client, app, paired, body, "uncompressed is over the")


def test_the_largest_legal_recording_is_within_the_limits() -> None:
    """The limit is what a legal recording can reach, not more: 1e6 float64 samples of every
    column plus the longest metadata."""
    columns = 1 + 3 + 3 + 3 + 4
    assert upload_rules.MAX_UNCOMPRESSED_BYTES == upload_rules.MAX_SAMPLES * columns * 8 + 4 * 1_000_000
    assert upload_rules.MAX_UNCOMPRESSED_BYTES < 112 * MiB


# ------------------------------------------------------------------ 5: dtypes and ids
@pytest.mark.parametrize(
    "column, dtype",
    [
        ("t", np.complex128),  # the probe: t as complex128 was stored and scored
        ("acc", np.complex64),
        ("gyr", np.complex128),
        ("acc", np.bool_),
        ("gyr", np.int16),
        ("t", np.float128 if hasattr(np, "float128") else np.longdouble),
        ("acc", "U8"),
    ],
)
def test_only_real_floats_pass(client, app: Flask, paired, column: str, dtype) -> None:
    arrays = _real()
    arrays[column] = arrays[column].astype(dtype)
    res = upload(client, paired, session_meta(paired), recording=_npz(arrays))
    assert res.status_code == 400
    message = res.get_json()["error"]["message"]
    assert f"column {column} holds" in message and "only real float16/32/64" in message
    if np.dtype(dtype).kind == "c":
        assert "complex numbers" in message
    assert _nothing_stored(app)


def test_a_structured_dtype_is_refused() -> None:
    arrays = _real()
    arrays["acc"] = np.zeros(len(arrays["t"]), dtype=[("x", "f8"), ("y", "f8"), ("z", "f8")])
    with pytest.raises(RecordingError, match="column acc holds dtype"):
        recording_from_bytes(_npz(arrays))


@pytest.mark.parametrize("extra", [b"\x00" * 8, b"\x00" * 5_000_000])
def test_a_member_longer_than_its_header_declares_is_refused(extra: bytes) -> None:
    """Each member is read whole only when the zip says it holds exactly what its header
    declares: trailing bytes (a few, or megabytes of them) are refused, not read."""
    arrays = _real()
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, value in {"meta": np.array(json.dumps({"sample_rate_hz": 100.0})), **arrays}.items():
            member = io.BytesIO()
            np.lib.format.write_array(member, np.asarray(value), allow_pickle=False)
            archive.writestr(f"{name}.npy", member.getvalue() + (extra if name == "acc" else b""))
    with pytest.raises(RecordingError, match="member acc.npy is not the size its header declares"):
        recording_from_bytes(buf.getvalue())


def test_fortran_ordered_arrays_read_as_written() -> None:
    arrays = {k: np.asfortranarray(v) for k, v in _real().items()}
    rec = recording_from_bytes(_npz(arrays))
    assert np.array_equal(rec.acc, arrays["acc"]) and np.array_equal(rec.gyr, arrays["gyr"])


@pytest.mark.parametrize("dtype", [np.float32, np.float16, ">f8"])
def test_other_real_floats_and_integer_time_still_pass(dtype) -> None:
    arrays = {k: v.astype(dtype) for k, v in _real().items()}
    arrays["t"] = np.arange(len(arrays["t"]), dtype=np.int64)
    rec = recording_from_bytes(_npz(arrays, {"sample_rate_hz": 1.0}))
    assert rec.acc.dtype == np.float64 and len(rec) == len(arrays["t"])


@pytest.mark.parametrize(
    "session_id", ["00000000-0000-0000-0000-000000000000", "00000000000000000000000000000000"]
)
def test_the_all_zero_session_uuid_is_refused(client, app: Flask, paired, session_id: str) -> None:
    res = upload(client, paired, session_meta(paired, session_id=session_id))
    assert res.status_code == 400
    assert "nil" in res.get_json()["error"]["message"]
    assert _nothing_stored(app)


def test_a_normal_upload_still_works(client, app: Flask, paired) -> None:
    res = upload(client, paired, session_meta(paired))
    assert res.status_code == 201, res.get_json()
