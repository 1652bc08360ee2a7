"""Minimal clinically important differences (MCID) used to flag progress and declines.

For joint ROM we use a fixed 10 degrees: at least twice the measurement error of clinical
goniometry (about 5 degrees; Gajdosik & Bohannon 1987, Phys Ther 67:1867-72), so a flagged
change is larger than what re-measuring alone produces. For metrics without an established
anchor-based MCID (smoothness, speed, repetitions, tremor) we use the distribution-based
half standard deviation of the patient's own baseline sessions (Norman, Sloan & Wyrwich 2003,
Med Care 41:582-92), with a floor so a very steady baseline does not flag noise.
docs/scoring.md explains the choices.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class MCIDRule:
    """How the MCID of one metric is set.

    fixed: fixed MCID in the metric's unit, or None for half the baseline SD.
    floor: smallest MCID in the metric's unit.
    higher_is_better: direction of improvement.
    """

    label: str
    fixed: float | None
    floor: float
    higher_is_better: bool


MCID_RULES: dict[str, MCIDRule] = {
    "rom_deg": MCIDRule("ROM (deg)", 10.0, 10.0, True),
    "rom_deg_mean": MCIDRule("mean ROM (deg)", 10.0, 10.0, True),
    "sparc": MCIDRule("smoothness SPARC", None, 0.1, True),
    "ldlj": MCIDRule("smoothness LDLJ", None, 0.5, True),
    "peak_speed_dps": MCIDRule("peak speed (deg/s)", None, 10.0, True),
    "reps": MCIDRule("repetitions", None, 2.0, True),
    "tremor_amplitude_deg": MCIDRule("tremor amplitude (deg)", None, 0.3, False),
}


def mcid_for(metric: str, baseline: np.ndarray) -> float:
    """MCID of ``metric`` (in its unit) given the patient's baseline session values."""
    rule = MCID_RULES[metric]
    if rule.fixed is not None:
        return rule.fixed
    sd = float(np.std(baseline, ddof=1)) if len(baseline) > 1 else 0.0
    return max(rule.floor, 0.5 * sd)
