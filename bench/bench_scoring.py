"""Scoring benchmarks: offline analyze (and its cost relative to one VQF orientation pass over
the same samples), streaming update latency, orientation throughput."""

from __future__ import annotations

import time

import numpy as np

from bench.common import report, time_calls
from smarttouch.scoring import MotionTracker, analyze
from smarttouch.scoring.orientation import G, estimate_orientation
from smarttouch.sensors.simulator import simulate

RATIO_REPEATS = 11


def _ten_minutes():
    # 3 s reps + ~1 s pauses: about 150 reps in 10 minutes at 100 Hz, 6-axis
    sim = simulate(
        "shoulder_flexion",
        reps=150,
        tempo_s=3.0,
        pause_s=1.0,
        tremor_hz=5.0,
        tremor_deg=0.5,
        fs=100.0,
        seed=7,
    )
    return sim.recording


def main() -> None:
    rec = _ten_minutes()
    print(
        f"  recording: {rec.duration_s / 60:.1f} min, {len(rec)} samples at {rec.sample_rate_hz:.0f} Hz, 6-axis"
    )

    # interleaved, so both see the same machine load; the ratio is what the target is about
    analyze(rec)
    estimate_orientation(rec.acc, rec.gyr, rec.sample_rate_hz)
    ours, vqf = [], []
    for _ in range(RATIO_REPEATS):
        ours.append(float(time_calls(lambda: analyze(rec), repeat=1, warmup=0)[0]))
        vqf.append(
            float(
                time_calls(
                    lambda: estimate_orientation(rec.acc, rec.gyr, rec.sample_rate_hz), repeat=1, warmup=0
                )[0]
            )
        )
    med, ref = float(np.median(ours)) * 1e3, float(np.median(vqf)) * 1e3
    report(f"analyze, 10-min 100 Hz recording (median of {RATIO_REPEATS})", med, "ms")
    report("VQF orientation pass over the same samples", ref, "ms")
    report("analyze / VQF pass, same run", med / ref, "x", "<= 2.0", med / ref <= 2.0)

    tracker = MotionTracker("shoulder_flexion", rec.sample_rate_hz)
    batches = rec.batches(10)
    lat = np.empty(len(batches))
    for i, b in enumerate(batches):
        t0 = time.perf_counter()
        tracker.update(b)
        lat[i] = time.perf_counter() - t0
    p50, p99 = np.percentile(lat, [50, 99]) * 1e6
    report("MotionTracker.update, 10-sample batch, p50", float(p50), "us")
    report("MotionTracker.update, 10-sample batch, p99", float(p99), "us", "<= 200 us", p99 <= 200.0)
    report("  (reps counted by the tracker)", float(len(tracker.reps)), "reps")

    from ahrs.filters import Madgwick

    ours = float(
        np.median(time_calls(lambda: estimate_orientation(rec.acc, rec.gyr, rec.sample_rate_hz), repeat=5))
    )
    gyr, acc = np.radians(rec.gyr), rec.acc * G
    theirs = float(
        np.median(time_calls(lambda: Madgwick(gyr=gyr, acc=acc, frequency=rec.sample_rate_hz), repeat=3))
    )
    n = len(rec)
    report("orientation, VQF (ours), samples/s", n / ours / 1e6, "M/s")
    report("orientation, ahrs Madgwick, samples/s", n / theirs / 1e6, "M/s")
    report("orientation throughput ratio VQF / Madgwick", theirs / ours, "x")


if __name__ == "__main__":
    main()
