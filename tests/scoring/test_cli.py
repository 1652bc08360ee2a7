"""``smarttouch analyze``: JSON lines, table, plot, clear one-line errors."""

from __future__ import annotations

import json

import numpy as np
from click.testing import CliRunner

from smarttouch.cli import main
from smarttouch.sensors.recording_io import save_recording
from smarttouch.sensors.simulator import simulate


def _write(tmp_path, name: str, **kw):
    sim = simulate("shoulder_flexion", **kw)
    path = tmp_path / name
    save_recording(sim.recording, path)
    return path, sim


def test_json_lines_per_file(tmp_path) -> None:
    a, sim_a = _write(tmp_path, "a.npz", reps=4, seed=1)
    b, sim_b = _write(tmp_path, "b.npz", reps=6, seed=2)
    res = CliRunner().invoke(main, ["analyze", str(a), str(b), "--json"])
    assert res.exit_code == 0, res.output
    lines = [json.loads(x) for x in res.stdout.strip().splitlines()]
    assert [x["file"] for x in lines] == [str(a), str(b)]
    assert [x["reps"] for x in lines] == [4, 6]
    for key in ("rom_deg", "sparc", "ldlj", "duration_s"):
        assert all(isinstance(x[key], float) for x in lines)
    assert abs(lines[0]["rom_deg_mean"] - np.mean(sim_a.rep_rom_deg)) < 3.0


def test_csv_without_time_needs_fs_and_unnamed_movement(tmp_path) -> None:
    sim = simulate("elbow_flexion", reps=5, seed=4)
    rec = sim.recording
    path = tmp_path / "r.csv"
    rows = np.column_stack([rec.acc, rec.gyr])
    np.savetxt(path, rows, delimiter=",", header="ax,ay,az,gx,gy,gz", comments="", fmt="%.6f")
    res = CliRunner().invoke(main, ["analyze", str(path), "--fs", "100", "--json"])
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    assert out["reps"] == 5 and out["movement"] is None
    named = CliRunner().invoke(
        main, ["analyze", str(path), "--fs", "100", "--json", "--movement", "elbow_flexion"]
    )
    assert json.loads(named.stdout)["movement"] == "elbow_flexion"


def test_table_and_plot(tmp_path) -> None:
    a, _ = _write(tmp_path, "a.npz", reps=3, tremor_hz=5.0, tremor_deg=1.0)
    png = tmp_path / "out.png"
    res = CliRunner().invoke(main, ["analyze", str(a), "--plot", str(png)])
    assert res.exit_code == 0, res.output
    assert "reps          3" in res.output and "SPARC" in res.output
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_errors_are_one_line(tmp_path) -> None:
    res = CliRunner().invoke(main, ["analyze", str(tmp_path / "missing.npz")])
    assert res.exit_code != 0
    assert "no such recording file" in res.output and "Traceback" not in res.output
    bad = tmp_path / "bad.csv"
    bad.write_text("t,ax,ay,az,gx,gy,gz\n0,0,0,1,0,0,0\n0,0,0,1,0,0,0\n")
    res = CliRunner().invoke(main, ["analyze", str(bad)])
    assert res.exit_code != 0 and "Traceback" not in res.output
    res = CliRunner().invoke(main, ["analyze", "x.npz", "--movement", "juggling"])
    assert res.exit_code == 2 and "juggling" in res.output
