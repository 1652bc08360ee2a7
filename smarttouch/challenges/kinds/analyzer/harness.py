"""The ``analyzer`` kind's harness, run inside the sandbox by the trusted runner: one instance
of the solution's class, ``analyze(recording) -> dict`` for every input recording.

Loaded by file path inside the sandbox: only the standard library and the rooms bound there
(sensors, scoring, games) may be imported, and numpy only when needed.
"""

from __future__ import annotations

import time


def run(cls: type, inputs: list[tuple[str, str]], options: dict, workdir: str) -> dict:
    """Predictions by recording id, in sorted order, and the seconds each ``analyze`` took."""
    from smarttouch.sensors.recording_io import load_recording

    obj = cls()
    predictions, seconds = {}, {}
    for rec_id, path in inputs:
        recording = load_recording(path)
        start = time.perf_counter()
        predictions[rec_id] = obj.analyze(recording)
        seconds[rec_id] = time.perf_counter() - start
    return {"predictions": predictions, "seconds": seconds}
