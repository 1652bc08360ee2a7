"""Tremor: power and dominant frequency in the 3-7 Hz band of the angular velocity (Welch).

The band covers parkinsonian rest tremor (4-6 Hz) and the lower part of essential tremor
(4-12 Hz) while staying above voluntary movement (mostly < 2 Hz); see Deuschl et al. (1998)
"Consensus statement of the Movement Disorder Society on tremor", Mov Disord 13 Suppl 3:2-23.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from functools import lru_cache
from typing import Any

import numpy as np
import scipy.fft
from numpy.lib.stride_tricks import sliding_window_view
from numpy.typing import NDArray

FloatArray = NDArray[np.float64]

TREMOR_BAND_HZ = (3.0, 7.0)
MOVEMENT_BAND_HZ = (0.1, 20.0)
WELCH_SEGMENT_S = 4.0  # Welch segment length, s (0.25 Hz resolution)
MIN_DURATION_S = 2.0  # shortest stretch of data with a tremor estimate, s


@dataclass(frozen=True)
class TremorMetrics:
    """Tremor of one session.

    Attributes:
        power_ratio: power of the angular velocity in 3-7 Hz over its power in 0.1-20 Hz
            (capped at the Nyquist frequency), 0..1.
        dominant_hz: frequency of the PSD peak inside 3-7 Hz, Hz (NaN if no data).
        amplitude_deg: amplitude of an equivalent sinusoidal tremor at ``dominant_hz``, deg
            (sqrt(2) * band RMS angular velocity / (2 pi f)).
        band_rms_dps: RMS angular velocity inside 3-7 Hz, deg/s.
    """

    power_ratio: float
    dominant_hz: float
    amplitude_deg: float
    band_rms_dps: float

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@lru_cache(maxsize=16)
def _hann(nperseg: int) -> tuple[FloatArray, np.float64, np.complex128, float]:
    """The periodic Hann window of ``nperseg`` samples, its sum, its DFT at bin 1 and its
    energy (the same for every call with this length: computed once)."""
    window = 0.5 - 0.5 * np.cos(2.0 * np.pi * np.arange(nperseg) / nperseg)
    window.flags.writeable = False
    bin1 = np.sum(window * np.exp(-2j * np.pi * np.arange(nperseg) / nperseg))
    return window, window.sum(), bin1, float(window @ window)


def welch_psd(x: FloatArray, fs: float, nperseg: int) -> tuple[FloatArray, FloatArray, int]:
    """Welch PSD of each column of ``x`` (N, C), summed over the columns.

    The same estimate as ``scipy.signal.welch(x, fs, nperseg=nperseg, axis=0,
    detrend="constant")`` (periodic Hann window, 50 % overlap, density scaling, one-sided,
    mean over segments), computed with one batched FFT. Removing each segment's mean only
    changes the bins where the Hann window's own spectrum is non-zero (0 and 1: W[0] = N/2,
    W[1] = -N/4), so it is applied there after the FFT. Returns (frequencies in Hz, PSD in
    unit^2/Hz, number of segments averaged).
    """
    step = nperseg - nperseg // 2
    count = (len(x) - nperseg) // step + 1
    window, window_sum, window_bin1, window_energy = _hann(nperseg)
    columns = np.ascontiguousarray(np.asarray(x, dtype=float).reshape(len(x), -1).T)  # (C, N)
    segments = sliding_window_view(columns, nperseg, axis=1)[:, : step * (count - 1) + 1 : step]
    spec = scipy.fft.rfft(segments * window, axis=2)
    means = segments.mean(axis=2)
    spec[..., 0] -= means * window_sum
    if nperseg > 2:
        spec[..., 1] -= means * window_bin1
    power = np.einsum("csf,csf->f", spec.real, spec.real) + np.einsum("csf,csf->f", spec.imag, spec.imag)
    power /= count * fs * window_energy
    power[1 : nperseg // 2 + (nperseg % 2)] *= 2.0
    freqs = np.asarray(np.fft.rfftfreq(nperseg, 1.0 / fs), dtype=float)
    return freqs, np.asarray(power, dtype=float), count


def tremor_metrics(
    gyr_dps: FloatArray,
    fs: float,
    band_hz: tuple[float, float] = TREMOR_BAND_HZ,
    spans: Sequence[tuple[int, int]] | None = None,
) -> TremorMetrics:
    """Tremor band power, dominant frequency and amplitude from gyroscope samples.

    Args:
        gyr_dps: angular velocity, (N, 3) or (N,), deg/s.
        fs: sample rate, Hz.
        band_hz: tremor band, Hz.
        spans: optional (start, stop) sample ranges to use (e.g. the play phases); their
            Welch segments are averaged together. Spans shorter than 2 s are left out.
    """
    gyr = np.asarray(gyr_dps, dtype=float)
    gyr = gyr.reshape(len(gyr), -1)
    nan = TremorMetrics(0.0, float("nan"), 0.0, 0.0)
    ranges = [(0, len(gyr))] if spans is None else list(spans)
    usable = [(a, b) for a, b in ranges if b - a >= int(MIN_DURATION_S * fs)]
    if not usable:
        return nan
    nper = min(min(b - a for a, b in usable), int(WELCH_SEGMENT_S * fs))
    total_psd: FloatArray | None = None
    weight = 0
    f = np.empty(0)
    for a, b in usable:
        f, p, count = welch_psd(gyr[a:b], fs, nper)
        total_psd = p * count if total_psd is None else total_psd + p * count
        weight += count
    assert total_psd is not None
    psd = total_psd / weight
    df = f[1] - f[0]
    hi_total = min(MOVEMENT_BAND_HZ[1], fs / 2.0)
    total = psd[(f >= MOVEMENT_BAND_HZ[0]) & (f <= hi_total)].sum() * df
    in_band = (f >= band_hz[0]) & (f <= min(band_hz[1], fs / 2.0))
    if total <= 0 or not in_band.any():
        return nan
    band_power = psd[in_band].sum() * df
    dominant = float(f[in_band][int(np.argmax(psd[in_band]))])
    rms = float(np.sqrt(band_power))
    amplitude = float(np.sqrt(2.0) * rms / (2.0 * np.pi * dominant))
    return TremorMetrics(float(band_power / total), dominant, amplitude, rms)
