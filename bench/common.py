"""Small helpers shared by the benchmarks: timing and printing figures."""

from __future__ import annotations

import cProfile
import inspect
import os
import shutil
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

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


class Parts:
    """Process CPU spent inside some functions (wrapped in place), and SQL statements."""

    def __init__(self) -> None:
        self.cpu: dict[str, float] = {}
        self.undo: list[Callable[[], None]] = []
        self.statements = 0

    def wrap(self, owner: Any, name: str, label: str) -> None:
        """Time ``owner.name`` (a module's function, or a class's method, static method or
        class method, inherited or not) under ``label``; :meth:`restore` puts it back. A
        name the code does not have (another version of it, for an A/B run) is left out."""
        try:
            raw = inspect.getattr_static(owner, name)
        except AttributeError:
            return
        own = isinstance(owner, type) and name in owner.__dict__
        self.cpu.setdefault(label, 0.0)
        cpu = self.cpu

        def timing(original: Callable[..., Any]) -> Callable[..., Any]:
            def timed(*args: Any, **kwargs: Any) -> Any:
                start = time.process_time()
                try:
                    return original(*args, **kwargs)
                finally:
                    cpu[label] += time.process_time() - start

            return timed

        if isinstance(raw, staticmethod):
            setattr(owner, name, staticmethod(timing(raw.__func__)))
        elif isinstance(raw, classmethod):
            setattr(owner, name, classmethod(timing(raw.__func__)))
        else:
            setattr(owner, name, timing(raw))
        if isinstance(owner, type) and not own:
            self.undo.append(lambda: delattr(owner, name))
        else:
            self.undo.append(lambda: setattr(owner, name, raw))

    def count_statements(self, engine: Any) -> None:
        from sqlalchemy import event

        def count(*_args: Any) -> None:
            self.statements += 1

        event.listen(engine, "before_cursor_execute", count)
        self.undo.append(lambda: event.remove(engine, "before_cursor_execute", count))

    def count_gc(self) -> None:
        """The cyclic garbage collector's CPU (it runs inside whatever allocates)."""
        import gc

        label = "  (garbage collection, inside the parts above)"
        self.cpu[label] = 0.0
        started: list[float] = []

        def timed(phase: str, _info: dict[str, Any]) -> None:
            if phase == "start":
                started.append(time.process_time())
            elif started:
                self.cpu[label] += time.process_time() - started.pop()

        gc.callbacks.append(timed)
        self.undo.append(lambda: gc.callbacks.remove(timed))

    def restore(self) -> None:
        for undo in reversed(self.undo):
            undo()


@contextmanager
def profiled(path: str, what: str) -> Iterator[None]:
    """A cProfile (process CPU clock) of the block written to ``path`` (nothing when empty)."""
    if not path:
        yield
        return
    prof = cProfile.Profile(time.process_time)
    prof.enable()
    try:
        yield
    finally:
        prof.disable()
        prof.dump_stats(path)
        print(f"  cProfile of {what} written to {path}")


def services_ready(pg_base: str, db_name: str, redis_url: str) -> str | None:
    """Print the machine's load, make the scratch database ``db_name`` and check Redis;
    returns the database's URL, or None (said in the output, nothing left behind) when
    PostgreSQL or Redis is unreachable and the benchmark must be skipped."""
    load = os.getloadavg()
    print(f"  machine: {os.cpu_count()} CPU(s), load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    url = scratch_database(pg_base, db_name)
    if url is None:
        return None
    if not redis_reachable(redis_url):
        scratch_database(pg_base, db_name, create=False)
        return None
    return url


@contextmanager
def s3_cluster(
    pg_base: str, db_name: str, redis_url: str, *, prefix: str, **cluster_args: Any
) -> Iterator[tuple[Any, Any, str] | None]:
    """``(cluster, s3, database URL)``: a :class:`~smarttouch.platform.testcluster.LocalCluster`
    (``cluster_args``: hubs, workers...) on a scratch PostgreSQL database, Redis and an S3
    server (:class:`~smarttouch.platform.testing.S3Server`, moto's S3 backend; this process's
    AWS environment points at it); everything is stopped, dropped and removed afterwards. None when PostgreSQL or Redis is unreachable."""
    from smarttouch.platform.testcluster import LocalCluster
    from smarttouch.platform.testing import S3Server

    url = services_ready(pg_base, db_name, redis_url)
    if url is None:
        yield None
        return
    workdir = Path(tempfile.mkdtemp(prefix=prefix))
    s3 = S3Server(log_path=workdir / "s3.log").start()
    cluster: LocalCluster | None = None
    try:
        os.environ.update(s3.env())
        cluster = LocalCluster(
            workdir=workdir / "cluster",
            database_url=url,
            redis_url=redis_url,
            blob_url=s3.blob_url(),
            env=s3.env(),
            **cluster_args,
        )
        yield cluster, s3, url
    finally:
        if cluster is not None:
            cluster.stop_all()
        s3.stop()
        scratch_database(pg_base, db_name, create=False)
        shutil.rmtree(workdir, ignore_errors=True)
