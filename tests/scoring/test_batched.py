"""The batched computations equal their one-at-a-time references: SPARC and LDLJ over many
segments (FFT or chirp-z), the Welch PSD (scipy), the zero-phase low-pass (scipy)."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import signal

from smarttouch.scoring.offline_angle import block_means, lowpass
from smarttouch.scoring.smoothness import ldlj, ldlj_segments, sparc, sparc_segments
from smarttouch.scoring.tremor import welch_psd


@pytest.mark.parametrize("fs", [12.5, 25.0, 50.0, 100.0, 200.0])
@pytest.mark.parametrize("offset", [0.0, -3.0])
def test_sparc_and_ldlj_segments_equal_the_scalar_functions(fs: float, offset: float) -> None:
    rng = np.random.default_rng(int(fs))
    x = np.abs(np.cumsum(rng.normal(size=6000))) + rng.random(6000) + offset  # offset: negatives
    starts = np.sort(rng.choice(5000, 40, replace=False))
    stops = np.minimum(starts + rng.integers(8, 900, 40), len(x))
    got = sparc_segments(x, starts, stops, fs)
    want = np.array([sparc(x[a:b], fs) for a, b in zip(starts, stops)])
    assert np.max(np.abs(got - want)) < 1e-9
    for kind in ("speed", "accl"):
        got = ldlj_segments(x, starts, stops, fs, kind)
        want = np.array([ldlj(x[a:b], fs, kind) for a, b in zip(starts, stops)])
        assert np.max(np.abs(got - want)) < 1e-9
    zero = np.zeros(100)
    assert np.isnan(sparc_segments(zero, np.array([10]), np.array([50]), fs)[0])
    with pytest.raises(ValueError, match="at least 3 samples"):
        ldlj_segments(x, np.array([5]), np.array([6]), fs)


@pytest.mark.parametrize(("n", "nperseg"), [(1000, 400), (999, 400), (1001, 401), (401, 401), (12345, 800)])
def test_welch_psd_equals_scipy(n: int, nperseg: int) -> None:
    x = np.random.default_rng(n).normal(size=(n, 3)) + 4.0
    f, p = signal.welch(x, fs=100.0, nperseg=nperseg, axis=0, detrend="constant")
    f2, p2, count = welch_psd(x, 100.0, nperseg)
    assert np.array_equal(f, f2) and count == (n - nperseg) // (nperseg - nperseg // 2) + 1
    assert np.max(np.abs(p.sum(axis=1) - p2)) <= 1e-12 * p2.max()


def test_lowpass_equals_sosfiltfilt_and_block_means() -> None:
    rng = np.random.default_rng(3)
    for shape, order, cutoff, fs in (((5000,), 2, 2.5, 25.0), ((8000, 3), 4, 10.0, 100.0)):
        x = rng.normal(size=shape)
        sos = signal.butter(order, cutoff, fs=fs, output="sos")
        assert np.max(np.abs(lowpass(x, cutoff, fs, order) - signal.sosfiltfilt(sos, x, axis=0))) < 1e-12
    short = rng.normal(size=(9, 3))
    assert np.array_equal(lowpass(short, 2.5, 25.0), short)  # shorter than the padding
    y = rng.normal(size=(103, 3))
    assert np.allclose(block_means(y, 4), y[:100].reshape(-1, 4, 3).mean(axis=1), atol=1e-14)


def test_lowpass_same_bits_without_the_sosfilt_kernel(monkeypatch: pytest.MonkeyPatch) -> None:
    """The direct call of SciPy's sosfilt kernel and the public sosfilt give the same bits."""
    from smarttouch.scoring import offline_angle

    rng = np.random.default_rng(5)
    cases = [(rng.normal(size=(5000,)), 2, 2.5, 25.0), (rng.normal(size=(8000, 3)), 4, 10.0, 100.0)]
    direct = [lowpass(x, cutoff, fs, order) for x, order, cutoff, fs in cases]
    monkeypatch.setattr(offline_angle, "_sosfilt_kernel", None)
    for (x, order, cutoff, fs), y in zip(cases, direct, strict=True):
        assert np.array_equal(lowpass(x, cutoff, fs, order), y)
