"""Session phases: the Phase type, its checks against a recording, and phases in .npz and CSV."""

from __future__ import annotations

import io
import json

import numpy as np
import pytest

from smarttouch.sensors.recording_io import (
    RecordingError,
    load_recording,
    recording_from_bytes,
    recording_to_bytes,
    save_recording,
)
from smarttouch.sensors.types import PHASE_KINDS, ImuBatch, Phase, Recording, check_phases, play_spans
from tests.sensors.test_recording_io import make_recording

END = 1.99  # make_recording(): 200 samples at 100 Hz


def session_phases() -> tuple[Phase, ...]:
    return (
        Phase("calibration", 0.0, 0.4),
        Phase("instructions", 0.4, 0.6),
        Phase("play", 0.6, 1.0, 0),
        Phase("rest", 1.0, 1.2, 1),
        Phase("play", 1.25, 1.5, 1),
        Phase("stop", 1.5, 1.7),
        Phase("play", 1.7, 1.9, 1),
        Phase("summary", END, END),
    )


def with_phases(phases) -> Recording:
    rec = make_recording()
    rec.phases = tuple(phases)
    return rec


# ------------------------------------------------------------------ the type
def test_phase_dict_round_trip_and_kinds():
    assert PHASE_KINDS == ("feelings", "calibration", "instructions", "play", "rest", "stop", "summary")
    for p in session_phases():
        assert Phase.from_dict(json.loads(json.dumps(p.to_dict()))) == p
    assert Phase("play", 1, 3, 0).duration_s == 2.0
    assert play_spans(session_phases()) == [(0.6, 1.0), (1.25, 1.5), (1.7, 1.9)]


@pytest.mark.parametrize(
    "args, pattern",
    [
        (("warmup", 0.0, 1.0), "unknown phase kind 'warmup'"),
        (("rest", 2.0, 1.0), "rest phase ends at 1 s, before it starts at 2 s"),
        (("rest", float("nan"), 1.0), "t_start nan is not finite"),
        (("rest", 0.0, float("inf")), "t_end inf is not finite"),
        (("rest", "0", 1.0), "t_start must be a number of seconds"),
        (("play", 0.0, 1.0), "play phase: set_index is required"),
        (("play", 0.0, 1.0, -1), "set_index -1 is negative"),
        (("play", 0.0, 1.0, 1.5), "set_index must be an integer"),
    ],
)
def test_phase_rejects_bad_values(args, pattern):
    with pytest.raises(ValueError, match=pattern):
        Phase(*args)


def test_phase_from_dict_names_missing_and_unknown_fields():
    with pytest.raises(ValueError, match="missing t_end"):
        Phase.from_dict({"kind": "play", "t_start": 0.0, "set_index": 0})
    with pytest.raises(ValueError, match="unknown field"):
        Phase.from_dict({"kind": "rest", "t_start": 0.0, "t_end": 1.0, "colour": "red"})
    with pytest.raises(ValueError, match="must be an object"):
        Phase.from_dict(["play", 0, 1])  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "phases, pattern",
    [
        ([Phase("calibration", -0.5, 0.4)], r"phase 0 \(calibration, -0.5-0.4 s\) is outside"),
        (
            [Phase("play", 0.5, 2.5, 0)],
            r"phase 0 \(play, 0.5-2.5 s\) is outside the recording's time range 0-1.99 s",
        ),
        ([Phase("play", 0.5, 1.0, 0), Phase("rest", 0.9, 1.2)], "phase 1 .* overlaps phase 0"),
        ([Phase("rest", 1.0, 1.2), Phase("play", 0.2, 0.5, 0)], "phase 1 .* comes before phase 0"),
    ],
)
def test_check_phases_range_order_overlap(phases, pattern):
    with pytest.raises(ValueError, match=pattern):
        check_phases(phases, 0.0, END)
    with pytest.raises(RecordingError, match="^phases: " + pattern):
        recording_to_bytes(with_phases(phases))


def test_touching_and_empty_phases_are_fine():
    touching = [Phase("play", 0.0, 1.0, 0), Phase("rest", 1.0, 1.0), Phase("summary", 1.0, 1.0)]
    assert check_phases(touching, 0.0, 1.0) == tuple(touching)


def test_complex_values_are_refused_not_truncated():
    with pytest.raises(ValueError, match="complex values"):
        ImuBatch(np.arange(3.0), np.zeros((3, 3)) + 1j, np.zeros((3, 3)))
    with pytest.raises(ValueError, match="complex values"):
        Recording(np.arange(3.0), np.zeros((3, 3)), np.zeros((3, 3), dtype=complex))


# ------------------------------------------------------------------ files
@pytest.mark.parametrize("suffix", [".npz", ".csv"])
def test_phases_round_trip_through_files(tmp_path, suffix):
    rec = with_phases(session_phases())
    back = load_recording(save_recording(rec, tmp_path / f"s{suffix}"))
    assert back.phases == rec.phases
    assert recording_from_bytes(recording_to_bytes(rec)).phases == rec.phases


def test_csv_phase_lines_are_comments_above_the_header(tmp_path):
    path = save_recording(with_phases(session_phases()[:3]), tmp_path / "s.csv")
    lines = path.read_text().splitlines()
    assert lines[:4] == [
        "# phase,calibration,0,0.4,",
        "# phase,instructions,0.4,0.6,",
        "# phase,play,0.6,1,0",
        "t,ax,ay,az,gx,gy,gz",
    ]
    table = np.loadtxt(path, delimiter=",", skiprows=4)  # the data stay a plain numeric table
    assert table.shape == (200, 7)


def test_csv_phase_times_survive_long_recordings(tmp_path):
    """Times are written like the t column, so a phase ending at the last sample still fits."""
    n = 50
    t = 12345.678901234 + np.arange(n) / 100.0
    rec = Recording(t, np.tile([0.0, 0.0, 1.0], (n, 1)), np.zeros((n, 3)), sample_rate_hz=100.0)
    rec.phases = (Phase("play", float(t[3]), float(t[-1]), 0),)
    assert load_recording(save_recording(rec, tmp_path / "long.csv")).phases[0].set_index == 0


def test_files_without_phases_still_load(tmp_path):
    rec = make_recording()
    old = tmp_path / "old.npz"  # written the way recordings were before phases existed
    meta = {"format_version": 1, "sample_rate_hz": 100.0, "labels": {"movement": "shoulder_flexion"}}
    np.savez_compressed(old, t=rec.t, acc=rec.acc, gyr=rec.gyr, meta=np.array(json.dumps(meta)))
    assert load_recording(old).phases == ()
    plain = tmp_path / "plain.csv"
    plain.write_text("t,ax,ay,az,gx,gy,gz\n0,0,0,1,0,0,0\n0.01,0,0,1,0,0,0\n")
    assert load_recording(plain).phases == ()
    assert recording_from_bytes(recording_to_bytes(rec)).phases == ()


def _npz_bytes(rec: Recording, phases_member) -> bytes:
    buf = io.BytesIO()
    np.savez_compressed(
        buf, t=rec.t, acc=rec.acc, gyr=rec.gyr, meta=np.array('{"sample_rate_hz": 100}'), phases=phases_member
    )
    return buf.getvalue()


@pytest.mark.parametrize(
    "member, pattern",
    [
        (np.array("not json"), "phases are not valid JSON"),
        (np.array('{"kind": "play"}'), "phases must be a JSON list"),
        (np.array('[{"kind": "warmup", "t_start": 0, "t_end": 1}]'), "phase 0: unknown phase kind 'warmup'"),
        (np.array('[{"kind": "rest", "t_start": 0, "t_end": NaN}]'), "phase 0: rest phase: t_end nan"),
        (np.array([1.0, 2.0]), "phases must be one text string"),
        (
            np.array(
                '[{"kind": "rest", "t_start": 0.5, "t_end": 1}, {"kind": "stop", "t_start": 0.2, "t_end": 0.3}]'
            ),
            "phase 1 .* comes before phase 0",
        ),
    ],
)
def test_bad_phases_in_npz_are_recording_errors(member, pattern):
    with pytest.raises(RecordingError, match=pattern):
        recording_from_bytes(_npz_bytes(make_recording(), member))


@pytest.mark.parametrize(
    "line, pattern",
    [
        ("# phase,warmup,0,1,", r"line 1: phase: unknown phase kind 'warmup'"),
        ("# phase,play,0,1", r"line 1: phase: play phase: set_index is required"),
        ("# phase,play,0,x,0", r"line 1: phase: could not convert string to float: 'x'"),
        ("# phase,play,0", r"line 1: a phase line is '# phase,KIND,T_START,T_END,SET_INDEX', got 2"),
        ("# phase,rest,0,5,", r"phases: phase 0 \(rest, 0-5 s\) is outside"),
    ],
)
def test_bad_phase_lines_in_csv_name_the_line(tmp_path, line, pattern):
    path = tmp_path / "bad.csv"
    path.write_text(f"{line}\n# any other comment\nt,ax,ay,az,gx,gy,gz\n0,0,0,1,0,0,0\n0.01,0,0,1,0,0,0\n")
    with pytest.raises(RecordingError, match=pattern):
        load_recording(path)


def test_complex_valued_npz_is_a_clear_error():
    rec = make_recording(n=20)
    buf = io.BytesIO()
    np.savez_compressed(
        buf, t=rec.t, acc=rec.acc.astype(complex), gyr=rec.gyr, meta=np.array('{"sample_rate_hz": 100}')
    )
    with pytest.raises(RecordingError, match="column acc holds complex numbers"):
        recording_from_bytes(buf.getvalue())


def test_nan_in_npz_names_row_and_column():
    rec = make_recording(n=20)
    gyr = rec.gyr.copy()
    gyr[7, 2] = np.nan
    buf = io.BytesIO()
    np.savez_compressed(buf, t=rec.t, acc=rec.acc, gyr=gyr, meta=np.array('{"sample_rate_hz": 100}'))
    with pytest.raises(RecordingError, match="row 7, column gz: value nan is not finite"):
        recording_from_bytes(buf.getvalue())
