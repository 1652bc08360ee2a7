"""Small helpers shared by the benchmarks: timing and printing figures."""

from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np


def time_calls(
    fn: Callable[[], object], repeat: int, warmup: int = 1, clock: Callable[[], float] = time.perf_counter
) -> np.ndarray:
    """Call ``fn`` ``warmup`` times untimed, then ``repeat`` times; return seconds per call
    (wall time; ``clock=time.process_time``: this process's CPU time, which other processes
    on a loaded machine do not inflate)."""
    for _ in range(warmup):
        fn()
    out = np.empty(repeat)
    for i in range(repeat):
        start = clock()
        fn()
        out[i] = clock() - start
    return out


def report(label: str, value: float, unit: str, target: str = "", ok: bool | None = None) -> None:
    """Print one figure as ``label: value unit  (target: ..., met/MISSED)``."""
    verdict = "" if ok is None else ("  met" if ok else "  MISSED")
    tgt = f"  (target {target})" if target else ""
    print(f"  {label:<52} {value:>12.3f} {unit:<8}{tgt}{verdict}", flush=True)
