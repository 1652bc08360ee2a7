"""Scale-out on one machine: two gunicorn hubs, two workers, PostgreSQL, Redis, S3 (moto's S3 server).

``python -m bench scale``. Everything runs on loopback and stops by itself (every phase is
bounded in uploads and seconds). Sessions are synthetic 2-minute 100 Hz recordings (the
sensors room's simulator), each encoded distinctly so every upload writes a new blob; they
are spread over 20 paired patients. The load generator (Python threads, a keep-alive ``http.client`` connection per hub each)
runs on the same cores as the hubs, the workers, PostgreSQL, Redis and the S3 server, so the
figures are those of the whole stack on this machine; the load average is printed with them.

1. Accepted uploads: closed-loop clients against the two hubs (alternating), workers
   stopped (the queue absorbs the burst): uploads/s accepted and p50/p95 accept latency per
   level, and the CPU each process spent per upload (hubs, S3 server, the PostgreSQL backends
   of the bench's database, this load generator), read from /proc. Target: >= 100/s at p95
   <= 250 ms.
2. Worker throughput on the same backlog: phase 1's sessions scored by one worker; then a
   second backlog of about the same size is uploaded with the workers stopped and scored by
   two workers started together. scored/s is counted from the moment every worker serves.
3. Upload-to-scored: paced uploads at half the best accepted rate with both workers running;
   p95 of (scored - sent) and the rate the workers sustained. Target: <= 5 s. When that rate
   is more than the two workers scored alone in phase 2, once more at 80% of their rate (what
   these cores can score while the hubs take uploads), for the figure at a sustainable load.
   When half the accepted rate is above 50/s (half the 100/s target), also at 50/s: the
   issue's "half that rate" read as half the target, which does not rise as the hubs get faster.
4. Integrity: every accepted session stored once and scored once, no job left queued or
   running. Peak RSS (VmHWM) of a hub's serving process. Target: <= 300 MB.

The machine's load average is printed at the start, per level and at the end: other work on
the same cores slows every figure here, so compare runs only at similar load.

PostgreSQL: ``SMARTTOUCH_BENCH_DATABASE_URL`` (default the local ``postgres`` server) with a
scratch database ``SMARTTOUCH_BENCH_SCALE_DB`` (default ``smarttouch_bench_scale``, created and
dropped). Redis: ``SMARTTOUCH_BENCH_REDIS_URL`` (default ``redis://127.0.0.1:6379/14``; the
hub queue's keys there are flushed). Without the S3 server the blob store is a shared folder
(said in the output); ``SMARTTOUCH_BENCH_SCALE_BLOBS=folder`` chooses the folder on purpose, to
see the S3 server's share of the cost.
"""

from __future__ import annotations

import dataclasses
import os
import shutil
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np

from bench.common import report, scratch_database, services_ready

PG_BASE = os.environ.get("SMARTTOUCH_BENCH_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
DB_NAME = os.environ.get("SMARTTOUCH_BENCH_SCALE_DB", "smarttouch_bench_scale")
REDIS_URL = os.environ.get("SMARTTOUCH_BENCH_REDIS_URL", "redis://127.0.0.1:6379/14")
#: ``folder`` runs the same load with a shared folder as the blob store instead of the S3 server
BLOBS = os.environ.get("SMARTTOUCH_BENCH_SCALE_BLOBS", "s3")
PATIENTS = 20
LEVELS = (4, 8, 12)  # concurrent clients in phase 1
LEVEL_MAX_UPLOADS = 150
LEVEL_MAX_S = 12.0
#: phase 2: the second backlog, as large as phase 1's uploads (the first)
BACKLOG = LEVEL_MAX_UPLOADS * len(LEVELS)
HUB_THREADS = 4
TARGET_RATE = 100.0  # accepted uploads/s the issue asks of two hubs
PACED_S = 15.0  # phase 3
SCORED_WAIT_S = 90.0


def _recordings(count: int) -> list[bytes]:
    """``count`` distinct 2-minute recordings, encoded on a few threads (zlib frees the GIL)."""
    from smarttouch.sensors.recording_io import recording_to_bytes
    from smarttouch.sensors.simulator import simulate

    base = simulate(
        "shoulder_flexion", reps=30, rom_deg=85.0, tempo_s=3.0, pause_s=1.0, fs=100.0, seed=7
    ).recording

    def one(i: int) -> bytes:
        return recording_to_bytes(dataclasses.replace(base, labels={"synthetic": True, "variant": i}))

    with ThreadPoolExecutor(4) as pool:
        return list(pool.map(one, range(count)))


def _closed_loop(
    cluster: Any, links: list[Any], recordings: list[bytes], clients: int
) -> tuple[list[Any], float, int]:
    """``clients`` threads upload ``recordings`` back to back (alternating hubs) until done or
    LEVEL_MAX_S; returns (results, seconds, failed attempts)."""
    from smarttouch.platform.testcluster import LoopbackHttp, upload, upload_body

    hubs = cluster.hub_urls()
    todo = list(enumerate(recordings))
    results: list[Any] = []
    lock = threading.Lock()
    stop_at = time.monotonic() + LEVEL_MAX_S

    bodies = {i: upload_body(links[i % len(links)].assignment_id, rec) for i, rec in todo}  # not timed

    def client() -> None:
        http = LoopbackHttp()
        while time.monotonic() < stop_at:
            with lock:
                if not todo:
                    return
                i, _ = todo.pop()
            link = links[i % len(links)]
            done = upload(http, hubs, i % 2, link.token, bodies[i], give_up_after_s=60)
            with lock:
                results.append(done)

    threads = [threading.Thread(target=client) for _ in range(clients)]
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results, time.perf_counter() - start, sum(r.failed_attempts for r in results)


def _count(engine: Any, sql: str) -> int:
    from sqlalchemy import text

    with engine.connect() as conn:
        return int(conn.execute(text(sql)).scalar() or 0)


def _finished(engine: Any) -> int:
    return _count(engine, "SELECT count(*) FROM scoring_job WHERE status NOT IN ('queued', 'running')")


def _drain(cluster: Any, engine: Any, workers: list[str], total: int) -> tuple[float, float]:
    """Phase 2: start ``workers`` together on a backlog (no uploads meanwhile) and measure
    scored/s from the moment all of them are serving until the backlog is gone (at most
    SCORED_WAIT_S); returns (scored/s, worker CPU s per scored session). The workers are
    stopped again afterwards (gracefully: the running job is finished)."""
    for name in workers:
        cluster.start(name, wait=False)
    for name in workers:
        cluster.start(name)  # waits until it serves
    cpu0 = sum(cluster.cpu_seconds(n) for n in workers)
    done0, start = _finished(engine), time.monotonic()
    deadline = start + SCORED_WAIT_S
    while _finished(engine) < total and time.monotonic() < deadline:
        time.sleep(0.1)
    done1, seconds = _finished(engine), time.monotonic() - start
    cpu = sum(cluster.cpu_seconds(n) for n in workers) - cpu0
    for name in workers:
        cluster.stop(name)
    return (done1 - done0) / seconds, cpu / max(1, done1 - done0)


class CpuMeter:
    """CPU seconds used by the stack's processes between :meth:`start` and :meth:`stop`:
    the hubs, the S3 server, the PostgreSQL backends of the bench's database and this
    process (the load generator)."""

    def __init__(self, cluster: Any, s3: Any) -> None:
        self.cluster, self.s3 = cluster, s3
        self.before: dict[str, float] = {}

    def _now(self) -> dict[str, float]:
        from smarttouch.platform.testcluster import process_cpu_seconds, processes_named

        now = {
            "hubs": sum(self.cluster.cpu_seconds(n) for n in ("hub0", "hub1")),
            "PostgreSQL": sum(process_cpu_seconds(p) for p in processes_named(f" {DB_NAME} ")),
            "load generator": sum(os.times()[:2]),
        }
        if self.s3 is not None:
            now["S3 server"] = process_cpu_seconds(self.s3.process.pid)
        return now

    def start(self) -> None:
        self.before = self._now()

    def per_item_ms(self, items: int) -> dict[str, float]:
        after = self._now()
        return {k: (after[k] - self.before[k]) / max(1, items) * 1000 for k in after}


def _paced(
    cluster: Any, links: list[Any], recordings: list[bytes], rate: float
) -> tuple[list[Any], dict[str, float]]:
    """Phase 3: one upload every 1/rate s (each on its own thread, so a slow answer does not
    slow the pace); returns the results and each session's send time (Unix s)."""
    from smarttouch.platform.testcluster import LoopbackHttp, upload, upload_body

    hubs = cluster.hub_urls()
    results: list[Any] = []
    sent_at: dict[str, float] = {}
    lock = threading.Lock()
    local = threading.local()

    bodies = [upload_body(links[i % len(links)].assignment_id, rec) for i, rec in enumerate(recordings)]

    def one(i: int, body: tuple[str, bytes, str]) -> None:
        http = getattr(local, "http", None) or LoopbackHttp()
        local.http = http
        link = links[i % len(links)]
        with lock:
            sent_at[body[0]] = time.time()
        done = upload(http, hubs, i % 2, link.token, body, give_up_after_s=60)
        with lock:
            results.append(done)

    with ThreadPoolExecutor(32) as pool:
        start = time.monotonic()
        for i, body in enumerate(bodies):
            pause = start + i / rate - time.monotonic()
            if pause > 0:
                time.sleep(pause)
            pool.submit(one, i, body)
    return results, sent_at


def _upload_to_scored(cluster: Any, engine: Any, links: list[Any], accepted: set[str], rate: float) -> float:
    """Phase 3 at ``rate``: paced uploads for PACED_S with the workers running, then wait
    until they are scored; prints the figures and returns the p95 of (scored - sent) in s.
    The sessions are added to ``accepted``."""
    from sqlalchemy import text

    paced = _recordings(int(rate * PACED_S))
    scored_before = _finished(engine)
    results, sent_at = _paced(cluster, links, paced, rate)
    paced_s = time.monotonic()
    accepted.update(r.session_id for r in results)
    deadline = time.monotonic() + SCORED_WAIT_S
    while _finished(engine) < len(accepted) and time.monotonic() < deadline:
        time.sleep(0.2)
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT s.client_uuid, j.finished_at FROM scoring_job j "
                "JOIN exercise_session s ON s.id = j.session_id WHERE j.status = 'scored'"
            )
        ).all()
    finished = {sid: f.timestamp() for sid, f in rows if sid in sent_at}
    delays = np.array([finished[sid] - sent_at[sid] for sid in finished])
    lat = np.array([r.latency_s for r in results])
    span = (max(finished.values()) - min(sent_at.values())) if finished else float("inf")
    print(
        f"  paced at {rate:.1f}/s for {PACED_S:.0f} s: {len(results)} accepted, accept p95 {np.percentile(lat, 95) * 1000:.0f} ms, "
        f"{len(delays)} scored ({_finished(engine) - scored_before} jobs finished) at {len(delays) / span:.1f}/s sustained, "
        f"scoring went on {time.monotonic() - paced_s:.0f} s after the last upload, load {os.getloadavg()[0]:.2f}"
    )
    return float(np.percentile(delays, 95)) if len(delays) else float("inf")


def main() -> None:

    from smarttouch.platform.storage.db import make_engine
    from smarttouch.platform.testcluster import LocalCluster
    from smarttouch.platform.testing import S3Server

    url = services_ready(PG_BASE, DB_NAME, REDIS_URL)
    if url is None:
        return
    workdir = Path(tempfile.mkdtemp(prefix="bench-scale-"))
    s3: S3Server | None = None
    cluster: LocalCluster | None = None
    try:
        try:
            if BLOBS == "folder":
                raise RuntimeError("SMARTTOUCH_BENCH_SCALE_BLOBS=folder")
            s3 = S3Server(log_path=workdir / "s3.log").start()
            blob_url, env = s3.blob_url(), s3.env()
            print("  blob store: S3 (moto's S3 backend on waitress, a Python S3 server on the same cores)")
        except Exception as exc:
            s3 = None
            blob_url, env = f"file://{workdir / 'blobs'}", {}
            print(f"  blob store: a shared folder (no S3 server: {exc})")
        os.environ.update(env)
        cluster = LocalCluster(
            workdir=workdir / "cluster",
            database_url=url,
            redis_url=REDIS_URL,
            blob_url=blob_url,
            env=env,
            hubs=2,
            workers=2,
            hub_threads=HUB_THREADS,
            lease_s=30.0,
        )
        links, _ = cluster.prepare(PATIENTS)
        phase1_n = LEVEL_MAX_UPLOADS * len(LEVELS)
        t0 = time.monotonic()
        recordings = _recordings(phase1_n + BACKLOG)
        print(
            f"  {len(recordings)} distinct 2-minute 100 Hz recordings ({len(recordings[0]) / 1024:.0f} KiB each) encoded in {time.monotonic() - t0:.0f} s"
        )
        for name in ("hub0", "hub1"):
            cluster.start(name)
        print(
            f"  hubs: 2 x gunicorn (1 gthread worker process, {HUB_THREADS} threads each); "
            "workers: smarttouch worker --jobs scoring (1 thread each)"
        )
        idle = max(cluster.rss_mib("hub0"), cluster.rss_mib("hub1"))
        print(f"  a hub process after start-up: {idle:.0f} MiB RSS")
        engine = make_engine(url)
        meter = CpuMeter(cluster, s3)

        # 1. accepted uploads, workers stopped
        best: tuple[float, float, float, int] | None = None  # (rate, p50, p95, clients)
        offset = 0
        accepted: set[str] = set()
        for clients in LEVELS:
            batch = recordings[offset : offset + LEVEL_MAX_UPLOADS]
            offset += LEVEL_MAX_UPLOADS
            meter.start()
            results, seconds, failed = _closed_loop(cluster, links, batch, clients)
            cpu = meter.per_item_ms(len(results))
            accepted.update(r.session_id for r in results)
            lat = np.array([r.latency_s for r in results])
            rate = len(results) / seconds
            p50, p95 = float(np.median(lat)), float(np.percentile(lat, 95))
            print(
                f"  {clients:>2} clients: {len(results)} accepted in {seconds:.1f} s = {rate:.1f}/s, p50 {p50 * 1000:.0f} ms, p95 {p95 * 1000:.0f} ms, {failed} failed attempts, load {os.getloadavg()[0]:.2f}"
            )
            print("      CPU per upload: " + ", ".join(f"{k} {v:.1f} ms" for k, v in cpu.items()))
            total_cpu = sum(cpu.values())
            print(
                f"      = {total_cpu:.1f} ms of CPU per upload in all: {os.cpu_count()} idle cores would allow at most {(os.cpu_count() or 1) * 1000 / total_cpu:.0f} uploads/s (derived, not measured)"
            )
            if (
                best is None
                or (p95 <= 0.25 and (best[2] > 0.25 or rate > best[0]))
                or (best[2] > 0.25 and rate > best[0])
            ):
                best = (rate, p50, p95, clients)
        assert best is not None
        report(
            "accepted uploads/s, two hubs",
            best[0],
            "/s",
            ">= 100/s at p95 <= 250 ms",
            best[0] >= TARGET_RATE and best[2] <= 0.25,
        )
        report("  p50 accept latency at that rate", best[1] * 1000, "ms")
        report("  p95 accept latency at that rate", best[2] * 1000, "ms", "<= 250 ms", best[2] <= 0.25)
        loaded = max(cluster.peak_rss_mib("hub0"), cluster.peak_rss_mib("hub1"))

        # 2. the same backlog scored by one worker, then by two started together
        backlog = len(accepted)
        one, cpu_one = _drain(cluster, engine, ["worker0"], backlog)
        batch = recordings[offset : offset + BACKLOG]
        results, seconds, _ = _closed_loop(cluster, links, batch, best[3])  # a second backlog
        accepted.update(r.session_id for r in results)
        print(
            f"  backlog 1: {backlog} sessions; backlog 2: {len(results)} uploaded in {seconds:.1f} s (again {len(results) / seconds:.1f}/s at {best[3]} clients)"
        )
        two, cpu_two = _drain(cluster, engine, ["worker0", "worker1"], len(accepted))
        report("scored/s, one worker", one, "/s")
        report("scored/s, two workers started together", two, "/s", "more than one worker", two > one)
        report("  worker CPU per scored session", cpu_one * 1000, "ms")
        print(
            f"      {os.cpu_count()} idle cores would score at most {(os.cpu_count() or 1) / cpu_one:.0f} sessions/s (derived, not measured; the hubs need the same cores)"
        )

        # 3. upload-to-scored at half the accepted rate, both workers running; then at a rate
        # the two workers can keep up with on these cores (80% of what they scored alone)
        for name in ("worker0", "worker1"):
            cluster.start(name, wait=False)
        for name in ("worker0", "worker1"):
            cluster.start(name)
        half = max(1.0, best[0] / 2)
        p95_scored = _upload_to_scored(cluster, engine, links, accepted, half)
        report("upload-to-scored p95 at half the accepted rate", p95_scored, "s", "<= 5 s", p95_scored <= 5.0)
        if half > TARGET_RATE / 2:  # the "half that rate", read as half the 100/s target
            p95_target = _upload_to_scored(cluster, engine, links, accepted, TARGET_RATE / 2)
            report(
                f"upload-to-scored p95 at {TARGET_RATE / 2:.0f}/s (half the target rate)",
                p95_target,
                "s",
                "<= 5 s",
                p95_target <= 5.0,
            )
        sustainable = max(1.0, 0.8 * two)
        if sustainable < half:
            p95_low = _upload_to_scored(cluster, engine, links, accepted, sustainable)
            report(f"upload-to-scored p95 at {sustainable:.1f}/s (80% of two workers' rate)", p95_low, "s")

        # 4. integrity and memory
        stored = _count(engine, "SELECT count(*) FROM exercise_session")
        distinct = _count(engine, "SELECT count(DISTINCT client_uuid) FROM exercise_session")
        metrics = _count(engine, "SELECT count(*) FROM session_metrics")
        stuck = _count(engine, "SELECT count(*) FROM scoring_job WHERE status IN ('queued', 'running')")
        failed_jobs = _count(
            engine, "SELECT count(*) FROM scoring_job WHERE status NOT IN ('queued', 'running', 'scored')"
        )
        lost = len(accepted) - distinct
        duplicated = stored - distinct + max(0, metrics - stored)
        print(
            f"  accepted {len(accepted)}, stored {stored}, metrics rows {metrics}, stuck jobs {stuck}, failed jobs {failed_jobs}"
        )
        report(
            "sessions lost + duplicated + stuck",
            lost + duplicated + stuck,
            "",
            "0",
            lost + duplicated + stuck == 0,
        )
        rss = max(cluster.peak_rss_mib("hub0"), cluster.peak_rss_mib("hub1"))
        print(f"  hub RSS: {idle:.0f} MiB after start-up, peak {loaded:.0f} MiB after phase 1")
        report("peak RSS of a hub process", rss, "MiB", "<= 300 MB", rss * 1.048576 <= 300)
        load_after = os.getloadavg()
        print(
            f"  load average after: {load_after[0]:.2f} {load_after[1]:.2f} {load_after[2]:.2f} ({os.cpu_count()} CPUs)"
        )
        engine.dispose()
    finally:
        if cluster is not None:
            cluster.stop_all()
        if s3 is not None:
            s3.stop()
        scratch_database(PG_BASE, DB_NAME, create=False)
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
