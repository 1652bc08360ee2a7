"""How a pilot's numbers were computed, in words (translated), for its page and report."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l

from . import pilots
from .comparison import Comparison
from .patient_figures import MCID_ROM_DEG


def method_text(comparison: Comparison) -> Any:
    """The design's analysis (``comparison.analysis``) and what every pilot reports."""
    common = _l(
        "Sessions count from each patient's consent to their withdrawal or the end of the pilot. "
        "ROM change is the mean of the last 3 sessions minus the first 3 (95%% CI by Welch's t); "
        "improvement beyond the MCID means at least %(mcid)d degrees; shares have Wilson 95%% "
        "intervals; arm means have t-based 95%% intervals.",
        mcid=int(MCID_ROM_DEG),
    )
    design = {
        "paired": _l(
            "Design: every patient plays the solution and is compared with their own %(w)d weeks "
            "before enrolment: paired t-test on each patient's mean ROM (pilot weeks minus "
            "baseline weeks) with its 95%% CI, and the Wilcoxon signed-rank test.",
            w=pilots.BASELINE_WEEKS,
        ),
        "mixed": _l(
            "Design: patients randomised 1:1 (permuted blocks of two) to the solution or the "
            "built-in game. Linear mixed-effects model ROM ~ week x arm with a random intercept "
            "per patient (statsmodels MixedLM, REML); the estimate is the difference in ROM "
            "gained per week, solution minus built-in game."
        ),
        "welch": _l(
            "Design: patients randomised 1:1 (permuted blocks of two) to the solution or the "
            "built-in game; difference in mean ROM change between the arms with Welch's t-test."
        ),
        "none": _l("No statistical comparison yet."),
    }[comparison.analysis]
    return _l("%(design)s %(common)s", design=design, common=common)
