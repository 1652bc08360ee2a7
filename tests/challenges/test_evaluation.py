"""One evaluation end to end, built-in challenges, starter kits and baselines."""

from __future__ import annotations

import json
import zipfile

import numpy as np
import pytest

from smarttouch.challenges.baselines import baseline_dirs
from smarttouch.challenges.builtin import BUILTINS, build_builtin, builtin_bundle
from smarttouch.challenges.bundle import load_bundle
from smarttouch.challenges.catalog import resolve_challenge
from smarttouch.challenges.evaluation import evaluate_solution
from smarttouch.challenges.sandbox import Sandbox, SandboxUnavailable
from smarttouch.challenges.starter_kit import build_starter_kit
from smarttouch.sensors.recording_io import load_recording
from tests.challenges.helpers import COUNTER, make_solution


def test_scored_on_both_splits_with_details_only_for_public(tmp_path, challenge, sandbox):
    sol = make_solution(tmp_path / "sol", COUNTER)
    result = evaluate_solution(sol, challenge, sandbox=sandbox)
    assert result.status == "scored" and result.failure_reason is None
    assert set(result.scores) == {"public", "hidden"}
    assert result.scores["hidden"] == {"exact_rate": 1.0, "mae": 0.0}
    public, hidden = result.splits
    assert [row["id"] for row in public.details] == ["public-0", "public-1"]
    assert hidden.details == []  # hidden labels never leave the hub process
    assert len(result.sha256) == 64
    assert json.loads(json.dumps(result.to_dict()))["status"] == "scored"


def test_wrong_predictions_score_lower(tmp_path, challenge, sandbox):
    sol = make_solution(
        tmp_path / "sol", "class Solution:\n    def analyze(self, r):\n        return {'reps': 2}\n"
    )
    result = evaluate_solution(sol, challenge, sandbox=sandbox, splits=("hidden",))
    labels = [v["reps"] for v in challenge.split("hidden").labels().values()]
    assert result.scores["hidden"]["exact_rate"] == pytest.approx(np.mean(np.array(labels) == 2))
    assert result.scores["hidden"]["mae"] == pytest.approx(np.mean(np.abs(np.array(labels) - 2)))


def test_solution_for_another_challenge_is_rejected(tmp_path, challenge, sandbox):
    sol = make_solution(tmp_path / "sol", COUNTER, challenge="rep-counting")
    result = evaluate_solution(sol, challenge, sandbox=sandbox)
    assert result.failure_reason == "rejected"
    assert "names challenge 'rep-counting'" in result.message


def test_failure_stops_before_hidden_split(tmp_path, challenge, sandbox):
    sol = make_solution(tmp_path / "sol", "class Solution:\n    def analyze(self, r):\n        return {}\n")
    result = evaluate_solution(sol, challenge, sandbox=sandbox)
    assert [s.split for s in result.splits] == ["public"]
    assert result.message.startswith("public split: ")


def test_without_bubblewrap_untrusted_code_is_refused(monkeypatch):
    import smarttouch.challenges.sandbox as sandbox_module

    monkeypatch.setattr(sandbox_module, "bwrap_path", lambda: None)
    with pytest.raises(SandboxUnavailable, match="apt-get install bubblewrap.*--unsafe-no-sandbox"):
        Sandbox()
    with pytest.raises(SandboxUnavailable, match="cannot create a sandbox"):
        Sandbox(bwrap="/nonexistent/bwrap")


def test_unsafe_mode_runs_without_sandbox(tmp_path, challenge):
    sol = make_solution(tmp_path / "sol", COUNTER)
    result = evaluate_solution(sol, challenge, sandbox=Sandbox(unsafe=True), splits=("public",))
    assert result.status == "scored"


@pytest.fixture(scope="module")
def rep_counting(tmp_path_factory):
    return load_bundle(build_builtin("rep-counting", tmp_path_factory.mktemp("rc") / "rc", hidden_seed=11))


def test_builtin_rep_counting_bundle(rep_counting):
    assert rep_counting.kind == "analyzer"
    assert len(rep_counting.split("public").ids) == 20
    assert len(rep_counting.split("hidden").ids) == 50
    rec = load_recording(rep_counting.split("hidden").recordings["hidden-001"])
    assert rec.labels == {}  # labels live only in labels.json
    assert rec.placement.startswith("wrist-")


def test_builtin_generation_is_deterministic_per_seed(rep_counting, tmp_path):
    again = load_bundle(build_builtin("rep-counting", tmp_path / "again", hidden_seed=11))
    other = load_bundle(build_builtin("rep-counting", tmp_path / "other", hidden_seed=12))
    assert again.split("hidden").labels() == rep_counting.split("hidden").labels()
    assert other.split("hidden").labels() != rep_counting.split("hidden").labels()
    assert other.split("public").labels() == rep_counting.split("public").labels()
    a = load_recording(again.split("hidden").recordings["hidden-007"])
    b = load_recording(rep_counting.split("hidden").recordings["hidden-007"])
    np.testing.assert_array_equal(a.gyr, b.gyr)
    with pytest.raises(FileExistsError):
        build_builtin("rep-counting", tmp_path / "again")


def test_builtin_resolved_by_slug_into_cache():
    challenge = resolve_challenge("rep-counting")
    assert challenge.root == builtin_bundle("rep-counting")
    assert challenge.root.name == f"rep-counting-v{BUILTINS['rep-counting'].version}"


def test_starter_kit_has_public_data_and_template_but_no_hidden(rep_counting, tmp_path, sandbox):
    kit = build_starter_kit(rep_counting, tmp_path / "kit.zip")
    with zipfile.ZipFile(kit) as zf:
        names = zf.namelist()
        zf.extractall(tmp_path / "kit")
    assert not any("hidden" in n for n in names)
    assert "rep-counting/solution/solution.toml" in names
    assert "rep-counting/README.md" in names
    assert sum(n.startswith("rep-counting/public/recordings/") for n in names) == 20
    local = load_bundle(tmp_path / "kit" / "rep-counting", require_hidden=False)
    result = evaluate_solution(
        tmp_path / "kit" / "rep-counting" / "solution", local, sandbox=sandbox, splits=("public",)
    )
    assert result.status == "scored", result.message
    assert result.scores["public"]["exact_rate"] > 0.5


def test_baselines_are_reference_rows(rep_counting, sandbox):
    rows = {}
    for folder in baseline_dirs("rep-counting"):
        result = evaluate_solution(folder, rep_counting, sandbox=sandbox, splits=("hidden",))
        assert result.status == "scored", result.message + result.splits[-1].log
        rows[folder.name] = result.scores["hidden"]
    assert set(rows) == {"our_scorer", "peak_counter"}
    assert rows["our_scorer"]["exact_rate"] > rows["peak_counter"]["exact_rate"]
    assert rows["our_scorer"]["mae"] < rows["peak_counter"]["mae"]
