"""A fixed corpus of analyses whose results must not change when the analysis is only made
faster: ``python -m tests.scoring.analysis_corpus write|check|dump FILE``.

Every case is a recording (simulated, hand-made or real) with the arguments ``analyze`` gets;
its result is the canonical JSON of ``analyze(...).to_dict()`` plus the bytes of the per-sample
trace (or the ValueError's message), and its digest is that text's SHA-256. ``write`` stores
the digests of the code checked out, ``check`` compares the code checked out with stored
digests and names the cases that differ, ``dump`` writes every case's full result (JSON lines,
to diff two versions case by case).

The cases: 85 simulated sessions (every movement, rates 50-200 Hz, tremor, jerky strokes, bias,
magnetometer, 2-minute 100 Hz sessions like a game's), some again with a calibration (the
recording's own axis, or one 90 deg off) or play spans; hand-made edge cases (a few samples,
flat, noise only, gaps, jittered clock, clipping, holds, fidgets, impacts, starts and ends in
motion, invalid input); and, when the development set is there (``bench.bench_validity``'s
``data_path``), six views of each of its 80 real recordings (whole, first 4 s cut, the three
sets, whole with the sets as play spans, whole with a calibration).

Floating-point results depend on the numpy, SciPy and VQF builds and on the CPU features numpy
dispatches to, so stored digests are compared only where those match (:func:`environment`).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

from smarttouch.scoring.analysis import analyze
from smarttouch.scoring.calibration import Calibration
from smarttouch.sensors.simulator import MOVEMENTS, simulate
from smarttouch.sensors.types import Recording
from tests.scoring.simcases import varied_case
from tests.scoring.synth import Profile, imu_from_angles

Kwargs = dict[str, Any]
Case = tuple[str, Callable[[], tuple[Recording, Kwargs]]]


def environment() -> dict[str, Any]:
    """What the digests depend on besides the code: library versions and numpy's CPU dispatch."""
    from importlib.metadata import version

    from numpy._core._multiarray_umath import __cpu_features__  # type: ignore[attr-defined]

    return {
        **{name: version(name) for name in ("numpy", "scipy", "vqf")},
        "cpu": sorted(k for k, v in __cpu_features__.items() if v),
    }


def result_text(rec: Recording, kwargs: Kwargs) -> str:
    """The canonical text of one analysis: its dict and its trace's bytes, or its error."""
    try:
        m = analyze(rec, **kwargs)
    except ValueError as exc:
        return f"ValueError: {exc}"
    trace = hashlib.sha256()
    for key in sorted(m.trace or {}):
        arr = np.ascontiguousarray((m.trace or {})[key])
        trace.update(f"{key}{arr.dtype}{arr.shape}".encode())
        trace.update(arr.tobytes())
    return json.dumps({"result": m.to_dict(), "trace": trace.hexdigest()}, sort_keys=True, default=repr)


# ------------------------------------------------------------------ simulated sessions
def _simulated() -> Iterator[Case]:
    for seed in range(64):
        yield f"sim/varied/{seed}", lambda seed=seed: _varied(seed)
    presets: dict[str, Kwargs] = {
        "easy": dict(reps=20, rom_deg=60.0, tempo_s=4.0, pause_s=2.0),
        "game": dict(reps=30, rom_deg=85.0, tempo_s=3.0, pause_s=1.0),
        "hard": dict(
            reps=40, rom_deg=110.0, tempo_s=2.0, pause_s=0.5, submovements=3, tremor_hz=5.0, tremor_deg=1.5
        ),
    }
    for i, movement in enumerate(MOVEMENTS):
        for name, preset in presets.items():
            extra = dict(with_mag=True, gyr_bias_dps=0.8) if (i + len(name)) % 2 else {}
            kw = {**preset, **extra, "fs": 100.0, "seed": 7 + i}
            yield (
                f"sim/{movement}/{name}",
                lambda m=movement, kw=kw: (simulate(m, **kw).recording, {"movement": m}),
            )
    for seed in range(0, 64, 4):
        yield f"sim/varied/{seed}/own-calibration", lambda seed=seed: _calibrated(seed, off=False)
        yield f"sim/varied/{seed + 1}/off-calibration", lambda seed=seed: _calibrated(seed + 1, off=True)
        yield f"sim/varied/{seed + 2}/spans", lambda seed=seed: _spans(seed + 2)


def _varied(seed: int) -> tuple[Recording, Kwargs]:
    case = varied_case(seed)
    return case.recording, {"movement": case.analysis_movement}


def _calibrated(seed: int, off: bool) -> tuple[Recording, Kwargs]:
    rec, kwargs = _varied(seed)
    cal = analyze(rec, **kwargs).calibration
    if off:  # an axis at right angles to the recording's: not used, a quality warning
        axis = np.asarray(cal["axis"])
        cal["axis"] = list(np.cross(axis, [0.0, 0.0, 1.0] if abs(axis[2]) < 0.9 else [1.0, 0.0, 0.0]))
    return rec, {**kwargs, "calibration": Calibration.from_dict(cal)}


def _spans(seed: int) -> tuple[Recording, Kwargs]:
    rec, kwargs = _varied(seed)
    t0, t1 = float(rec.t[0]), float(rec.t[-1])
    d = t1 - t0
    spans = [(t0 + 0.05 * d, t0 + 0.4 * d), (t0 + 0.45 * d, t0 + 0.7 * d), (t0 + 0.75 * d, t1 + 0.2)]
    return rec, {**kwargs, "play_spans": spans}


# ------------------------------------------------------------------ hand-made cases
def _noise(n: int, fs: float, seed: int, gyr_dps: float = 0.3, acc_g: float = 0.005) -> Recording:
    rng = np.random.default_rng(seed)
    acc = np.array([0.0, 0.0, 1.0]) + rng.normal(0.0, acc_g, (n, 3))
    return Recording(np.arange(n) / fs, acc, rng.normal(0.0, gyr_dps, (n, 3)), sample_rate_hz=fs)


def _reps(fs: float = 100.0, reps: int = 8, seed: int = 0) -> Recording:
    p = Profile(fs).rest(3.0)
    for k in range(reps):
        p.rep(50.0 + 5.0 * (k % 3), 2.5, rest_s=1.0)
    return p.recording(seed=seed)


def _edit(rec: Recording, **changes: Any) -> Recording:
    return replace(rec, **changes)


def _handmade() -> Iterator[Case]:
    none: Kwargs = {}
    for n in (2, 3, 5, 10, 30, 100, 400):
        yield f"edge/noise/{n}", lambda n=n: (_noise(n, 100.0, n), none)
    for fs in (25.0, 50.0, 100.0, 200.0, 400.0):
        yield f"edge/reps/{fs:g}Hz", lambda fs=fs: (_reps(fs), none)
    yield (
        "edge/flat",
        lambda: (
            Recording(np.arange(1000) / 100.0, np.tile([0.0, 0.0, 1.0], (1000, 1)), np.zeros((1000, 3))),
            none,
        ),
    )
    yield "edge/noise-only/loud", lambda: (_noise(3000, 100.0, 5, gyr_dps=8.0, acc_g=0.05), none)

    def gaps() -> tuple[Recording, Kwargs]:
        rec = _reps()
        keep = np.ones(len(rec), dtype=bool)
        keep[700:820] = keep[1500:1510] = keep[2300:2600] = False
        return Recording(rec.t[keep], rec.acc[keep], rec.gyr[keep], sample_rate_hz=100.0), none

    yield "edge/gaps", gaps

    def jitter() -> tuple[Recording, Kwargs]:
        rec = _reps(seed=3)
        t = rec.t + np.random.default_rng(3).uniform(0.0, 0.004, len(rec))
        return _edit(rec, t=np.maximum.accumulate(t) + np.arange(len(t)) * 1e-9), none

    yield "edge/jittered-clock", jitter
    yield "edge/rate-mismatch", lambda: (_edit(_reps(), sample_rate_hz=120.0), none)

    def clipped() -> tuple[Recording, Kwargs]:
        rec = _reps(seed=4)
        return _edit(
            rec, gyr=np.clip(rec.gyr * 4.0, -250.0, 250.0), acc=np.clip(rec.acc * 3.0, -2.0, 2.0)
        ), none

    yield "edge/clipped", clipped
    yield (
        "edge/holds",
        lambda: (
            Profile(100.0)
            .rest(3.0)
            .rep(70.0, 3.0, hold_s=3.0, wobble_deg=6.0)
            .rep(70.0, 3.0, hold_s=1.0)
            .rep(65.0, 2.0)
            .recording(seed=1),
            none,
        ),
    )
    yield (
        "edge/fidgets",
        lambda: (
            Profile(50.0)
            .rest(2.0)
            .rep(60.0, 3.0)
            .fidget(10.0, 6.0, 10.0, seed=2)
            .rep(60.0, 3.0)
            .rep(58.0, 3.0)
            .recording(seed=2),
            none,
        ),
    )
    yield (
        "edge/impacts",
        lambda: (
            Profile(100.0)
            .rest(2.0)
            .rep(45.0, 3.0)
            .rep(45.0, 3.0)
            .rep(40.0, 3.0)
            .recording(impacts_s=(3.1, 6.2, 9.3), seed=5),
            none,
        ),
    )
    yield (
        "edge/starts-moving",
        lambda: (
            Profile(100.0)
            .stroke(60.0, 1.0)
            .stroke(0.0, 1.5)
            .rest(1.0)
            .rep(60.0, 2.5)
            .rep(62.0, 2.5)
            .recording(seed=6),
            none,
        ),
    )
    yield (
        "edge/ends-moving",
        lambda: (
            Profile(100.0).rest(2.0).rep(60.0, 2.5).rep(62.0, 2.5).stroke(55.0, 1.0).recording(seed=7),
            none,
        ),
    )
    yield (
        "edge/tiny-reps",
        lambda: (
            Profile(100.0)
            .rest(2.0)
            .rep(3.0, 2.0)
            .rep(3.5, 2.0)
            .rep(2.8, 2.0)
            .recording(noise_gyr_dps=0.05, seed=8),
            none,
        ),
    )
    yield "edge/one-rep-short", lambda: (Profile(50.0).rest(1.0).rep(40.0, 2.0, rest_s=0.5).recording(), none)
    yield (
        "edge/angles-only",
        lambda: (imu_from_angles(np.linspace(0.0, 30.0, 800), np.zeros(800), 100.0), none),
    )

    def spans(kind: str) -> tuple[Recording, Kwargs]:
        rec = _reps(seed=9)
        t1 = float(rec.t[-1])
        chosen = {
            "one": [(3.0, 20.0)],
            "three": [(0.0, 8.0), (8.0, 15.5), (16.0, t1)],
            "beyond-ends": [(-0.3, 10.0), (12.0, t1 + 0.4)],
            "empty": [],
            "short": [(5.0, 5.5)],
        }[kind]
        return rec, {"play_spans": chosen}

    for kind in ("one", "three", "beyond-ends", "empty", "short"):
        yield f"edge/spans/{kind}", lambda kind=kind: spans(kind)
    yield (
        "edge/calibration/neutral-only",
        lambda: (
            _reps(seed=10),
            {"calibration": Calibration(neutral_quat=(1.0, 0.0, 0.0, 0.0), rom_max_deg=90.0)},
        ),
    )
    yield "edge/unnamed-movement", lambda: (_reps(seed=11), {"movement": None})
    # invalid input: the error message is the result
    yield "error/nan", lambda: (_edit(_reps(), gyr=np.where(np.arange(3) == 1, np.nan, _reps().gyr)), none)
    yield (
        "error/time-back",
        lambda: (_edit(_reps(), t=np.r_[0.0, 0.02, 0.01, np.arange(3, len(_reps())) / 100.0]), none),
    )
    yield "error/one-sample", lambda: (Recording(np.zeros(1), np.zeros((1, 3)), np.zeros((1, 3))), none)
    yield "error/huge-acc", lambda: (_edit(_reps(), acc=_reps().acc * 40.0), none)
    yield "error/spans-overlap", lambda: (_reps(), {"play_spans": [(1.0, 5.0), (4.0, 6.0)]})
    yield "error/movement", lambda: (_reps(), {"movement": "juggling"})


# ------------------------------------------------------------------ real recordings
def _real(path: Path) -> Iterator[Case]:
    with np.load(path, allow_pickle=False) as d:
        data, offsets, fs = d["data"].astype(float), d["offsets"], d["fs"]
        cuts, bounds = d["block_cuts"], d["block_bounds"]
    for i in range(len(fs)):
        x, rate = data[offsets[i] : offsets[i + 1]], float(fs[i])

        def rec(a: int = 0, b: int | None = None, x: np.ndarray = x, rate: float = rate) -> Recording:
            seg = x[a:b]
            return Recording(np.arange(len(seg)) / rate, seg[:, :3], seg[:, 3:], sample_rate_hz=rate)

        yield f"real/{i}/whole", lambda rec=rec: (rec(), {})
        yield f"real/{i}/cut4", lambda rec=rec, rate=rate: (rec(int(4 * rate)), {})
        if cuts[i, 0] >= 0:
            edges = [0, int(cuts[i, 0]), int(cuts[i, 1]), None]
            for k in range(3):
                yield f"real/{i}/set{k}", lambda rec=rec, a=edges[k], b=edges[k + 1]: (rec(a, b), {})
            spans = [(float(a) / rate, float(b - 1) / rate) for a, b in bounds[i] if a >= 0]
            yield f"real/{i}/spans", lambda rec=rec, spans=spans: (rec(), {"play_spans": spans})
        yield f"real/{i}/calibrated", lambda rec=rec: _own_calibration(rec())


def _own_calibration(rec: Recording) -> tuple[Recording, Kwargs]:
    return rec, {"calibration": Calibration.from_dict(analyze(rec).calibration)}


def real_data_path() -> Path | None:
    """The development set (see ``bench.bench_validity.data_path``), or None when absent."""
    from bench.bench_validity import data_path

    path = data_path()
    return path if path.is_file() else None


def cases(real: Path | None) -> list[Case]:
    """Every case, simulated and hand-made first, then ``real``'s views (when given)."""
    out = [*_simulated(), *_handmade()]
    if real is not None:
        out += list(_real(real))
    return out


def digests(real: Path | None) -> dict[str, str]:
    """Case name -> SHA-256 of its result text, for the code checked out."""
    out = {}
    for name, make in cases(real):
        rec, kwargs = make()
        out[name] = hashlib.sha256(result_text(rec, kwargs).encode()).hexdigest()
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("action", choices=("write", "check", "dump"))
    parser.add_argument("file", type=Path)
    parser.add_argument("--label", default="", help="what produced the digests (write)")
    args = parser.parse_args(argv)
    real = real_data_path()
    if args.action == "dump":
        with args.file.open("w") as fh:
            for name, make in cases(real):
                rec, kwargs = make()
                fh.write(json.dumps({"case": name, "text": result_text(rec, kwargs)}) + "\n")
        return 0
    found = digests(real)
    if args.action == "write":
        stored = {
            "label": args.label,
            "environment": environment(),
            "real_data": real is not None,
            "digests": found,
        }
        args.file.write_text(json.dumps(stored, indent=1, sort_keys=True) + "\n")
        print(f"{len(found)} digests written to {args.file}")
        return 0
    stored = json.loads(args.file.read_text())
    if stored["environment"] != environment():
        print(f"environment differs from the stored one: {stored['environment']}")
    differ = sorted(k for k in stored["digests"] if k in found and found[k] != stored["digests"][k])
    missing = sorted(set(stored["digests"]) ^ set(found))
    print(f"{len(found)} cases, {len(differ)} differ, {len(missing)} only on one side")
    for name in differ + missing:
        print(f"  {name}")
    return 1 if differ or missing else 0


if __name__ == "__main__":
    sys.exit(main())
