"""A challenge kind is one folder: registering a toy kind from a temporary folder makes it
validated, evaluated in the sandbox and listed, with no other edit."""

from __future__ import annotations

import sys
import zipfile
from dataclasses import replace
from pathlib import Path

import pytest

from smarttouch.challenges.bundle import BundleError, load_bundle
from smarttouch.challenges.evaluation import evaluate_solution
from smarttouch.challenges.kinds import registry
from smarttouch.challenges.kinds.registry import kind_names, kind_spec, load_kind_folder, register_kind
from smarttouch.challenges.solution import SolutionRejected, read_manifest
from smarttouch.challenges.starter_kit import build_starter_kit
from tests.challenges.helpers import TIMER, duration_kind, make_duration_bundle, make_solution  # noqa: F401


def test_the_built_in_kinds_are_the_folders() -> None:
    folders = sorted(p.name for p in registry.ROOT.iterdir() if (p / "__init__.py").is_file())
    assert folders == ["analyzer", "game"]
    assert kind_names() == folders
    assert kind_spec("game").outputs == {"reps", "score", "frame_ms_p95", "frames"}
    assert kind_spec("analyzer").outputs is None
    assert {k: kind_spec(k).on_approval for k in folders} == {
        "analyzer": "session_analyzer",
        "game": "activity",
    }


def test_a_kind_must_be_usable_to_register(tmp_path: Path) -> None:
    spec = kind_spec("analyzer")
    with pytest.raises(ValueError, match="already registered"):
        register_kind(replace(spec, display_name="Other"))
    with pytest.raises(ValueError, match="harness .* is not a file"):
        register_kind(replace(spec, name="broken", harness=tmp_path / "missing.py"))
    with pytest.raises(ValueError, match="on_approval"):
        register_kind(replace(spec, name="broken", on_approval="publish"))
    with pytest.raises(ValueError, match="2-16 lowercase"):
        register_kind(replace(spec, name="Bad Name"))
    (tmp_path / "nokind").mkdir()
    (tmp_path / "nokind" / "__init__.py").write_text("X = 1\n")
    with pytest.raises(ValueError, match="must define KIND"):
        load_kind_folder(tmp_path / "nokind")
    assert "smarttouch_kind_nokind" not in sys.modules  # a refused folder is not left imported
    assert "broken" not in kind_names()


def test_a_toy_kind_is_listed_and_validates_bundles_and_manifests(
    duration_kind: Path, tmp_path: Path
) -> None:
    assert "duration" in kind_names()
    assert kind_spec("duration").display_name == "Duration"
    bundle = load_bundle(make_duration_bundle(tmp_path / "bundle"))
    assert (bundle.kind, [f.name for f in bundle.outputs]) == ("duration", ["duration_s"])
    # the kind's outputs contract: a duration challenge declares exactly duration_s
    toml = tmp_path / "bundle" / "challenge.toml"
    toml.write_text(
        toml.read_text()
        .replace("[output.duration_s]", "[output.seconds]")
        .replace('field = "duration_s"', 'field = "seconds"')
    )
    with pytest.raises(BundleError, match="declares exactly the outputs duration_s"):
        load_bundle(tmp_path / "bundle")
    sol = make_solution(
        tmp_path / "sol", TIMER, challenge="test-duration", kind="duration", entrypoint="solution:Timer"
    )
    assert read_manifest(sol).kind == "duration"


def test_an_unknown_kind_is_refused_and_names_the_known_ones(tmp_path: Path) -> None:
    root = make_duration_bundle(tmp_path / "bundle")
    with pytest.raises(BundleError, match=r"challenge.kind 'duration' is not one of analyzer, game"):
        load_bundle(root)
    sol = make_solution(
        tmp_path / "sol", TIMER, challenge="test-duration", kind="duration", entrypoint="solution:Timer"
    )
    with pytest.raises(SolutionRejected, match="is not one of analyzer, game"):
        read_manifest(sol)


def test_a_toy_kind_is_evaluated_in_the_sandbox(duration_kind: Path, tmp_path: Path, sandbox) -> None:
    bundle = load_bundle(make_duration_bundle(tmp_path / "bundle"))
    good = make_solution(
        tmp_path / "good", TIMER, challenge="test-duration", kind="duration", entrypoint="solution:Timer"
    )
    result = evaluate_solution(good, bundle, sandbox=sandbox)
    assert result.status == "scored", result.message
    assert result.scores["hidden"]["mae"] == pytest.approx(0.0, abs=1e-9)
    # the kind's own evaluator gates the predictions
    zero = make_solution(
        tmp_path / "zero",
        "class Timer:\n    def measure(self, recording):\n        return 0.0\n",
        challenge="test-duration",
        kind="duration",
        entrypoint="solution:Timer",
    )
    failed = evaluate_solution(zero, bundle, sandbox=sandbox, splits=("public",))
    assert (failed.status, failed.failure_reason) == ("failed", "invalid_output")
    assert "more than 0 s" in failed.message


def test_a_toy_kind_has_its_starter_kit(duration_kind: Path, tmp_path: Path) -> None:
    bundle = load_bundle(make_duration_bundle(tmp_path / "bundle"))
    kit = build_starter_kit(bundle, tmp_path / "kit.zip")
    with zipfile.ZipFile(kit) as zf:
        names = set(zf.namelist())
        assert "test-duration/solution/timer.py" in names
        assert 'kind = "duration"' in zf.read("test-duration/solution/solution.toml").decode()


def test_threads_asking_at_once_all_see_every_kind(monkeypatch) -> None:
    """The first lookups of a worker's threads race: none may see a half-loaded registry."""
    import threading

    monkeypatch.setattr(registry, "_KINDS", {})
    monkeypatch.setattr(registry, "_builtins_loaded", False)
    start = threading.Barrier(8)
    seen: list[list[str]] = []

    def ask() -> None:
        start.wait()
        seen.append(kind_names())

    threads = [threading.Thread(target=ask) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert seen == [["analyzer", "game"]] * 8
