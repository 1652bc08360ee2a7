"""A hub deployment of real processes on this machine, for the multi-process test and the
scale benchmark (``python -m bench scale``). Nothing in the app imports it.

:class:`LocalCluster` runs N ``gunicorn`` hub processes on N loopback ports and K
``smarttouch worker`` processes, all sharing one PostgreSQL database, one Redis (the job
queue) and one blob store (S3-compatible object storage, or a shared folder). Each process is
the leader of its own process group, so :meth:`LocalCluster.kill` SIGKILLs a hub (gunicorn's
master and its workers) or a worker at once, as a crash would, and :meth:`LocalCluster.start`
brings it back on the same port. :func:`upload` is the patient client's contract in a few
lines: the same session UUID is sent again (to the other hub) until one answers 200/201.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from .testing import TEST_PASSWORD, free_port

HOST = "127.0.0.1"


@dataclass
class Proc:
    """One process of the cluster: its command, environment and log file."""

    name: str
    argv: list[str]
    env: dict[str, str]
    log: Path
    port: int | None = None
    popen: subprocess.Popen[bytes] | None = None
    starts: int = 0

    @property
    def pid(self) -> int | None:
        return self.popen.pid if self.popen is not None else None

    def alive(self) -> bool:
        return self.popen is not None and self.popen.poll() is None


@dataclass
class Link:
    """A paired patient: the device token and the assignment its sessions belong to."""

    token: str
    assignment_id: int


@dataclass
class LocalCluster:
    """See the module docstring.

    Args:
        workdir: instance folders and logs (one instance folder per process, as on
            separate machines; the blob store is shared through ``blob_url``).
        database_url: a PostgreSQL database for this cluster alone (emptied by :meth:`prepare`).
        redis_url: the queue's Redis (its hub queue is flushed by :meth:`prepare`).
        blob_url: ``s3://bucket/prefix`` or ``file:///shared/folder``.
        env: extra environment for every process (e.g. ``AWS_*`` for the S3 server).
        hubs, workers: how many of each.
        hub_threads: threads of each hub's one gunicorn worker process (gthread).
        lease_s: the workers' lease (a killed worker's job is retried after this long).
    """

    workdir: Path
    database_url: str
    redis_url: str
    blob_url: str
    env: dict[str, str] = field(default_factory=dict)
    hubs: int = 2
    workers: int = 2
    hub_threads: int = 4
    lease_s: float = 3.0
    procs: dict[str, Proc] = field(default_factory=dict)

    # ------------------------------------------------------------------ set-up
    def _env(self, instance: Path) -> dict[str, str]:
        keep = {k: v for k, v in os.environ.items() if not k.startswith("SMARTTOUCH_")}
        return {
            **keep,
            **self.env,
            "SMARTTOUCH_ENV": "production",
            "SMARTTOUCH_SECURE_COOKIES": "false",  # plain HTTP on loopback
            "SMARTTOUCH_SECRET_KEY": "cluster-secret-" + "k" * 40,
            "SMARTTOUCH_DATABASE_URL": self.database_url,
            "SMARTTOUCH_REDIS_URL": self.redis_url,
            "SMARTTOUCH_BLOB_URL": self.blob_url,
            "SMARTTOUCH_INSTANCE_PATH": str(instance),
            "SMARTTOUCH_SCORING": "queue",
            "SMARTTOUCH_LOG_LEVEL": "WARNING",
            "PYTHONUNBUFFERED": "1",
        }

    def app_config(self) -> dict[str, Any]:
        """The configuration of an app in this process on the cluster's database, queue and
        blob store (set-up, or a load generator calling the hub's views in-process)."""
        env = self._env(self.workdir / "setup")
        config: dict[str, Any] = {
            k.removeprefix("SMARTTOUCH_"): v for k, v in env.items() if k.startswith("SMARTTOUCH_")
        }
        config.update(ENV="testing", SECURE_COOKIES=False)  # hashes verify with their own parameters
        return config

    def prepare(self, patients: int) -> tuple[list[Link], str]:
        """Migrate the (empty) database, flush the hub's queue, create a therapist and
        ``patients`` paired patients; returns their links and the therapist's e-mail."""

        from . import create_app
        from .jobs.queue import HubQueue
        from .storage import migrate
        from .storage.db import get_engine
        from .testing import Factories, paired_patients

        self.workdir.mkdir(parents=True, exist_ok=True)
        migrate.upgrade(self.database_url)
        app = create_app(self.app_config())
        HubQueue(app).huey.flush()  # messages of an earlier run name rows of another database
        therapist = Factories(app).user("therapist")
        links = [Link(token, plan) for token, plan in paired_patients(app, patients, therapist=therapist)]
        get_engine(app).dispose()
        bin_dir = Path(sys.executable).parent
        for i in range(self.hubs):
            port = free_port(HOST)
            self.procs[f"hub{i}"] = Proc(
                f"hub{i}",
                [
                    str(bin_dir / "gunicorn"),
                    "-w",
                    "1",
                    "-k",
                    "gthread",
                    "--threads",
                    str(self.hub_threads),
                    "-b",
                    f"{HOST}:{port}",
                    "--timeout",
                    "60",
                    "--log-level",
                    "warning",
                    "smarttouch.platform.wsgi:app",
                ],
                self._env(self.workdir / f"hub{i}"),
                self.workdir / f"hub{i}.log",
                port=port,
            )
        for i in range(self.workers):
            self.procs[f"worker{i}"] = Proc(
                f"worker{i}",
                [
                    str(bin_dir / "smarttouch"),
                    "worker",
                    "--jobs",
                    "scoring",  # all these workers do; bubblewrap is not needed for it
                    "--workers",
                    "1",
                    "--lease-seconds",
                    str(self.lease_s),
                ],
                self._env(self.workdir / f"worker{i}"),
                self.workdir / f"worker{i}.log",
            )
        return links, therapist.email

    # ------------------------------------------------------------------ processes
    def hub_urls(self) -> list[str]:
        return [f"http://{HOST}:{p.port}" for name, p in sorted(self.procs.items()) if name.startswith("hub")]

    def start(self, name: str, *, wait: bool = True) -> Proc:
        """Start (or restart) process ``name``; a hub is waited for until it answers."""
        proc = self.procs[name]
        if proc.alive():
            return proc
        with proc.log.open("ab") as log:
            proc.popen = subprocess.Popen(
                proc.argv,
                env=proc.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )
        proc.starts += 1
        if wait and proc.port is not None:
            self._wait_hub(proc)
        if wait and proc.port is None:
            self._wait_log(proc, "hub worker ")
        return proc

    def start_all(self) -> None:
        for name in sorted(self.procs):
            self.start(name, wait=False)
        for name in sorted(self.procs):
            proc = self.procs[name]
            if proc.port is not None:
                self._wait_hub(proc)
            else:
                self._wait_log(proc, "hub worker ")

    def _wait_hub(self, proc: Proc, timeout: float = 90.0) -> None:
        import requests

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not proc.alive():
                raise RuntimeError(f"{proc.name} exited: {self.tail(proc.name)}")
            try:
                if requests.get(f"http://{HOST}:{proc.port}/api/v1/openapi.json", timeout=2).ok:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"{proc.name} did not answer in {timeout:.0f} s: {self.tail(proc.name)}")

    def _wait_log(self, proc: Proc, marker: str, timeout: float = 90.0) -> None:
        """Wait until the ``starts``-th occurrence of ``marker`` is in the process's log."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not proc.alive():
                raise RuntimeError(f"{proc.name} exited: {self.tail(proc.name)}")
            if proc.log.read_text(errors="replace").count(marker) >= proc.starts:
                return
            time.sleep(0.2)
        raise RuntimeError(f"{proc.name} did not start in {timeout:.0f} s: {self.tail(proc.name)}")

    def tail(self, name: str, chars: int = 2000) -> str:
        log = self.procs[name].log
        return log.read_text(errors="replace")[-chars:] if log.exists() else ""

    def kill(self, name: str) -> None:
        """SIGKILL process ``name`` and all its children (a crash: nothing runs its clean-up)."""
        proc = self.procs[name]
        if proc.popen is None:
            return
        try:
            os.killpg(proc.popen.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        proc.popen.wait(timeout=30)

    def stop(self, name: str, timeout: float = 30.0) -> None:
        """Stop process ``name`` gracefully: SIGINT, which a huey consumer takes as "finish
        the running jobs, then exit" (its SIGTERM abandons them to the lease), and gunicorn
        as a shutdown; SIGKILL if it is still there after ``timeout`` s."""
        proc = self.procs[name]
        if not proc.alive() or proc.popen is None:
            return
        try:
            os.killpg(proc.popen.pid, signal.SIGINT)
            proc.popen.wait(timeout=timeout)
        except ProcessLookupError:
            pass
        except subprocess.TimeoutExpired:
            self.kill(name)

    def stop_all(self) -> None:
        """SIGTERM every process group, then SIGKILL what is left after 20 s."""
        for proc in self.procs.values():
            if proc.alive() and proc.popen is not None:
                try:
                    os.killpg(proc.popen.pid, signal.SIGTERM)
                except ProcessLookupError:
                    pass
        deadline = time.monotonic() + 20
        for proc in self.procs.values():
            if proc.popen is None:
                continue
            try:
                proc.popen.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                self.kill(proc.name)

    def group_pids(self, name: str) -> list[int]:
        """The live processes of ``name``'s process group (gunicorn: master and workers)."""
        proc = self.procs[name]
        if not proc.alive() or proc.popen is None:
            return []
        pgid = proc.popen.pid
        pids = []
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            fields = stat[stat.rindex(")") + 2 :].split()
            if int(fields[2]) == pgid:  # fields after the name: state, ppid, pgrp, ...
                pids.append(int(entry.name))
        return pids

    def cpu_seconds(self, name: str) -> float:
        """CPU time (user + system, s) used so far by the live processes of ``name``."""
        return sum(process_cpu_seconds(pid) for pid in self.group_pids(name))

    def rss_mib(self, name: str) -> float:
        """The largest current resident set (``VmRSS``) of any live process of ``name``, MiB."""
        return self._status_kib(name, "VmRSS") / 1024

    def _status_kib(self, name: str, field_name: str) -> int:
        peak = 0
        for pid in self.group_pids(name):
            try:
                status = Path(f"/proc/{pid}/status").read_text()
            except OSError:
                continue
            match = re.search(rf"^{field_name}:\s+(\d+) kB", status, flags=re.M)
            if match:
                peak = max(peak, int(match.group(1)))
        return peak

    def peak_rss_mib(self, name: str) -> float:
        """The largest peak resident set (``VmHWM``) of any live process of ``name``, MiB."""
        return self._status_kib(name, "VmHWM") / 1024


def process_cpu_seconds(pid: int) -> float:
    """CPU time (user + system, s) process ``pid`` used so far; 0 when it is gone."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return 0.0
    fields = stat[stat.rindex(")") + 2 :].split()  # after the name: state, ppid, ...
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def processes_named(fragment: str) -> list[int]:
    """Processes whose command line contains ``fragment`` (e.g. the PostgreSQL backends
    serving one database: their title names it)."""
    needle = fragment.encode()
    pids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if needle in (entry / "cmdline").read_bytes():
                pids.append(int(entry.name))
        except OSError:
            continue
    return pids


# ------------------------------------------------------------------ the client's side
def upload_body(
    assignment_id: int, recording: bytes, session_id: str | None = None, started_at: datetime | None = None
) -> tuple[str, bytes, str]:
    """``(session_id, multipart body, content type)`` of one upload of ``recording``, started
    at ``started_at`` (aware; default now)."""
    sid = session_id or str(uuid.uuid4())
    boundary = uuid.uuid4().hex
    meta = json.dumps(
        {
            "session_id": sid,
            "assignment_id": assignment_id,
            "game": "balloons",
            "movement": "shoulder_flexion",
            "started_at": (started_at or datetime.now(UTC)).isoformat(),
            "quit_reason": "completed",
            "reps": 10,
            "sample_rate_hz": 100.0,
            "client": "smarttouch load generator (synthetic)",
        }
    ).encode()
    body = b"".join(
        [
            f'--{boundary}\r\nContent-Disposition: form-data; name="metadata"; '
            f'filename="metadata.json"\r\nContent-Type: application/json\r\n\r\n'.encode(),
            meta,
            f'\r\n--{boundary}\r\nContent-Disposition: form-data; name="recording"; '
            f'filename="recording.npz"\r\nContent-Type: application/octet-stream\r\n\r\n'.encode(),
            recording,
            f"\r\n--{boundary}--\r\n".encode(),
        ]
    )
    return sid, body, f"multipart/form-data; boundary={boundary}"


@dataclass
class UploadResult:
    """How one session's upload went: the answer that stored it, how long that attempt took
    (s), how many attempts failed first (and why), and when it was accepted (monotonic s)."""

    session_id: str
    status: int
    latency_s: float
    failed_attempts: int
    accepted_at: float
    hub: str
    failures: list[str] = field(default_factory=list)


@dataclass
class Answer:
    """An HTTP answer's status and text (the part of ``requests.Response`` :func:`upload` reads)."""

    status_code: int
    text: str


class LoopbackHttp:
    """A lean keep-alive HTTP/1.1 client for load generators (one per thread): one
    ``http.client`` connection per hub, reopened after any failure. ``requests`` spends about
    a millisecond of CPU per upload in its own layers, and a load generator shares the
    cores it measures. Connection failures raise ``OSError`` or ``http.client.HTTPException``
    (what :func:`upload` treats as a failed attempt)."""

    def __init__(self) -> None:
        self.connections: dict[str, Any] = {}

    def post(self, url: str, *, data: bytes, headers: dict[str, str], timeout: float) -> Answer:
        import http.client
        from urllib.parse import urlsplit

        parts = urlsplit(url)
        conn = self.connections.get(parts.netloc)
        if conn is None:
            conn = self.connections[parts.netloc] = http.client.HTTPConnection(parts.netloc, timeout=timeout)
        try:
            conn.request("POST", parts.path, body=data, headers=headers)
            response = conn.getresponse()
            text = response.read().decode("utf-8", "replace")
        except BaseException:
            conn.close()
            del self.connections[parts.netloc]
            raise
        if response.will_close:
            conn.close()
            del self.connections[parts.netloc]
        return Answer(response.status, text)


def upload(
    http: Any,
    hubs: list[str],
    first: int,
    token: str,
    body: tuple[str, bytes, str],
    *,
    give_up_after_s: float = 60.0,
) -> UploadResult:
    """Send one session until a hub stores it (201) or says it has it (200), starting with
    ``hubs[first]`` and moving to the next hub after a failed attempt (connection refused or
    reset, a 5xx): what the patient client's outbox does, with the same session UUID.

    ``http``: a :class:`LoopbackHttp` or a ``requests.Session``.

    Raises:
        RuntimeError: a 4xx answer (the upload is wrong), or no hub stored it in time.
    """
    from http.client import HTTPException

    import requests

    sid, data, ctype = body
    headers = {"Authorization": f"Bearer {token}", "Content-Type": ctype}
    failures: list[str] = []
    deadline = time.monotonic() + give_up_after_s
    i = first
    while time.monotonic() < deadline:
        base = hubs[i % len(hubs)]
        start = time.perf_counter()
        try:
            res = http.post(f"{base}/api/v1/sessions", data=data, headers=headers, timeout=30)
        except (requests.RequestException, OSError, HTTPException) as exc:
            failures.append(f"{base}: {type(exc).__name__}")
            i += 1
            time.sleep(0.05)
            continue
        elapsed = time.perf_counter() - start
        if res.status_code in (200, 201):
            return UploadResult(
                sid, res.status_code, elapsed, len(failures), time.monotonic(), base, failures
            )
        if 400 <= res.status_code < 500:
            raise RuntimeError(f"session {sid}: {res.status_code} {res.text[:300]}")
        failures.append(f"{base}: HTTP {res.status_code}")
        i += 1
        time.sleep(0.05)
    raise RuntimeError(f"session {sid}: no hub stored it in {give_up_after_s:.0f} s")


def login(http: Any, base: str, email: str, password: str = TEST_PASSWORD) -> None:
    """Sign ``http`` (a requests session) in at hub ``base`` through the login form."""
    page = http.get(f"{base}/login", timeout=30).text
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
    if match is None:
        raise RuntimeError(f"no login form at {base}")
    res = http.post(
        f"{base}/login",
        data={"email": email, "password": password, "csrf_token": match.group(1)},
        allow_redirects=False,
        timeout=30,
    )
    if res.status_code != 302:
        raise RuntimeError(f"login at {base} failed: {res.status_code}")


def synthetic_recordings(minutes: float, count: int, seed: int = 7) -> list[bytes]:
    """``count`` distinct encodings (so distinct blobs) of one simulated 100 Hz session of
    ``minutes`` minutes (the sensors room's simulator; labelled synthetic)."""
    from smarttouch.sensors.recording_io import recording_to_bytes
    from smarttouch.sensors.simulator import simulate

    reps = max(2, int(minutes * 60 / 4.0))
    rec = simulate(
        "shoulder_flexion", reps=reps, rom_deg=85.0, tempo_s=3.0, pause_s=1.0, fs=100.0, seed=seed
    ).recording
    out = []
    for i in range(count):
        rec.labels = {"synthetic": True, "variant": i}
        out.append(recording_to_bytes(rec))
    return out


__all__ = [
    "Link",
    "LocalCluster",
    "Proc",
    "UploadResult",
    "login",
    "process_cpu_seconds",
    "processes_named",
    "synthetic_recordings",
    "upload",
    "upload_body",
]
