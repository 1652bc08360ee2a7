"""``smarttouch sensors ...`` and ``smarttouch record`` through click's test runner."""

from __future__ import annotations

import json

import numpy as np
import pytest
from click.testing import CliRunner

from smarttouch.cli import main
from smarttouch.sensors.recording_io import load_recording


@pytest.fixture
def runner():
    return CliRunner()


def test_decode_thingy_raw_prints_exact_json(runner):
    res = runner.invoke(
        main,
        ["sensors", "decode", "--profile", "thingy52-raw", "faff f4ff f603 4000 e0ff 800c e001 f0ff 2003"],
    )
    assert res.exit_code == 0, res.output
    assert json.loads(res.output) == {
        "samples": [
            {
                "acc": [-6 / 1024, -12 / 1024, 1014 / 1024],
                "gyr": [2.0, -1.0, 100.0],
                "mag": [30.0, -1.0, 50.0],
            }
        ]
    }


def test_decode_heart_rate_json(runner):
    res = runner.invoke(
        main, ["sensors", "decode", "--profile", "heart-rate", "0x19", "0x4e00", "e803", "0004"]
    )
    assert res.exit_code == 0, res.output
    assert json.loads(res.output) == {"heart_rate_bpm": 78, "rr_s": [1.0], "energy_kj": 1000, "contact": None}


def test_decode_quaternion_keys(runner):
    res = runner.invoke(
        main, ["sensors", "decode", "--profile", "thingy52-quaternion", "00000040" + "00" * 12]
    )
    assert json.loads(res.output) == {"samples": [{"quat": [1.0, 0.0, 0.0, 0.0]}]}


@pytest.mark.parametrize(
    "args, message",
    [
        (["--profile", "thingy52-raw", "faff"], "expected 18 bytes"),
        (["--profile", "heart-rate", "zz"], "not a hex payload"),
        (["--profile", "smarttouch-imu", "02"], "shorter than the 11-byte header"),
    ],
)
def test_decode_errors_are_one_line_without_traceback(runner, args, message):
    res = runner.invoke(main, ["sensors", "decode", *args])
    assert res.exit_code != 0
    assert message in res.output
    assert "Traceback" not in res.output
    assert len(res.output.strip().splitlines()) == 1


def test_profiles_lists_every_profile(runner):
    res = runner.invoke(main, ["sensors", "profiles"])
    assert res.exit_code == 0
    for name in ("thingy52-raw", "witmotion", "heart-rate", "smarttouch-imu"):
        assert name in res.output


def test_scan_finds_a_virtual_sensor(runner):
    res = runner.invoke(main, ["sensors", "scan", "--seconds", "0.3", "--virtual", "smarttouch-imu"])
    assert res.exit_code == 0, res.output
    assert "ST-IMU" in res.output and "smarttouch-imu" in res.output


def test_record_sim_fast_to_npz(runner, tmp_path):
    out = tmp_path / "s.npz"
    res = runner.invoke(
        main,
        [
            "record",
            "--sensor",
            "sim:elbow_flexion",
            "--seconds",
            "4",
            "--fast",
            "--out",
            str(out),
            "--param",
            "reps=2",
            "--placement",
            "wrist-left",
        ],
    )
    assert res.exit_code == 0, res.output
    rec = load_recording(out)
    assert rec.duration_s == pytest.approx(4.0, abs=0.011)
    assert rec.placement == "wrist-left"
    assert rec.labels["movement"] == "elbow_flexion"
    assert rec.labels["source"] == "sim:elbow_flexion"


def test_record_virtual_to_csv(runner, tmp_path):
    out = tmp_path / "v.csv"
    res = runner.invoke(
        main, ["record", "--sensor", "virtual:thingy52-raw", "--seconds", "0.5", "--out", str(out)]
    )
    assert res.exit_code == 0, res.output
    rec = load_recording(out)
    assert len(rec) >= 40 and np.all(np.diff(rec.t) > 0)


@pytest.mark.parametrize(
    "args, message",
    [
        (["--sensor", "sim:juggling", "--seconds", "1", "--out", "{d}/x.npz"], "unknown movement"),
        (
            ["--sensor", "sim:elbow_flexion", "--seconds", "1", "--out", "{d}/x.txt"],
            "must end in .npz or .csv",
        ),
        (["--sensor", "replay:{d}/missing.npz", "--seconds", "1", "--out", "{d}/x.npz"], "no such recording"),
        (["--sensor", "sim", "--seconds", "1", "--out", "{d}/x.npz", "--param", "reps"], "KEY=VALUE"),
    ],
)
def test_record_user_errors(runner, tmp_path, args, message):
    res = runner.invoke(main, ["record", *[a.format(d=tmp_path) for a in args]])
    assert res.exit_code != 0
    assert not (tmp_path / "x.npz").exists()
    assert message in res.output and "Traceback" not in res.output


def test_sensor_profile_doc_examples_decode(runner):
    import re
    from pathlib import Path

    from smarttouch.sensors.profiles import smarttouch_imu

    doc = (Path(__file__).parents[2] / "docs" / "sensor-profile.md").read_text()
    payload = re.search(r"--profile smarttouch-imu ([0-9a-f]+)`", doc).group(1)
    res = runner.invoke(main, ["sensors", "decode", "--profile", "smarttouch-imu", payload])
    assert json.loads(res.output) == {"samples": [{"acc": [0.0, 0.0, 1.0], "gyr": [0.0, 0.0, 0.0]}]}
    assert "c800 03 01 08 01" in doc
    cfg = smarttouch_imu.decode_config(bytes.fromhex("c80003010801"))
    assert (
        cfg["rate_hz"],
        cfg["acc_range_g"],
        cfg["gyr_range_dps"],
        cfg["samples_per_notification"],
        cfg["mag"],
    ) == (200, 16.0, 500.0, 8, True)


@pytest.mark.parametrize(
    "args, expect_found",
    [
        (["--service", "smarttouch-imu"], True),
        (["--service", "ef680400-9b35-4933-9b10-52ffa9740042"], False),
        (["--name", "st-imu"], True),
        (["--name", "Thingy"], False),
    ],
)
def test_scan_filters_by_service_or_name(runner, args, expect_found):
    res = runner.invoke(main, ["sensors", "scan", "--seconds", "0.3", "--virtual", "smarttouch-imu", *args])
    assert res.exit_code == 0, res.output
    assert ("ST-IMU" in res.output) == expect_found
    assert expect_found or "no devices found" in res.output


def test_scan_rejects_bad_service(runner):
    res = runner.invoke(main, ["sensors", "scan", "--service", "not-a-uuid"])
    assert res.exit_code != 0 and "not a UUID or profile key" in res.output
