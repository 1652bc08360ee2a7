"""Session ingest on the hub (PostgreSQL): one 10-minute session, and sustained uploads.

1. Ingest of a 10-minute 100 Hz session (request parse + blob store + metric recompute +
   database), in process with scoring inline (``SMARTTOUCH_SCORING=inline``, the testing
   default), p95 over distinct recordings. Target p95 <= 250 ms.
2. Sustained uploads to gunicorn (2 sync workers) on loopback from a threaded load generator
   (production config: scoring is queued for workers and none runs, so this is the upload
   path alone; ``python -m bench scale`` measures hubs and workers together),
   at rising concurrency, each level bounded in uploads and time: uploads/s and p95 latency;
   the figure is the best rate whose p95 <= 1 s. Target >= 20 uploads/s. Sessions are
   2-minute recordings (a typical home set) spread over 20 patients; each level sends at most
   200 uploads in at most 10 s, and the blob store is emptied between levels.

Recordings are synthetic (the sensors room's simulator), each made distinct so every upload
writes a new blob. PostgreSQL: ``SMARTTOUCH_BENCH_DATABASE_URL`` (default the local
``postgres`` server); a scratch database ``smarttouch_bench_ingest`` is created and dropped.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from bench.common import report

PG_BASE = os.environ.get("SMARTTOUCH_BENCH_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
DB_NAME = "smarttouch_bench_ingest"
INGEST_REPEATS = 15
LOAD_LEVELS = (1, 2, 4, 8)
LOAD_MAX_UPLOADS = 200
LOAD_MAX_S = 10.0
PATIENTS = 20


def _scratch_database() -> str | None:
    from sqlalchemy import text
    from sqlalchemy.engine import make_url

    from smarttouch.platform.storage.db import make_engine

    try:
        admin = make_engine(PG_BASE, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{DB_NAME}"'))
        admin.dispose()
    except Exception as exc:
        print(f"  PostgreSQL unavailable ({type(exc).__name__}); using SQLite instead")
        return None
    return make_url(PG_BASE).set(database=DB_NAME).render_as_string(hide_password=False)


def _drop_database() -> None:
    from sqlalchemy import text

    from smarttouch.platform.storage.db import make_engine

    admin = make_engine(PG_BASE, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)'))
    admin.dispose()


def _recordings(minutes: float, count: int) -> list[bytes]:
    """``count`` distinct encodings of one simulated session of ``minutes`` minutes."""
    from smarttouch.sensors.recording_io import recording_to_bytes
    from smarttouch.sensors.simulator import simulate

    reps = int(minutes * 60 / 4.0)
    rec = simulate("shoulder_flexion", reps=reps, rom_deg=85.0, tempo_s=3.0, pause_s=1.0, seed=7).recording
    out = []
    for i in range(count):
        rec.labels = {"synthetic": True, "variant": i}
        out.append(recording_to_bytes(rec))
    return out


def _body(assignment_id: int, recording: bytes) -> tuple[bytes, str]:
    """A multipart body, encoded once up front (the client's cost is not measured)."""
    boundary = uuid.uuid4().hex
    meta = json.dumps(
        {
            "session_id": str(uuid.uuid4()),
            "assignment_id": assignment_id,
            "game": "balloons",
            "movement": "shoulder_flexion",
            "started_at": datetime.now(UTC).isoformat(),
            "quit_reason": "completed",
            "reps": 10,
            "sample_rate_hz": 100.0,
        }
    ).encode()
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="metadata"; '
        f'filename="metadata.json"\r\nContent-Type: application/json\r\n\r\n'.encode(),
        meta,
        f'\r\n--{boundary}\r\nContent-Disposition: form-data; name="recording"; '
        f'filename="recording.npz"\r\nContent-Type: application/octet-stream\r\n\r\n'.encode(),
        recording,
        f"\r\n--{boundary}--\r\n".encode(),
    ]
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


def _setup_hub(url: str, instance: Path, patients: int):
    """A migrated hub with ``patients`` paired patients; returns (app, [(token, assignment)])."""
    from smarttouch.platform import create_app
    from smarttouch.platform.storage import migrate
    from smarttouch.platform.testing import hub_config, paired_patients

    migrate.upgrade(url)
    app = create_app(hub_config(instance, url))
    links = paired_patients(app, patients)
    return app, links


def bench_single_ingest(url: str, workdir: Path) -> None:
    from smarttouch.scoring import analyze
    from smarttouch.sensors.recording_io import recording_from_bytes

    app, links = _setup_hub(url, workdir / "hub1", 1)
    token, assignment_id = links[0]
    recordings = _recordings(10.0, INGEST_REPEATS + 1)
    print(
        f"  10-minute session: {len(recording_from_bytes(recordings[0]))} samples, "
        f"{len(recordings[0]) / 2**20:.2f} MiB compressed"
    )
    client = app.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    times = []
    for i, rec in enumerate(recordings):
        body, ctype = _body(assignment_id, rec)
        start = time.perf_counter()
        res = client.post("/api/v1/sessions", data=body, content_type=ctype, headers=headers)
        elapsed = time.perf_counter() - start
        if res.status_code != 201:
            raise RuntimeError(f"upload failed: {res.status_code} {res.get_data(as_text=True)}")
        if i > 0:  # the first one warms caches and the connection pool
            times.append(elapsed)
    t = np.array(times)
    parsed = recording_from_bytes(recordings[0])
    analysis = [time.perf_counter()]
    analyze(parsed, movement="shoulder_flexion")
    analysis.append(time.perf_counter())
    report("ingest 10-min session: median", float(np.median(t)) * 1000, "ms")
    report(
        "ingest 10-min session: p95",
        float(np.percentile(t, 95)) * 1000,
        "ms",
        "<= 250 ms",
        float(np.percentile(t, 95)) <= 0.250,
    )
    report("  of which analyze() alone", (analysis[1] - analysis[0]) * 1000, "ms")
    from smarttouch.platform.storage.db import get_engine

    get_engine(app).dispose()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _start_gunicorn(url: str, instance: Path, port: int) -> subprocess.Popen:
    env = {
        **os.environ,
        "SMARTTOUCH_ENV": "production",
        "SMARTTOUCH_DATABASE_URL": url,
        "SMARTTOUCH_INSTANCE_PATH": str(instance),
        "SMARTTOUCH_SECRET_KEY": "b" * 64,
        "SMARTTOUCH_LOG_LEVEL": "WARNING",
    }
    gunicorn = Path(sys.executable).with_name("gunicorn")
    proc = subprocess.Popen(
        [
            str(gunicorn),
            "-w",
            "2",
            "-b",
            f"127.0.0.1:{port}",
            "--timeout",
            "60",
            "--log-level",
            "warning",
            "smarttouch.platform.wsgi:app",
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    import requests

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if requests.get(f"http://127.0.0.1:{port}/api/v1/openapi.json", timeout=2).ok:
                return proc
        except requests.RequestException:
            time.sleep(0.2)
    proc.kill()
    raise RuntimeError("gunicorn did not start: " + (proc.stderr.read() or b"").decode()[-500:])


def _load_level(
    base: str, jobs: list[tuple[str, bytes, str]], clients: int
) -> tuple[int, float, np.ndarray, int]:
    """Send ``jobs`` from ``clients`` threads until done or LOAD_MAX_S; returns (uploads,
    seconds, latencies, failures)."""
    import requests

    lock = threading.Lock()
    latencies: list[float] = []
    failures = [0]
    queue = list(jobs)
    stop_at = time.monotonic() + LOAD_MAX_S

    def worker() -> None:
        http = requests.Session()
        while time.monotonic() < stop_at:
            with lock:
                if not queue:
                    return
                token, body, ctype = queue.pop()
            start = time.perf_counter()
            res = http.post(
                f"{base}/api/v1/sessions",
                data=body,
                timeout=60,
                headers={"Authorization": f"Bearer {token}", "Content-Type": ctype},
            )
            elapsed = time.perf_counter() - start
            with lock:
                if res.status_code == 201:
                    latencies.append(elapsed)
                else:
                    failures[0] += 1

    threads = [threading.Thread(target=worker) for _ in range(clients)]
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return len(latencies), time.perf_counter() - start, np.array(latencies), failures[0]


def bench_sustained(url: str, workdir: Path) -> None:
    _, links = _setup_hub(url, workdir / "hub2", PATIENTS)
    recordings = _recordings(2.0, LOAD_MAX_UPLOADS)
    print(
        f"  2-minute session: {len(recordings[0]) / 1024:.0f} KiB compressed; "
        f"{PATIENTS} patients; gunicorn -w 2 (sync) on loopback"
    )
    port = _free_port()
    proc = _start_gunicorn(url, workdir / "hub2", port)
    best = 0.0
    try:
        n = 0
        for clients in LOAD_LEVELS:
            jobs = []
            for _ in range(LOAD_MAX_UPLOADS):
                token, assignment_id = links[n % len(links)]
                body, ctype = _body(assignment_id, recordings[n % len(recordings)])
                jobs.append((token, body, ctype))
                n += 1
            shutil.rmtree(workdir / "hub2" / "blobs", ignore_errors=True)  # every blob is new
            done, seconds, lat, failed = _load_level(f"http://127.0.0.1:{port}", jobs, clients)
            rate = done / seconds
            p95 = float(np.percentile(lat, 95)) if len(lat) else float("inf")
            print(
                f"  {clients} client(s): {done} uploads in {seconds:.1f} s, "
                f"{rate:.1f}/s, p50 {np.median(lat) * 1000:.0f} ms, p95 {p95 * 1000:.0f} ms, "
                f"{failed} failed"
            )
            if p95 <= 1.0 and failed == 0:
                best = max(best, rate)
    finally:
        proc.terminate()
        proc.wait(timeout=20)
    report("sustained uploads/s with p95 <= 1 s", best, "/s", ">= 20/s", best >= 20)


def main() -> None:
    workdir = Path(tempfile.mkdtemp(prefix="bench-ingest-"))
    url = _scratch_database()
    on_pg = url is not None
    if url is None:
        url = f"sqlite:///{workdir / 'hub.db'}"
    try:
        print(f"  database: {'PostgreSQL' if on_pg else 'SQLite'}")
        bench_single_ingest(url if not on_pg else url, workdir)
        if on_pg:
            _drop_database()
            url = _scratch_database() or url
        else:
            url = f"sqlite:///{workdir / 'hub2.db'}"
        bench_sustained(url, workdir)
    finally:
        if on_pg:
            _drop_database()
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
