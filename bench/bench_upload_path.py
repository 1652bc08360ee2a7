"""Where a hub's CPU goes on one session upload (issue #16): ``python -m bench upload_path``.

The production configuration of ``python -m bench scale``: PostgreSQL, the Redis job queue
(``SMARTTOUCH_SCORING=queue``; no worker runs, the messages are flushed at the end), the S3
blob store on moto's S3 server (``smarttouch.platform.s3_server``). Sessions are the scale
bench's: distinct 2-minute 100 Hz recordings (about 570 KiB of compressed npz each) with its
metadata, spread over a few paired patients.

1. In this process: ``UPLOADS`` uploads through the hub's WSGI app (a WSGI environ as gunicorn
   hands over, so no test client in between), one after another; the process CPU per upload
   (user + system of every thread, obstore's included) and the share of each part of the
   path, wrapped in place, with the SQL statements per upload. The parts without indent add
   up to the view; what is left over is Flask's and werkzeug's request handling.
   ``SMARTTOUCH_BENCH_PROFILE=path`` writes a cProfile of this phase.
2. Through one gunicorn hub (the scale bench's: one gthread worker process): ``UPLOADS``
   uploads sent one after another over a keep-alive connection; the CPU per upload of the
   hub, the S3 server and the PostgreSQL backends, read from /proc. The hub's figure less
   phase 1's is what the HTTP server adds.

CPU time, not wall time: the machine is shared and other processes do not inflate it much;
the load average is printed with the figures.

PostgreSQL: ``SMARTTOUCH_BENCH_DATABASE_URL`` with a scratch database
``SMARTTOUCH_BENCH_UPLOAD_DB`` (created and dropped). Redis: ``SMARTTOUCH_BENCH_REDIS_URL``
(default ``redis://127.0.0.1:6379/14``; the hub queue's keys there are flushed).
"""

from __future__ import annotations

import io
import os
import sys
import time
from typing import Any

from bench.common import Parts, profiled, report, s3_cluster

PG_BASE = os.environ.get("SMARTTOUCH_BENCH_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
DB_NAME = os.environ.get("SMARTTOUCH_BENCH_UPLOAD_DB", "smarttouch_bench_upload_path")
REDIS_URL = os.environ.get("SMARTTOUCH_BENCH_REDIS_URL", "redis://127.0.0.1:6379/14")
PROFILE = os.environ.get("SMARTTOUCH_BENCH_PROFILE", "")
PATIENTS = 4
WARMUP = 10
UPLOADS = 150


def _environ(token: str, body: bytes, ctype: str) -> dict[str, Any]:
    """The WSGI environ of one upload as gunicorn builds it."""
    return {
        "REQUEST_METHOD": "POST",
        "SCRIPT_NAME": "",
        "PATH_INFO": "/api/v1/sessions",
        "QUERY_STRING": "",
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "8000",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "CONTENT_TYPE": ctype,
        "CONTENT_LENGTH": str(len(body)),
        "HTTP_HOST": "127.0.0.1:8000",
        "HTTP_AUTHORIZATION": f"Bearer {token}",
        "HTTP_USER_AGENT": "smarttouch load generator",
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(body),
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": True,
        "wsgi.multiprocess": False,
        "wsgi.run_once": False,
    }


def _call(app: Any, environ: dict[str, Any]) -> str:
    """Run the app on ``environ`` as a WSGI server does; returns the status line."""
    status: list[str] = []

    def start_response(line: str, _headers: list[Any], _exc: Any = None) -> Any:
        status.append(line)
        return lambda _data: None

    result = app(environ, start_response)
    try:
        for _chunk in result:
            pass
    finally:
        close = getattr(result, "close", None)
        if close is not None:
            close()
    return status[0]


def _wrap_parts(parts: Parts, app: Any) -> None:
    from sqlalchemy.orm import Session

    from smarttouch.platform.api import auth, multipart, routes
    from smarttouch.platform.jobs.queue import HubQueue
    from smarttouch.platform.services import audit
    from smarttouch.platform.services.clinic import ingest
    from smarttouch.platform.storage.blobstore import get_blobstore

    store = type(get_blobstore(app))
    parts.wrap(app.request_class, "get_data", "request body read (get_data)")
    parts.wrap(multipart, "parse", "multipart split")
    parts.wrap(auth, "device_for_token", "device token check (device_for_token)")
    parts.wrap(routes.SessionUpload, "model_validate_json", "metadata (SessionUpload JSON)")
    parts.wrap(routes, "local_today", "local_today")
    parts.wrap(routes, "scoring_enqueuer", "scoring_enqueuer (look-up)")
    parts.wrap(ingest, "ingest_session", "ingest_session")
    parts.wrap(store, "key_for", "  sha256 of the recording")
    parts.wrap(ingest, "_existing", "  retry check (_existing)")  # before the merge: a SELECT
    parts.wrap(ingest, "_check_plan", "  plan check (_check_plan)")  # before the merge: a SELECT
    parts.wrap(ingest, "_lookup", "  retry and plan check (one SELECT)")
    parts.wrap(ingest, "parse_recording", "  parse_recording")
    parts.wrap(ingest, "recording_from_bytes", "    npz decode (recording_from_bytes)")
    parts.wrap(ingest, "session_phases", "  session_phases")
    parts.wrap(ingest, "check_analysable", "  check_analysable")
    parts.wrap(store, "put_new", "  blob write (S3 PUT)")
    parts.wrap(Session, "flush", "  ORM flushes: the INSERTs (some inside the next two)")
    parts.wrap(ingest, "queue_scoring", "  scoring job row")  # before the Core INSERTs: ORM
    parts.wrap(audit, "record", "  audit line")  # before the Core INSERTs: ORM
    parts.wrap(ingest, "session_values", "  session row values")
    parts.wrap(ingest, "_insert_rows", "  the INSERTs (Core): session, job, feelings, audit")
    parts.wrap(ingest, "insert_scoring_job", "    scoring job row")
    parts.wrap(audit, "write", "    audit line")
    parts.wrap(Session, "commit", "  commit (before the Core INSERTs: with the audit line's flush)")
    parts.wrap(HubQueue, "enqueue", "  enqueue (huey message to Redis)")
    parts.wrap(routes, "receipt", "receipt (response model)")
    parts.wrap(routes, "json_ok", "json_ok (response JSON)")


def in_process(app: Any, sends: list[tuple[str, tuple[str, bytes, str]]]) -> float:
    """Phase 1; returns the CPU per upload (s)."""
    from smarttouch.platform.storage.db import get_engine

    for token, (_sid, body, ctype) in sends[:WARMUP]:
        status = _call(app, _environ(token, body, ctype))
        if not status.startswith("201"):
            raise RuntimeError(f"upload refused: {status}")
    environs = [_environ(token, body, ctype) for token, (_sid, body, ctype) in sends[WARMUP:]]
    parts = Parts()
    _wrap_parts(parts, app)
    parts.count_statements(get_engine(app))
    parts.count_gc()
    statuses = []
    start = time.process_time()
    try:
        with profiled(PROFILE, "the in-process uploads"):
            for environ in environs:
                statuses.append(_call(app, environ))
    finally:
        total = time.process_time() - start
        parts.restore()
    refused = [s for s in statuses if not s.startswith("201")]
    if refused:
        raise RuntimeError(f"{len(refused)} uploads refused, e.g. {refused[0]}")
    n = len(environs)
    per = 1000.0 / n
    top = sum(v for k, v in parts.cpu.items() if not k.startswith(" "))
    print(f"  in this process, {n} uploads through the hub's WSGI app, one after another:")
    report("CPU per upload, the WSGI app in process", total * per, "ms")
    for label, seconds in parts.cpu.items():
        if seconds:
            report(f"  {label}", seconds * per, "ms")
    report("  the rest (Flask, werkzeug, hooks, routing)", (total - top) * per, "ms")
    report("  SQL statements per upload", parts.statements / n, "")
    print(f"  load average {os.getloadavg()[0]:.2f}")
    return total / n


def through_gunicorn(cluster: Any, s3: Any, sends: list[tuple[str, tuple[str, bytes, str]]]) -> None:
    """Phase 2 (see the module docstring)."""
    from smarttouch.platform.testcluster import LoopbackHttp, process_cpu_seconds, processes_named, upload

    cluster.start("hub0")
    hubs = cluster.hub_urls()
    http = LoopbackHttp()
    for token, body in sends[:WARMUP]:
        upload(http, hubs, 0, token, body)

    def now() -> dict[str, float]:
        return {
            "hub (gunicorn, one gthread worker)": cluster.cpu_seconds("hub0"),
            "S3 server (moto's, on waitress)": process_cpu_seconds(s3.process.pid),
            "PostgreSQL backends": sum(process_cpu_seconds(p) for p in processes_named(f" {DB_NAME} ")),
        }

    measured = sends[WARMUP:]
    before = now()
    for token, body in measured:
        upload(http, hubs, 0, token, body)
    after = now()
    per = 1000.0 / len(measured)
    print(f"  through one gunicorn hub, {len(measured)} uploads one after another (keep-alive):")
    for key in after:
        report(f"CPU per upload, {key}", (after[key] - before[key]) * per, "ms")
    cluster.stop("hub0")
    print(f"  load average {os.getloadavg()[0]:.2f}")


def main() -> None:
    from smarttouch.platform import create_app
    from smarttouch.platform.jobs.queue import HubQueue
    from smarttouch.platform.storage.db import get_engine
    from smarttouch.platform.testcluster import synthetic_recordings, upload_body

    with s3_cluster(PG_BASE, DB_NAME, REDIS_URL, prefix="bench-upload-path-", hubs=1, workers=0) as stack:
        if stack is None:
            return
        cluster, s3, _url = stack
        links, _ = cluster.prepare(PATIENTS)
        count = 2 * (WARMUP + UPLOADS)
        recordings = synthetic_recordings(2.0, count)
        sends = [
            (links[i % PATIENTS].token, upload_body(links[i % PATIENTS].assignment_id, rec))
            for i, rec in enumerate(recordings)
        ]
        print(
            f"  {count} distinct 2-minute 100 Hz recordings of {len(recordings[0]) / 1024:.0f} KiB; "
            f"{PATIENTS} patients; blob store S3 (moto's S3 server); queue Redis"
        )
        # the hub's production configuration (the cluster's set-up app is a testing one)
        app = create_app({**cluster.app_config(), "ENV": "production", "SCORING": "queue"})
        half = WARMUP + UPLOADS
        in_process(app, sends[:half])
        get_engine(app).dispose()
        through_gunicorn(cluster, s3, sends[half:])
        HubQueue(app).huey.flush()


if __name__ == "__main__":
    main()
