"""A hub process and a scoring worker keep freed memory for the next upload or job
(:mod:`smarttouch.platform.memory`): with glibc's defaults every one faulted its buffers in
again. Run in fresh interpreters, with what each kind of process runs at its start."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

#: a job's buffers: 40 of 256 KiB, touched, then all freed; 5 jobs; prints the page faults
_JOBS = """
import resource
import numpy as np

def faults():
    before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    for _ in range(5):
        held = [np.ones(2**15) for _ in range(40)]
        del held
    return resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before

faults()
print(faults())
"""
#: pages of those jobs' buffers (4 KiB pages): each faulted in again with glibc's defaults
_PAGES = 5 * 40 * 64


def _faults(start: str, instance: Path) -> int:
    env = {**os.environ, "SMARTTOUCH_INSTANCE_PATH": str(instance)}
    code = textwrap.dedent(start) + _JOBS
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, env=env)
    assert done.returncode == 0, done.stderr
    return int(done.stdout.split()[-1])


def test_by_default_every_job_faults_its_buffers_in_again(tmp_path: Path) -> None:
    assert _faults("", tmp_path) > _PAGES * 0.9


@pytest.mark.parametrize(
    "start",
    [
        pytest.param(
            """
            from smarttouch.platform.memory import keep_freed_memory
            assert keep_freed_memory()
            """,
            id="keep_freed_memory",
        ),
        pytest.param(
            """
            from smarttouch.platform.jobs.registry import JOB_TYPES
            JOB_TYPES["scoring"].warm_up()
            """,
            id="scoring worker warm-up",
        ),
        pytest.param(
            """
            from flask import Flask
            from smarttouch.platform.wsgi import app
            assert isinstance(app, Flask)
            """,
            id="hub process (gunicorn's app)",
        ),
    ],
)
def test_the_next_job_reuses_freed_memory(start: str, tmp_path: Path) -> None:
    assert _faults(start, tmp_path) < 100
