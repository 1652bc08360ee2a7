"""Recording files: npz/CSV round trips, validation messages, atomic writes, bytes form."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from smarttouch.sensors.recording_io import (
    RecordingError,
    load_recording,
    recording_from_bytes,
    recording_to_bytes,
    save_recording,
    validate_recording,
)
from smarttouch.sensors.types import Recording


def make_recording(n: int = 200, fs: float = 100.0, mag: bool = False, quat: bool = False) -> Recording:
    rng = np.random.default_rng(1)
    t = np.arange(n) / fs
    acc = np.column_stack([0.1 * np.sin(t), 0.1 * np.cos(t), np.ones(n)]) + rng.normal(0, 0.01, (n, 3))
    gyr = rng.normal(0, 5, (n, 3))
    return Recording(
        t=t,
        acc=acc,
        gyr=gyr,
        mag=rng.normal(30, 2, (n, 3)) if mag else None,
        quat=np.tile([1.0, 0, 0, 0], (n, 1)) if quat else None,
        sample_rate_hz=fs,
        device="Thingy:52 test",
        profile="thingy52-raw",
        placement="wrist-right",
        calibration={"neutral_quat": [1.0, 0.0, 0.0, 0.0], "max_rom_deg": 120.0},
        labels={"movement": "shoulder_flexion", "reps": [[0.5, 1.5], [2.0, 3.0]]},
    )


@pytest.mark.parametrize("mag", [False, True])
@pytest.mark.parametrize("quat", [False, True])
def test_npz_round_trip_keeps_arrays_and_metadata(tmp_path, mag, quat):
    rec = make_recording(mag=mag, quat=quat)
    path = save_recording(rec, tmp_path / "s.npz")
    back = load_recording(path)
    np.testing.assert_array_equal(back.t, rec.t)
    np.testing.assert_array_equal(back.acc, rec.acc)
    np.testing.assert_array_equal(back.gyr, rec.gyr)
    assert (back.mag is None) == (not mag)
    assert (back.quat is None) == (not quat)
    if mag:
        np.testing.assert_array_equal(back.mag, rec.mag)
    assert back.labels == rec.labels
    assert back.calibration == rec.calibration
    assert (back.device, back.profile, back.placement) == (rec.device, rec.profile, rec.placement)
    assert back.sample_rate_hz == rec.sample_rate_hz


def test_metadata_numpy_values_become_json(tmp_path):
    rec = make_recording()
    rec.calibration = {"neutral_quat": np.array([1.0, 0, 0, 0]), "gain": np.float32(2.0)}
    back = load_recording(save_recording(rec, tmp_path / "s.npz"))
    assert back.calibration == {"neutral_quat": [1.0, 0.0, 0.0, 0.0], "gain": 2.0}


def test_csv_round_trip(tmp_path):
    rec = make_recording(mag=True)
    path = save_recording(rec, tmp_path / "s.csv")
    assert path.read_text().splitlines()[0] == "t,ax,ay,az,gx,gy,gz,mx,my,mz"
    back = load_recording(path)
    np.testing.assert_allclose(back.acc, rec.acc, rtol=1e-8)
    np.testing.assert_allclose(back.mag, rec.mag, rtol=1e-8)
    assert back.sample_rate_hz == pytest.approx(100.0)
    assert back.profile == "csv"


def test_csv_without_time_needs_fs(tmp_path):
    path = tmp_path / "no_t.csv"
    path.write_text("ax,ay,az,gx,gy,gz\n0,0,1,0,0,0\n0,0,1,1,0,0\n0,0,1,2,0,0\n")
    with pytest.raises(RecordingError, match="missing column.*t"):
        load_recording(path)
    rec = load_recording(path, fs=50.0)
    np.testing.assert_allclose(rec.t, [0.0, 0.02, 0.04])
    assert rec.sample_rate_hz == 50.0
    np.testing.assert_array_equal(rec.gyr[:, 0], [0, 1, 2])


def test_csv_header_is_case_and_space_insensitive(tmp_path):
    path = tmp_path / "h.csv"
    path.write_text(" T , AX,ay,az,gx,gy,gz\n0,0,0,1,0,0,0\n0.01,0,0,1,0,0,0\n")
    assert len(load_recording(path)) == 2


@pytest.mark.parametrize(
    ("body", "pattern"),
    [
        ("t,ax,ay,az,gx,gy\n0,0,0,1,0,0\n", r"missing column\(s\) gz"),
        ("t,ax,ay,az,gx,gy,gz,mx\n0,0,0,1,0,0,0,1\n", r"missing column\(s\) my, mz"),
        ("t,ax,ay,az,gx,gy,gz\n0,0,0,1,0,0,0\n0.01,0,0,1,0,0\n", r"line 3 \(row 1\): 6 values"),
        ("t,ax,ay,az,gx,gy,gz\n0,0,0,1,0,0,0\n0.01,0,abc,1,0,0,0\n", r"line 3 \(row 1\), column ay: 'abc'"),
        (
            "t,ax,ay,az,gx,gy,gz\n0,0,0,1,0,0,0\n0.01,0,0,1,nan,0,0\n",
            r"line 3 \(row 1\), column gx: .*not finite",
        ),
        (
            "t,ax,ay,az,gx,gy,gz\n0,0,0,1,0,0,0\n0,0,0,1,0,0,0\n",
            r"line 3 \(row 1\), column t: .*strictly increasing",
        ),
        (
            "t,ax,ay,az,gx,gy,gz\n0,0,0,1,0,0,0\n\n0.01,0,0,40,0,0,0\n",
            r"line 4 \(row 1\), column ax/ay/az: .*32 g",
        ),
        (
            "t,ax,ay,az,gx,gy,gz\n0,0,0,1,0,0,0\n0.01,0,0,1,0,5000,0\n",
            r"row 1\), column gx/gy/gz: .*4000 deg/s",
        ),
        ("t,ax,ay,az,gx,gy,gz\n0,0,0,1,inf,0,0\n", r"line 2 \(row 0\), column gx"),
        ("", "empty file"),
        ("t,t,ax,ay,az,gx,gy,gz\n", "duplicate"),
    ],
)
def test_csv_errors_name_line_and_column(tmp_path, body, pattern):
    path = tmp_path / "bad.csv"
    path.write_text(body)
    with pytest.raises(RecordingError, match=pattern):
        load_recording(path)


def test_binary_garbage_csv_is_a_recording_error(tmp_path):
    path = tmp_path / "bin.csv"
    path.write_bytes(b"\xff\xfe\x00\x81garbage")
    with pytest.raises(RecordingError, match="UTF-8"):
        load_recording(path)


def test_validate_names_row_and_column():
    rec = make_recording()
    rec.acc[17, 2] = np.nan
    with pytest.raises(RecordingError, match=r"row 17, column az"):
        validate_recording(rec)
    rec = make_recording()
    rec.t[40] = rec.t[39]
    with pytest.raises(RecordingError, match=r"row 40, column t"):
        validate_recording(rec)
    rec = make_recording()
    rec.gyr[3] = [3000, 3000, 0]
    with pytest.raises(RecordingError, match=r"row 3, column gx/gy/gz"):
        validate_recording(rec)
    rec = make_recording(mag=True)
    rec.mag[5] = [1e4, 0, 0]
    with pytest.raises(RecordingError, match=r"row 5, column mx/my/mz"):
        validate_recording(rec)
    rec = make_recording()
    rec.sample_rate_hz = 0.0
    with pytest.raises(RecordingError, match="sample_rate_hz"):
        validate_recording(rec)


def test_invalid_recording_is_not_written_and_old_file_survives(tmp_path):
    path = tmp_path / "s.npz"
    good = make_recording()
    save_recording(good, path)
    bad = make_recording()
    bad.gyr[0, 0] = np.inf
    with pytest.raises(RecordingError):
        save_recording(bad, path)
    assert len(load_recording(path)) == len(good)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["s.npz"]


def test_unknown_suffix_and_missing_file(tmp_path):
    with pytest.raises(RecordingError, match="unknown recording format"):
        save_recording(make_recording(), tmp_path / "s.txt")
    with pytest.raises(RecordingError, match="no such recording"):
        load_recording(tmp_path / "absent.npz")
    with pytest.raises(RecordingError, match="fs must be"):
        load_recording(tmp_path / "absent.csv", fs=-1)


def test_truncated_and_corrupt_npz(tmp_path):
    path = save_recording(make_recording(), tmp_path / "s.npz")
    data = path.read_bytes()
    cut = tmp_path / "cut.npz"
    cut.write_bytes(data[: len(data) // 2])
    with pytest.raises(RecordingError, match="corrupt or truncated"):
        load_recording(cut)
    flipped = bytearray(data)
    flipped[len(flipped) // 3] ^= 0xFF
    bad = tmp_path / "flip.npz"
    bad.write_bytes(bytes(flipped))
    with pytest.raises(RecordingError):
        load_recording(bad)


def test_npz_missing_column(tmp_path):
    path = tmp_path / "m.npz"
    np.savez(path, t=np.arange(3.0), acc=np.zeros((3, 3)), meta=np.array("{}"))
    with pytest.raises(RecordingError, match=r"missing column\(s\) gyr"):
        load_recording(path)


def test_npz_wrong_shape(tmp_path):
    path = tmp_path / "w.npz"
    np.savez(path, t=np.arange(3.0), acc=np.zeros((3, 2)), gyr=np.zeros((3, 3)), meta=np.array("{}"))
    with pytest.raises(RecordingError, match="column acc has shape"):
        load_recording(path)


def test_bytes_round_trip_is_compact():
    rec = make_recording(n=6000, mag=True)
    data = recording_to_bytes(rec)
    assert len(data) < rec.t.nbytes + rec.acc.nbytes + rec.gyr.nbytes + rec.mag.nbytes
    back = recording_from_bytes(data)
    np.testing.assert_array_equal(back.gyr, rec.gyr)
    assert back.labels == rec.labels


def test_bytes_of_a_validated_recording_can_skip_the_value_checks():
    """``validate=False`` (a worker reading a blob the hub validated): the same recording, and
    the values are not checked; the zip, the headers and the CRC-32s still are."""
    import io

    rec = make_recording(n=300, mag=True)
    data = recording_to_bytes(rec)
    fast = recording_from_bytes(data, validate=False)
    for name in ("t", "acc", "gyr", "mag"):
        np.testing.assert_array_equal(getattr(fast, name), getattr(rec, name))
        assert getattr(fast, name).flags.writeable
    assert fast.labels == rec.labels
    buf = io.BytesIO()
    gyr = rec.gyr.copy()
    gyr[5, 1] = np.nan
    np.savez_compressed(buf, t=rec.t, acc=rec.acc, gyr=gyr, meta=np.array("{}"))
    with pytest.raises(RecordingError, match="row 5, column gy"):
        recording_from_bytes(buf.getvalue())
    assert np.isnan(recording_from_bytes(buf.getvalue(), validate=False).gyr[5, 1])
    damaged = bytearray(data)
    damaged[len(data) // 2] ^= 0xFF
    with pytest.raises(RecordingError):
        recording_from_bytes(bytes(damaged), validate=False)


@settings(max_examples=60, deadline=None)
@given(st.binary(max_size=600))
def test_bytes_fuzz_only_recording_error(data):
    try:
        recording_from_bytes(data)
    except RecordingError:
        pass


@settings(max_examples=40, deadline=None)
@given(st.integers(min_value=0, max_value=2000), st.integers(min_value=0, max_value=255))
def test_corrupted_bytes_only_recording_error(pos, value):
    data = bytearray(recording_to_bytes(make_recording(n=20)))
    data[pos % len(data)] = value
    try:
        recording_from_bytes(bytes(data))
    except RecordingError:
        pass


def test_saved_file_respects_umask(tmp_path):
    import os
    import stat

    old = os.umask(0o022)
    try:
        path = save_recording(make_recording(), tmp_path / "perm.npz")
    finally:
        os.umask(old)
    assert stat.S_IMODE(path.stat().st_mode) == 0o644


@settings(max_examples=150, deadline=None)
@given(
    st.lists(st.floats(-60.0, 60.0, allow_nan=False), min_size=30, max_size=30),
    st.sampled_from([("acc", 32.0), ("gyr", 4000.0)]),
    st.floats(0.01, 2.0),
)
def test_magnitude_check_refuses_the_rows_a_norm_would(values, column, scale):
    """The squared-norm check names the first row whose Euclidean norm is over the limit
    (rows within a relative 1e-9 of the limit, where rounding may differ, are left out)."""
    name, limit = column
    rec = make_recording(n=10)
    arr = np.array(values, dtype=np.float64).reshape(10, 3) * (limit / 32.0) * scale
    norms = np.linalg.norm(arr, axis=1)
    arr[np.abs(norms - limit) <= 1e-9 * limit] = 0.0
    setattr(rec, name, arr)
    over = np.flatnonzero(np.linalg.norm(arr, axis=1) > limit)
    if over.size == 0:
        validate_recording(rec)
        return
    with pytest.raises(RecordingError, match=rf"^row {over[0]}, column [a-z/]+: \|{name}\| = [\d.]+ "):
        validate_recording(rec)
