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


def scratch_database(base_url: str, name: str, *, create: bool = True) -> str | None:
    """Drop PostgreSQL database ``name`` on the server of ``base_url`` and, with ``create``,
    make it again empty; returns its URL, or None (said in the output) when the server is
    unreachable and the benchmark must be skipped."""
    from sqlalchemy import text
    from sqlalchemy.engine import make_url

    from smarttouch.platform.storage.db import make_engine

    try:
        admin = make_engine(base_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            if create:
                conn.execute(text(f'CREATE DATABASE "{name}"'))
        admin.dispose()
    except Exception as exc:
        print(f"  PostgreSQL unavailable ({type(exc).__name__}): benchmark skipped")
        return None
    return make_url(base_url).set(database=name).render_as_string(hide_password=False)


def redis_reachable(url: str) -> bool:
    """Whether Redis answers at ``url`` (else it is said in the output)."""
    try:
        import redis

        redis.Redis.from_url(url).ping()
    except Exception as exc:
        print(f"  Redis unavailable at {url} ({type(exc).__name__}): benchmark skipped")
        return False
    return True
