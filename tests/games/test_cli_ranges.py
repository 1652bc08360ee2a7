"""Numbers typed on the command line: an out-of-range value is a one-line error naming the
valid range, and nothing is silently changed (issue 15, item 8)."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from smarttouch.cli import main

PLAY = ["play", "--game", "balloons", "--headless", "--no-sound", "--reps", "1", "--sets", "1"]

BAD = [
    (PLAY + ["--rom", "0"], "--rom", "5.0<=x<=180.0"),
    (PLAY + ["--rom", "359"], "--rom", "5.0<=x<=180.0"),
    (PLAY + ["--rom", "-5"], "--rom", "5.0<=x<=180.0"),
    (PLAY + ["--max-rom", "0"], "--max-rom", "5.0<=x<=180.0"),
    (PLAY + ["--max-rom", "400"], "--max-rom", "5.0<=x<=180.0"),
    (PLAY + ["--rom-max", "-20"], "--rom-max", "10.0<=x<=180.0"),
    (PLAY + ["--rom-max", "5"], "--rom-max", "10.0<=x<=180.0"),
    (PLAY + ["--rom-max", "5000"], "--rom-max", "10.0<=x<=180.0"),
    (["play", "--game", "balloons", "--reps", "0"], "--reps", "1<=x<=500"),
    (["play", "--game", "balloons", "--reps", "501"], "--reps", "1<=x<=500"),
    (["play", "--game", "balloons", "--sets", "0"], "--sets", "1<=x<=20"),
    (PLAY + ["--duration", "0"], "--duration", "1.0<=x<=14400.0"),
    (PLAY + ["--duration", "1e9"], "--duration", "1.0<=x<=14400.0"),
    (PLAY + ["--rest", "-1"], "--rest", "0.0<=x<=600.0"),
    (PLAY + ["--difficulty", "2"], "--difficulty", "0<=x<=1"),
    (PLAY + ["--seed", "-1"], "--seed", "0<=x<=4294967295"),
    (["play", "--upload-wait", "-3"], "--upload-wait", "0.0<=x<=600.0"),
    (["play", "--assignment", "0"], "--assignment", "1<=x<=2147483647"),
    (["record", "--sensor", "sim", "--seconds", "0", "--out", "x.npz"], "--seconds", "0.1<=x<=86400"),
    (["sensors", "scan", "--seconds", "500"], "--seconds", "0.1<=x<=120"),
    (["analyze", "--fs", "0", "x.csv"], "--fs", "1.0<=x<=10000.0"),
    (["serve", "--threads", "0"], "--threads", "1<=x<=256"),
    (["serve", "--port", "70000"], "--port", "0<=x<=65535"),
    (["challenge", "build-builtin", "out", "--hidden-seed", "-1"], "--hidden-seed", "0<=x<=4294967295"),
]


@pytest.mark.parametrize(("args", "option", "valid"), BAD, ids=[" ".join(a[-2:]) for a, _, _ in BAD])
def test_out_of_range_is_a_one_line_error_naming_the_range(args, option, valid, tmp_path) -> None:
    res = CliRunner().invoke(main, [*args, "--data-dir", str(tmp_path)] if args[0] == "play" else args)
    assert res.exit_code == 2, res.output
    assert res.exception is None or isinstance(res.exception, SystemExit)
    errors = [line for line in res.output.splitlines() if line.startswith("Error:")]
    assert len(errors) == 1, res.output
    assert option in errors[0] and valid in errors[0], errors[0]
    assert "Traceback" not in res.output


@pytest.mark.parametrize("rom", ["5", "180"])
def test_the_ends_of_the_range_are_accepted_as_given(rom, tmp_path) -> None:
    out = tmp_path / "s.json"
    res = CliRunner().invoke(
        main,
        [
            *PLAY,
            "--rom",
            rom,
            "--max-rom",
            "180",
            "--duration",
            "4",
            "--data-dir",
            str(tmp_path),
            "--json",
            str(out),
        ],
    )
    assert res.exit_code == 0, res.output
    from smarttouch.games.session.result import SessionResult

    result = SessionResult.load(out)
    assert result.targets.target_rom_deg == float(rom)  # never replaced by the game's default


def test_rom_max_is_used_as_given(tmp_path) -> None:
    out = tmp_path / "s.json"
    res = CliRunner().invoke(
        main,
        [
            *PLAY,
            "--rom-max",
            "12",
            "--rom",
            "10",
            "--duration",
            "3",
            "--data-dir",
            str(tmp_path),
            "--json",
            str(out),
        ],
    )
    assert res.exit_code == 0, res.output
    from smarttouch.games.session.result import SessionResult

    assert SessionResult.load(out).calibration["rom_max_deg"] == 12.0


def test_rom_above_the_therapists_maximum_is_one_line(tmp_path) -> None:
    res = CliRunner().invoke(main, [*PLAY, "--rom", "100", "--max-rom", "60", "--data-dir", str(tmp_path)])
    assert res.exit_code == 1
    errors = [line for line in res.output.splitlines() if line.startswith("Error:")]
    assert len(errors) == 1 and "exceeds the therapist's max_rom_deg 60" in errors[0], res.output
