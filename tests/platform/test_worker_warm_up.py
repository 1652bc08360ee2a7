"""A scoring worker loads the analysis before it says it serves (``JobType.warm_up``), so the
first scored session does not wait seconds for imports. Run in fresh interpreters: the test
process has long imported everything."""

from __future__ import annotations

import subprocess
import sys
import textwrap


def _run(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True, timeout=120
    )


def test_the_scoring_warm_up_imports_what_scoring_a_session_needs():
    done = _run(
        """
        import sys
        from smarttouch.platform.jobs.registry import JOB_TYPES
        from smarttouch.platform.services.clinic.scoring import SCORING_MODULES, recompute_metrics
        from smarttouch.sensors.simulator import simulate

        assert "smarttouch.scoring.analysis" not in sys.modules, "a web process would load it"
        JOB_TYPES["scoring"].warm_up()
        assert all(name in sys.modules for name in SCORING_MODULES)
        before = set(sys.modules)
        rec = simulate("shoulder_flexion", reps=5, rom_deg=80.0, fs=100.0, seed=3).recording
        result = recompute_metrics(rec, "shoulder_flexion", {}, None)
        assert result["reps"] == 5, result["reps"]
        late = sorted(name for name in set(sys.modules) - before
                      if name.startswith(("smarttouch.scoring", "scipy")))
        print(",".join(late))
        """
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "", f"imported only when the first session is scored: {done.stdout}"
