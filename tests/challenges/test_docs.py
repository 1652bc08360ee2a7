"""The worked example of docs/challenge-authoring.md works as written."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from smarttouch.challenges.bundle import load_bundle
from smarttouch.challenges.evaluation import evaluate_solution

DOC = Path(__file__).resolve().parents[2] / "docs" / "challenge-authoring.md"


def doc_files() -> dict[str, str]:
    text = DOC.read_text(encoding="utf-8")
    return dict(re.findall(r"<!-- file: (\S+) -->\n```\w+\n(.*?)```", text, re.S))


def test_worked_example_bundle_and_solution(tmp_path, sandbox):
    files = doc_files()
    assert set(files) == {"challenge.toml", "make_bundle.py", "solution.toml", "rom.py"}
    bundle = tmp_path / "elbow-rom"
    bundle.mkdir()
    (bundle / "challenge.toml").write_text(files["challenge.toml"])
    (tmp_path / "make_bundle.py").write_text(files["make_bundle.py"])
    subprocess.run([sys.executable, str(tmp_path / "make_bundle.py"), str(bundle)], check=True, cwd=tmp_path)
    solution = tmp_path / "gyro-rom"
    solution.mkdir()
    (solution / "solution.toml").write_text(files["solution.toml"])
    (solution / "rom.py").write_text(files["rom.py"])
    challenge = load_bundle(bundle)
    assert challenge.primary_metric.name == "mae" and not challenge.primary_metric.higher_is_better
    result = evaluate_solution(solution, challenge, sandbox=sandbox)
    assert result.status == "scored", result.message + result.splits[-1].log
    assert result.scores["hidden"]["mae"] < 2.0
    assert result.scores["hidden"]["within_10"] == 1.0
