"""Peak memory of one session upload on the hub, hostile or legal (issue 13, item 4).

The target: no upload may raise the hub's peak RSS by more than 4x the largest legal recording
(1e6 samples x 14 float64 columns plus the longest metadata: ``upload.MAX_UNCOMPRESSED_BYTES``,
~111 MiB). Each case runs in a fresh Python process on a migrated SQLite hub (Flask test
client, the real multipart parsing, ingest, blob store): the process uploads one small valid
session first (imports, caches), resets its peak-RSS counter (``/proc/self/clear_refs`` = 5,
Linux) and reads ``VmHWM`` after the case; the figure is peak minus the RSS just before.

Cases:
* ``probe-150MiB``: the probe of the issue, a ~150 KB npz whose ``t.npy`` is 150 MiB of zeros.
* ``probe-100MiB``: the same under the zip-size limit (refused by its ``.npy`` header).
* ``complex``: a normal recording with ``t`` as complex128.
* ``16x probe`` at once (16 threads), the issue's 2.4 GB case.
* ``largest legal``: 1e6 samples at 200 Hz of every column (t, acc, gyr, mag, quat) at a
  16-bit sensor's resolution (~27 MiB on the wire, under the API's 32 MiB), parsed, validated,
  analysed and stored.
* ``1 h at 100 Hz``: 360,000 samples of t, acc, gyr, a long real session.
"""

from __future__ import annotations

import io
import json
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

import numpy as np

from bench.common import report

MiB = 2**20


def _rss_kib(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise RuntimeError(f"{field} missing from /proc/self/status")


def _npz(arrays: dict[str, np.ndarray], rate_hz: float) -> bytes:
    buf = io.BytesIO()
    np.savez_compressed(buf, meta=np.array(json.dumps({"sample_rate_hz": rate_hz})), **arrays)
    return buf.getvalue()


def _quantised(values: np.ndarray, step: float) -> np.ndarray:
    return np.round(values / step) * step


def _long_recording(samples: int, rate_hz: float, full: bool) -> bytes:
    """``samples`` of simulated shoulder flexion at ``rate_hz``, a 60 s simulation repeated
    (continuous time), at a 16-bit sensor's resolution (acc 1/4096 g at +-8 g, gyr 1/16.4 deg/s
    at +-2000 deg/s, as an MPU-6050-class IMU reports); ``full`` adds magnetometer (0.15 uT)
    and quaternion (2^-14) columns."""
    from smarttouch.sensors.simulator import simulate

    rec = simulate("shoulder_flexion", reps=12, rom_deg=80.0, tempo_s=3.0, pause_s=1.0, fs=rate_hz).recording
    reps = -(-samples // len(rec.t))
    arrays = {
        "t": np.arange(samples) / rate_hz,
        "acc": _quantised(np.tile(rec.acc, (reps, 1))[:samples], 1 / 4096),
        "gyr": _quantised(np.tile(rec.gyr, (reps, 1))[:samples], 1 / 16.4),
    }
    if full:
        rng = np.random.default_rng(1)
        arrays["mag"] = _quantised(np.array([20.0, 0.0, -40.0]) + rng.normal(0, 0.5, (samples, 3)), 0.15)
        quat = rng.normal(0, 1, (samples, 4))
        arrays["quat"] = _quantised(quat / np.linalg.norm(quat, axis=1, keepdims=True), 2**-14)
    return _npz(arrays, rate_hz)


def _case_bodies(case: str) -> tuple[list[bytes], float, int]:
    """(recordings to upload at once, declared rate, body limit in bytes)."""
    from smarttouch.platform.api.routes import MAX_UPLOAD_BYTES

    small = np.zeros((2, 3))
    if case.startswith("probe"):
        mib = 150 if case == "probe-150MiB" else 100
        body = _npz({"t": np.zeros(mib * MiB // 8), "acc": small, "gyr": small}, 100.0)
        return [body] * (16 if case.endswith("x16") else 1), 100.0, MAX_UPLOAD_BYTES
    if case == "complex":
        n = 2000
        t = (np.arange(n) / 100.0).astype(np.complex128)
        return (
            [_npz({"t": t, "acc": np.zeros((n, 3)), "gyr": np.zeros((n, 3))}, 100.0)],
            100.0,
            MAX_UPLOAD_BYTES,
        )
    if case == "largest-legal":
        return [_long_recording(1_000_000, 200.0, full=True)], 200.0, MAX_UPLOAD_BYTES
    if case == "1h-100Hz":
        return [_long_recording(360_000, 100.0, full=False)], 100.0, MAX_UPLOAD_BYTES
    raise ValueError(case)


def child(case: str) -> None:
    """Run one case in this (fresh) process; print JSON with the figures."""
    import uuid
    from datetime import UTC, datetime, timedelta

    from sqlmodel import Session

    from smarttouch.platform import create_app
    from smarttouch.platform.services.clinic import catalogue, devices
    from smarttouch.platform.storage import migrate
    from smarttouch.platform.storage.db import get_engine
    from smarttouch.platform.testing import Factories, hub_config

    bodies, rate, limit = _case_bodies(case)
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/hub.db"
        migrate.upgrade(url)
        app = create_app(hub_config(Path(tmp) / "instance", url, API_MAX_UPLOAD_BYTES=limit))
        with Session(get_engine(app)) as s:
            catalogue.ensure_builtin_activities(s)
        factories = Factories(app)
        therapist = factories.user("therapist")
        patient = factories.patient(therapist)
        assignment = factories.assignment(patient, movement="shoulder_flexion", target_rom_deg=80.0)
        with Session(get_engine(app)) as s:
            code, _ = devices.create_pairing_code(s, actor=therapist, patient_id=patient.id)
            token, _ = devices.exchange_pairing_code(s, code=code)

        def post(recording: bytes, statuses: list, rate: float = rate) -> None:
            started = datetime.now(UTC) - timedelta(hours=3)
            meta = {
                "session_id": str(uuid.uuid4()),
                "assignment_id": assignment.id,
                "game": "balloons",
                "movement": "shoulder_flexion",
                "started_at": started.isoformat(),
                "sample_rate_hz": rate,
            }
            res = app.test_client().post(
                "/api/v1/sessions",
                data={
                    "metadata": json.dumps(meta),
                    "recording": (io.BytesIO(recording), "r.npz", "application/octet-stream"),
                },
                headers={"Authorization": f"Bearer {token}"},
                content_type="multipart/form-data",
            )
            statuses.append(res.status_code)
            if res.status_code >= 400:
                statuses.append(res.get_json()["error"]["message"])

        warm: list = []
        post(_long_recording(3000, 100.0, full=False), warm, 100.0)
        assert warm == [201], warm
        Path("/proc/self/clear_refs").write_text("5")
        before = _rss_kib("VmRSS")
        statuses: list = []
        threads = [threading.Thread(target=post, args=(b, statuses)) for b in bodies]
        for th in threads:
            th.start()
        for th in threads:
            th.join()
        peak = _rss_kib("VmHWM")
    print(
        json.dumps(
            {
                "case": case,
                "uploads": len(bodies),
                "wire_bytes": len(bodies[0]),
                "rise_mib": (peak - before) / 1024,
                "statuses": statuses[:2],
            }
        )
    )


def _run(case: str) -> dict:
    out = subprocess.run(
        [sys.executable, "-m", "bench.bench_upload_safety", case],
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(__file__).resolve().parents[1],
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    from smarttouch.platform.services.clinic.upload import MAX_UNCOMPRESSED_BYTES

    budget = 4 * MAX_UNCOMPRESSED_BYTES / MiB
    print(
        f"  largest legal recording {MAX_UNCOMPRESSED_BYTES / MiB:.1f} MiB; budget per upload {budget:.0f} MiB"
    )
    for case in ("probe-150MiB", "probe-100MiB", "probe-100MiB-x16", "complex", "1h-100Hz", "largest-legal"):
        figures = _run(case)
        label = f"{case}: {figures['uploads']} x {figures['wire_bytes'] / 1024:.0f} KiB -> {figures['statuses'][0]}"
        report(label, figures["rise_mib"], "MiB", f"< {budget:.0f} MiB", figures["rise_mib"] < budget)
        if figures["statuses"][0] != 201:
            print(f"    {figures['statuses'][1]}")


if __name__ == "__main__":
    if len(sys.argv) > 1:
        child(sys.argv[1])
    else:
        main()
