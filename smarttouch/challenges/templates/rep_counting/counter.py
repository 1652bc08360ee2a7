"""Starter solution for the rep-counting challenge: improve it!

A repetition rotates the forearm out and back about one main axis, so the gyroscope signal
projected on that axis swings positive then negative once per repetition. This counts the
positive swings with hysteresis. Run ``smarttouch challenge validate .`` to see how it does on
the public recordings, then make it better (tremor and slow, jerky repetitions are the hard
part).
"""

from __future__ import annotations

import numpy as np


class RepCounter:
    """``analyze(recording) -> {"reps": int}``; ``recording`` is a smarttouch Recording
    (``t`` in s, ``acc`` in g, ``gyr`` in deg/s, ``sample_rate_hz``)."""

    smoothing_s = 0.25  # window of the two moving averages (a triangular filter), seconds
    threshold = 0.35  # fraction of the strong swings' speed that counts as a swing

    def analyze(self, recording) -> dict:
        gyr = recording.gyr - np.median(recording.gyr, axis=0)  # remove most of the bias
        _, _, vt = np.linalg.svd(gyr - gyr.mean(axis=0), full_matrices=False)
        signal = gyr @ vt[0]  # main rotation axis, deg/s
        width = max(1, int(self.smoothing_s * recording.sample_rate_hz))
        kernel = np.ones(width) / width
        signal = np.convolve(np.convolve(signal, kernel, mode="same"), kernel, mode="same")
        high = self.threshold * np.percentile(np.abs(signal), 98)
        reps, armed = 0, True
        for value in signal:
            if armed and value > high:
                reps += 1
                armed = False
            elif value < -high:
                armed = True
        return {"reps": reps}
