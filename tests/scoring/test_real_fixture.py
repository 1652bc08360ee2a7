"""The offline counter on three real physiotherapy recordings shipped as a fixture
(tests/data/pt_exercises_sample.npz: Yurtman & Barshan 2022, UCI id 730,
doi:10.24432/C5JK60, CC BY 4.0; see the README beside it)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from smarttouch.scoring import analyze
from smarttouch.sensors.types import Recording

FIXTURE = Path(__file__).resolve().parents[1] / "data" / "pt_exercises_sample.npz"


Sample = tuple[Recording, int, np.ndarray]  # recording, true reps, block cuts


def _recordings() -> list[Sample]:
    with np.load(FIXTURE, allow_pickle=False) as d:
        out = []
        for i in range(len(d["reps"])):
            x = d["data"][d["offsets"][i] : d["offsets"][i + 1]].astype(float)
            fs = float(d["fs"][i])
            rec = Recording(np.arange(len(x)) / fs, x[:, :3], x[:, 3:], sample_rate_hz=fs)
            out.append((rec, int(d["reps"][i]), d["block_cuts"][i]))
    return out


@pytest.fixture(scope="module")
def recordings() -> list[Sample]:
    return _recordings()


def test_whole_recordings_are_counted_exactly(recordings: list[Sample]) -> None:
    for rec, truth, _ in recordings:
        m = analyze(rec)
        assert m.reps == truth, (truth, m.reps)
        assert not m.count_uncertain, m.uncertain_reason
        assert min(r["confidence"] for r in m.rep_table) > 0.5


def test_single_style_sets_and_a_start_mid_movement(recordings: list[Sample]) -> None:
    rec, _, cuts = recordings[0]
    bounds = [0, int(cuts[0]), int(cuts[1]), len(rec.t)]
    for a, b in zip(bounds[:-1], bounds[1:]):
        part = Recording(rec.t[a:b] - rec.t[a], rec.acc[a:b], rec.gyr[a:b], sample_rate_hz=rec.sample_rate_hz)
        assert analyze(part).reps == 10
    for rec, truth, _ in recordings:
        k = int(4.0 * rec.sample_rate_hz)  # the first 4 s cut: each starts inside its first rep
        cut = Recording(rec.t[k:] - rec.t[k], rec.acc[k:], rec.gyr[k:], sample_rate_hz=rec.sample_rate_hz)
        m = analyze(cut)
        assert m.reps == truth and m.rep_table[0]["truncated"]


def test_play_spans_split_the_session_into_its_sets(recordings: list[Sample]) -> None:
    rec, _, cuts = recordings[0]
    t = rec.t
    spans = [(t[0], t[int(cuts[0])]), (t[int(cuts[0])], t[int(cuts[1])]), (t[int(cuts[1])], t[-1])]
    m = analyze(rec, play_spans=spans)
    assert [s["reps"] for s in m.sets] == [10, 10, 10]
    low = m.sets[2]["rom_deg_mean"]
    assert low < 0.8 * m.sets[0]["rom_deg_mean"]  # the third set is the low-amplitude one
