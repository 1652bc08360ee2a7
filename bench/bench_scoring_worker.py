"""CPU a scoring worker spends per scored session (issue #16), against PostgreSQL, Redis and
the S3 server: ``python -m bench scoring_worker``.

Patients with a realistic history are built through the real upload path (the hub's upload
view, called in this process on the cluster's database, queue and blob store): ``PATIENTS``
paired patients, ``HISTORY`` 2-minute 100 Hz sessions each, one a day, scored by a real
``smarttouch worker --jobs scoring`` process. Then:

1. Worker CPU per scored session: the worker is running and idle; ``MEASURED`` sessions per
   patient are uploaded (so each job scores a patient with ``HISTORY`` to ``HISTORY +
   MEASURED`` sessions) and the worker's CPU (user + system, from /proc) is read from before
   the first upload until the last job finished, divided by the sessions scored. The worker's
   idle CPU over a few seconds is printed beside it. CPU time, not wall time: the machine is
   shared, and other processes do not inflate it much.
2. Where it goes: ``IN_PROCESS`` more sessions scored in this process through the same job
   path (claim, read the job, compute, finish: :meth:`HubQueue.run`), with the process CPU
   of each part and the SQL statements per job. What the worker spends beyond this is huey's
   (messages, Redis). ``SMARTTOUCH_BENCH_PROFILE=path`` writes a cProfile of this phase.

PostgreSQL: ``SMARTTOUCH_BENCH_DATABASE_URL`` with a scratch database
``SMARTTOUCH_BENCH_SCORING_DB`` (created and dropped). Redis: ``SMARTTOUCH_BENCH_REDIS_URL``
(default ``redis://127.0.0.1:6379/14``; the hub queue's keys there are flushed).
"""

from __future__ import annotations

import os
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from bench.common import Parts, profiled, report, s3_cluster

PG_BASE = os.environ.get("SMARTTOUCH_BENCH_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
DB_NAME = os.environ.get("SMARTTOUCH_BENCH_SCORING_DB", "smarttouch_bench_scoring_worker")
REDIS_URL = os.environ.get("SMARTTOUCH_BENCH_REDIS_URL", "redis://127.0.0.1:6379/14")
PROFILE = os.environ.get("SMARTTOUCH_BENCH_PROFILE", "")
PATIENTS = 8
HISTORY = 40  # sessions per patient before the measured ones, one a day
MEASURED = 15  # sessions per patient scored by the worker process while measured
IN_PROCESS = 40  # sessions scored in this process for the breakdown
IDLE_S = 5.0
WAIT_S = 300.0
#: worker CPU per scored session measured by ``python -m bench scale`` before this work
#: (docs/deploy.md, quiet machine), and the issue's target
REFERENCE_MS = 40.0
TARGET_MS = 18.0


class Uploader:
    """Uploads through the hub's upload view in this process (the cluster's database, queue
    and blob store), each session with its own recording bytes and start time."""

    def __init__(self, app: Any, links: list[Any]) -> None:
        from smarttouch.sensors.simulator import simulate

        self.client = app.test_client()
        self.links = links
        self.base = simulate(
            "shoulder_flexion", reps=30, rom_deg=85.0, tempo_s=3.0, pause_s=1.0, fs=100.0, seed=7
        ).recording
        self.sent = 0

    def upload(self, patient: int, started_at: datetime) -> None:
        import dataclasses

        from smarttouch.platform.testcluster import upload_body
        from smarttouch.sensors.recording_io import recording_to_bytes

        rec = dataclasses.replace(self.base, labels={"synthetic": True, "variant": self.sent})
        data = recording_to_bytes(rec)
        link = self.links[patient]
        _sid, body, ctype = upload_body(link.assignment_id, data, started_at=started_at)
        res = self.client.post(
            "/api/v1/sessions",
            data=body,
            headers={"Authorization": f"Bearer {link.token}", "Content-Type": ctype},
        )
        if res.status_code != 201:
            raise RuntimeError(f"upload refused: {res.status_code} {res.get_data(as_text=True)[:300]}")
        self.sent += 1


def _finished(engine: Any) -> int:
    from sqlalchemy import text

    with engine.connect() as conn:
        return int(
            conn.execute(
                text("SELECT count(*) FROM scoring_job WHERE status NOT IN ('queued', 'running')")
            ).scalar()
            or 0
        )


def _wait_finished(engine: Any, total: int) -> None:
    deadline = time.monotonic() + WAIT_S
    while _finished(engine) < total:
        if time.monotonic() > deadline:
            raise RuntimeError(f"only {_finished(engine)} of {total} scoring jobs finished in {WAIT_S:.0f} s")
        time.sleep(0.1)


def _wait_empty(huey: Any) -> None:
    """Until the worker took every message (the worker's start resends each queued row: those
    duplicates, each a refused claim, must not be counted against the measured sessions)."""
    deadline = time.monotonic() + WAIT_S
    while huey.pending_count() > 0:
        if time.monotonic() > deadline:
            raise RuntimeError(f"{huey.pending_count()} messages still waiting after {WAIT_S:.0f} s")
        time.sleep(0.1)
    time.sleep(1.0)  # the last one taken is finished


def _breakdown(app: Any, uploader: Uploader, engine: Any) -> None:
    """Phase 2 (see the module docstring)."""
    from sqlalchemy import text

    from smarttouch.platform.jobs import leases
    from smarttouch.platform.jobs.queue import HubQueue
    from smarttouch.platform.services.clinic import scoring
    from smarttouch.platform.storage.db import get_engine
    from smarttouch.sensors import recording_io

    queue = HubQueue(app, runs=["scoring"], lease_s=30.0)
    now = datetime.now(UTC)
    with engine.connect() as conn:
        before = int(conn.execute(text("SELECT coalesce(max(id), 0) FROM scoring_job")).scalar() or 0)
    for i in range(IN_PROCESS):
        uploader.upload(i % PATIENTS, now - timedelta(minutes=IN_PROCESS - i))
    queue.huey.flush()  # scored here, not by a worker
    with engine.connect() as conn:
        ids = [
            int(i)
            for i in conn.execute(
                text(f"SELECT id FROM scoring_job WHERE id > {before} ORDER BY id")
            ).scalars()
        ]
    scoring.warm_up()  # as a worker does before it serves (imports, the allocator's thresholds)
    queue.run("scoring", str(ids[0]))  # warm: first connections
    ids = ids[1:]

    parts = Parts()
    blobs = type(queue.context.blobs)
    parts.wrap(
        leases.LeaseStore,
        "claim_record",
        "claim and read the job's session (UPDATE RETURNING, load_spec; commit)",
    )
    parts.wrap(blobs, "get", "  blob read (S3 GET)")
    parts.wrap(scoring.BlobStore, "key_for", "  blob hash check (sha256)")
    parts.wrap(scoring, "recording_from_bytes", "  recording decode (npz)")
    parts.wrap(scoring, "recompute_metrics", "  the analysis (analyze)")
    parts.wrap(scoring, "compute", "compute (blob read + decode + analysis)")
    parts.wrap(leases.LeaseStore, "finish", "finish (result, status, audit, alerts; commit)")
    parts.wrap(scoring, "_write_metrics", "  metrics row")
    parts.wrap(scoring, "update_alerts", "  alerts")
    parts.count_statements(get_engine(app))
    parts.count_gc()
    _ = recording_io  # the decode is timed where the scoring service calls it
    start = time.process_time()
    try:
        with profiled(PROFILE, "the in-process jobs"):
            outcomes = [queue.run("scoring", str(job_id)) for job_id in ids]
    finally:
        total = time.process_time() - start
        parts.restore()
    scored = sum(1 for o in outcomes if o is not None and o.get("status") == "scored")
    if scored != len(ids):
        raise RuntimeError(f"only {scored} of {len(ids)} in-process jobs were scored")
    per = 1000.0 / len(ids)
    print(f"  in this process, {len(ids)} jobs through HubQueue.run (claim, read, compute, finish):")
    report("  CPU per scored session, job path without huey", total * per, "ms")
    for label, seconds in parts.cpu.items():
        report(f"    {label}", seconds * per, "ms")
    report("    SQL statements per scored session", parts.statements / len(ids), "")


def main() -> None:
    from smarttouch.platform import create_app
    from smarttouch.platform.jobs.queue import HubQueue
    from smarttouch.platform.storage.db import make_engine

    with s3_cluster(
        PG_BASE, DB_NAME, REDIS_URL, prefix="bench-scoring-worker-", hubs=0, workers=1, lease_s=30.0
    ) as stack:
        if stack is None:
            return
        cluster, _s3, url = stack
        links, _ = cluster.prepare(PATIENTS)
        app = create_app(cluster.app_config())
        engine = make_engine(url)
        uploader = Uploader(app, links)
        print(
            f"  blob store: S3 (moto's S3 server); {PATIENTS} patients; uploads through the hub's upload view in this process"
        )

        # the history: HISTORY sessions per patient, one a day, scored by the worker
        today = datetime.now(UTC).replace(hour=9, minute=0, second=0, microsecond=0) - timedelta(days=1)
        t0 = time.monotonic()
        for day in range(HISTORY):
            for p in range(PATIENTS):
                uploader.upload(p, today - timedelta(days=HISTORY - day, minutes=-p))
        cluster.start("worker0")
        _wait_finished(engine, uploader.sent)
        _wait_empty(HubQueue(app).huey)  # the worker resent every queued row when it started
        print(f"  history: {uploader.sent} sessions uploaded and scored in {time.monotonic() - t0:.0f} s")

        # 1. the worker process, idle then scoring
        cpu0 = cluster.cpu_seconds("worker0")
        time.sleep(IDLE_S)
        idle = (cluster.cpu_seconds("worker0") - cpu0) / IDLE_S
        done0 = _finished(engine)
        cpu0 = cluster.cpu_seconds("worker0")
        t0 = time.monotonic()
        now = datetime.now(UTC)
        for i in range(MEASURED * PATIENTS):
            uploader.upload(i % PATIENTS, now - timedelta(hours=2, minutes=-i))
        _wait_finished(engine, uploader.sent)
        seconds = time.monotonic() - t0
        cpu = cluster.cpu_seconds("worker0") - cpu0
        scored = _finished(engine) - done0
        cluster.stop("worker0")
        per_ms = cpu / scored * 1000
        print(
            f"  worker process: {scored} sessions scored in {seconds:.1f} s (uploads included), "
            f"{cpu:.2f} s CPU; idle it spends {idle * 1000:.1f} ms CPU a second; load {os.getloadavg()[0]:.2f}"
        )
        report(
            f"worker CPU per scored session (history {HISTORY}-{HISTORY + MEASURED})",
            per_ms,
            "ms",
            f"<= {TARGET_MS:.0f} ms; was {REFERENCE_MS:.0f} ms",
            per_ms <= TARGET_MS,
        )

        # 2. where it goes
        _breakdown(app, uploader, engine)
        engine.dispose()
        load = os.getloadavg()
        print(f"  load average after: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")


if __name__ == "__main__":
    main()
