"""Naive baseline: peaks of the smoothed angular speed, two strokes per repetition.

No axis, no orientation, no calibration: |gyr| smoothed over 0.3 s, peaks at least 40 % of
the 95th percentile and 0.4 s apart, divided by two (out and back).
"""

from __future__ import annotations

import numpy as np
from scipy.signal import find_peaks


class PeakCounter:
    def analyze(self, recording) -> dict:
        fs = recording.sample_rate_hz
        speed = np.linalg.norm(recording.gyr, axis=1)  # deg/s
        width = max(1, int(0.3 * fs))
        speed = np.convolve(speed, np.ones(width) / width, mode="same")
        height = 0.4 * np.percentile(speed, 95)
        peaks, _ = find_peaks(speed, height=height, distance=max(1, int(0.4 * fs)))
        return {"reps": int(round(len(peaks) / 2))}
