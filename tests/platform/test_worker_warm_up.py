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


def test_a_scoring_worker_keeps_freed_memory_for_the_next_job():
    """After the warm-up, buffers freed by one job are reused by the next without page faults
    (glibc's defaults hand them back to the system: each job faulted them in again)."""
    done = _run(
        """
        import resource
        import numpy as np
        from smarttouch.platform.services.clinic.scoring import keep_freed_memory

        def faults():  # a job's buffers: 40 of 256 KiB, touched, all freed at its end
            before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
            for _ in range(5):
                held = [np.ones(2**15) for _ in range(40)]
                del held
            return resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before

        faults()
        default = faults()
        assert keep_freed_memory()
        faults()
        print(default, faults())
        """
    )
    assert done.returncode == 0, done.stderr
    default, kept = (int(v) for v in done.stdout.split())
    assert default > 5 * 40 * 64 * 0.9, default  # every job faulted its buffers in again
    assert kept < 100, kept
