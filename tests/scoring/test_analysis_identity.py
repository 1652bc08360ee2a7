"""The analysis gives bit-identical results to the code the stored digests were made with
(tests/data/analysis_digests.json, written by ``python -m tests.scoring.analysis_corpus write``
on the commit named in its label, before the analysis was made faster): every case of
:mod:`tests.scoring.analysis_corpus`, the development set's views too when it is there."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.scoring.analysis_corpus import digests, environment, real_data_path

STORED = Path(__file__).resolve().parents[1] / "data" / "analysis_digests.json"


@pytest.mark.slow
def test_results_are_those_of_the_stored_digests() -> None:
    stored = json.loads(STORED.read_text())
    if stored["environment"] != environment():
        pytest.skip(f"digests made with {stored['environment']}; floating-point results depend on them")
    real = real_data_path()
    found = digests(real)
    expected = {k: v for k, v in stored["digests"].items() if real is not None or not k.startswith("real/")}
    assert sorted(found) == sorted(expected)
    differ = [k for k in expected if found[k] != expected[k]]
    assert not differ, f"{len(differ)} of {len(expected)} results changed: {differ[:20]}"
