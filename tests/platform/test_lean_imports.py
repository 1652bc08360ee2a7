"""A hub web process loads no heavy library at start (peak RSS under load <= 300 MB, issue
16): scipy's signal processing, matplotlib and fpdf are imported by the code that uses them
(scoring on workers, the PDF report), not by the app factory."""

from __future__ import annotations

import json
import subprocess
import sys

HEAVY = ("scipy", "matplotlib", "fpdf")

PROBE = """
import json, sys
from smarttouch.platform import create_app
create_app({"ENV": "testing", "DATABASE_URL": "sqlite:///%s", "INSTANCE_PATH": "%s",
            "SECRET_KEY": "k" * 40})
import smarttouch.scoring as scoring
scoring.ALGORITHM_VERSION  # the version needs no analysis
print(json.dumps(sorted(m for m in sys.modules if m.split(".")[0] in %r)))
"""


def test_the_app_factory_loads_no_heavy_library(tmp_path):
    code = PROBE % (tmp_path / "hub.db", tmp_path / "instance", HEAVY)
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True
    )
    assert json.loads(out.stdout.strip().splitlines()[-1]) == []


def test_the_scoring_package_still_exports_its_names():
    import smarttouch.scoring as scoring

    for name in scoring.__all__:
        assert getattr(scoring, name) is not None
    assert scoring.analyze.__module__ == "smarttouch.scoring.analysis"
