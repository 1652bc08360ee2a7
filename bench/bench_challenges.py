"""Challenges: sandbox overhead per run and a full analyzer evaluation.

Targets (issue 8): sandbox overhead per run (start to exit of an empty solution) <= 100 ms;
a full evaluation of an analyzer over 50 hidden recordings <= 10 s. The recordings are the
built-in ``rep-counting`` hidden split (synthetic, simulator-generated, fixed seed here).
"""

from __future__ import annotations

import subprocess
import tempfile
import time
from pathlib import Path

import numpy as np

from bench.common import report, time_calls
from smarttouch.challenges.baselines import baseline_dirs
from smarttouch.challenges.builtin import build_builtin
from smarttouch.challenges.bundle import Limits, load_bundle
from smarttouch.challenges.evaluation import evaluate_solution
from smarttouch.challenges.kinds.registry import kind_spec
from smarttouch.challenges.sandbox import Sandbox, bwrap_path
from smarttouch.challenges.templates import ROOT as TEMPLATES

EMPTY = (
    '[solution]\nname = "empty"\nchallenge = "rep-counting"\nkind = "analyzer"\nentrypoint = "empty:Empty"\n'
)


def _empty_solution(root: Path) -> tuple[Path, Path]:
    sol = root / "empty"
    sol.mkdir()
    (sol / "solution.toml").write_text(EMPTY)
    (sol / "empty.py").write_text(
        "class Empty:\n    def analyze(self, recording):\n        return {'reps': 0}\n"
    )
    inputs = root / "inputs"
    inputs.mkdir()
    for p in (root, sol, inputs):
        p.chmod(0o755)
    for f in sol.iterdir():
        f.chmod(0o644)
    return sol, inputs


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        sol, inputs = _empty_solution(root)
        limits = Limits()
        sandbox = Sandbox()
        unsafe = Sandbox(unsafe=True)
        analyzer = kind_spec("analyzer")

        def run(box: Sandbox) -> None:
            out = box.run(
                protocol=analyzer.protocol,
                harness=analyzer.harness,
                solution_dir=sol,
                entrypoint="empty:Empty",
                inputs_dir=inputs,
                limits=limits,
            )
            assert out.exit_code == 0, out.log

        sandboxed = time_calls(lambda: run(sandbox), repeat=20, warmup=2)
        bare = time_calls(lambda: run(unsafe), repeat=20, warmup=2)
        bwrap_true = time_calls(
            lambda: subprocess.run(
                [bwrap_path(), "--unshare-net", "--unshare-pid", "--ro-bind", "/", "/", "true"], check=True
            ),
            repeat=20,
            warmup=2,
        )
        print("  empty solution, no recordings: runner start (limits, uid drop, import) to exit")
        report(
            "sandboxed run, median",
            float(np.median(sandboxed)) * 1e3,
            "ms",
            "<= 100 ms",
            float(np.median(sandboxed)) <= 0.100,
        )
        report("sandboxed run, p90", float(np.percentile(sandboxed, 90)) * 1e3, "ms")
        report("same run without sandbox (python + runner only), median", float(np.median(bare)) * 1e3, "ms")
        report(
            "bubblewrap's own cost (sandboxed - bare), median",
            float(np.median(sandboxed) - np.median(bare)) * 1e3,
            "ms",
        )
        report("bwrap + /bin/true, median", float(np.median(bwrap_true)) * 1e3, "ms")

        start = time.perf_counter()
        bundle = load_bundle(build_builtin("rep-counting", root / "rc", hidden_seed=8))
        print(
            f"  built rep-counting (20 public + 50 hidden recordings) in {time.perf_counter() - start:.1f} s"
        )
        solutions = [("template (numpy)", TEMPLATES / "rep_counting")] + [
            (f"baseline {p.name}", p) for p in baseline_dirs("rep-counting")
        ]
        for label, folder in solutions:
            start = time.perf_counter()
            result = evaluate_solution(folder, bundle, sandbox=sandbox, splits=("hidden",))
            total = time.perf_counter() - start
            assert result.status == "scored", result.message
            report(f"evaluate 50 hidden recordings: {label}", total, "s", "<= 10 s", total <= 10.0)
            report(f"  exact_rate of {label}", result.scores["hidden"]["exact_rate"], "")


if __name__ == "__main__":  # pragma: no cover
    main()
