"""Causal filters that carry their state between batches.

Filtering a signal in one call or in consecutive pieces gives the same output, so the
streaming tracker does not depend on how the samples arrive in batches.
"""

from __future__ import annotations

import numpy as np
from scipy import signal


class StreamingSOS:
    """A Butterworth filter (second-order sections) applied causally, piece by piece.

    Args:
        order: filter order.
        cutoff_hz: cutoff frequency in Hz (a (low, high) pair for band-pass).
        sample_rate_hz: sample rate in Hz.
        btype: "lowpass", "highpass" or "bandpass".
    """

    def __init__(
        self,
        order: int,
        cutoff_hz: float | tuple[float, float],
        sample_rate_hz: float,
        btype: str = "lowpass",
    ) -> None:
        nyq = sample_rate_hz / 2.0
        cut = np.atleast_1d(np.asarray(cutoff_hz, dtype=float))
        cut = np.minimum(cut, 0.45 * sample_rate_hz)
        if np.any(cut <= 0) or np.any(cut >= nyq):
            raise ValueError(f"cutoff {cutoff_hz} Hz is outside (0, {nyq}) Hz at {sample_rate_hz} Hz")
        wn = float(cut[0]) if cut.size == 1 else (float(cut[0]), float(cut[1]))
        self.sos = signal.butter(order, wn, btype=btype, fs=sample_rate_hz, output="sos")
        self._zi: np.ndarray | None = None
        self._steady = btype == "lowpass"

    def dc_delay_s(self, sample_rate_hz: float) -> float:
        """Group delay at low frequency (0.05 Hz), seconds."""
        w, h = signal.sosfreqz(self.sos, worN=[0.04, 0.06], fs=sample_rate_hz)
        phase = np.unwrap(np.angle(h))
        return float(-(phase[1] - phase[0]) / (2.0 * np.pi * (w[1] - w[0])))

    def __call__(self, x: np.ndarray) -> np.ndarray:
        """Filter the next piece of the signal (1-D); the first piece sets the initial state."""
        x = np.asarray(x, dtype=float)
        if len(x) == 0:
            return x.copy()
        if self._zi is None:
            zi = signal.sosfilt_zi(self.sos)
            self._zi = zi * (x[0] if self._steady else 0.0)
        # one lfilter call per section: the same direct-form II transposed cascade as
        # scipy's sosfilt, with a fraction of its per-call overhead on short batches
        y = x
        for k in range(len(self.sos)):
            y, self._zi[k] = signal.lfilter(self.sos[k, :3], self.sos[k, 3:], y, zi=self._zi[k])
        return y


class StreamingEMA:
    """Exponential moving average with time constant ``tau_s`` seconds, piece by piece."""

    def __init__(self, tau_s: float, sample_rate_hz: float) -> None:
        self.alpha = 1.0 - np.exp(-1.0 / (tau_s * sample_rate_hz))
        self._zi: np.ndarray | None = None

    def __call__(self, x: np.ndarray) -> np.ndarray:
        x = np.asarray(x, dtype=float)
        if len(x) == 0:
            return x.copy()
        if self._zi is None:
            self._zi = np.array([(1.0 - self.alpha) * x[0]])
        y, self._zi = signal.lfilter([self.alpha], [1.0, -(1.0 - self.alpha)], x, zi=self._zi)
        out: np.ndarray = y
        return out
