"""Tremor: power and dominant frequency in the 3-7 Hz band of the angular velocity (Welch).

The band covers parkinsonian rest tremor (4-6 Hz) and the lower part of essential tremor
(4-12 Hz) while staying above voluntary movement (mostly < 2 Hz); see Deuschl et al. (1998)
"Consensus statement of the Movement Disorder Society on tremor", Mov Disord 13 Suppl 3:2-23.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
from scipy import signal

TREMOR_BAND_HZ = (3.0, 7.0)
MOVEMENT_BAND_HZ = (0.1, 20.0)


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

    def to_dict(self) -> dict:
        return asdict(self)


def tremor_metrics(
    gyr_dps: np.ndarray, fs: float, band_hz: tuple[float, float] = TREMOR_BAND_HZ
) -> TremorMetrics:
    """Tremor band power, dominant frequency and amplitude from gyroscope samples.

    Args:
        gyr_dps: angular velocity, (N, 3) or (N,), deg/s.
        fs: sample rate, Hz.
        band_hz: tremor band, Hz.
    """
    gyr = np.asarray(gyr_dps, dtype=float)
    gyr = gyr.reshape(len(gyr), -1)
    nan = TremorMetrics(0.0, float("nan"), 0.0, 0.0)
    if len(gyr) < int(2 * fs):
        return nan
    nper = min(len(gyr), int(4 * fs))
    f, pxx = signal.welch(gyr, fs=fs, nperseg=nper, axis=0, detrend="constant")
    psd = pxx.sum(axis=1)
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
