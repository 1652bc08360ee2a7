"""A pilot's between-arm (or paired) estimate, which depends on its design (docs/pilots.md):

- ``own_baseline`` (paired): per patient, mean ROM in the pilot window minus mean ROM in the
  baseline weeks; the mean difference with a paired t 95 % CI and p, and the Wilcoxon
  signed-rank p.
- ``builtin_game`` (randomised): a linear mixed-effects model ``rom ~ week * arm`` with a
  random intercept per patient (statsmodels MixedLM, REML); the estimate is the week x arm
  coefficient, the difference in ROM gained per week (solution minus built-in game). When it
  cannot be fitted, Welch's t-test on the per-patient ROM change, saying why.

Units: degrees, degrees per week."""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass
from datetime import datetime, tzinfo
from typing import Any

import numpy as np
from flask_babel import lazy_gettext as _l
from sqlmodel import Session

from ...models import Pilot, PilotArm, PilotEnrolment, pk
from .counted_sessions import counted_window, pilot_sessions
from .intervals import Interval, mean_ci, scipy_stats, welch_diff
from .patient_figures import PatientOutcome


@dataclass(frozen=True)
class Comparison:
    """The design's estimate.

    ``analysis``: ``paired`` (own_baseline: pilot-window mean ROM minus baseline mean ROM per
    patient, paired t with CI, Wilcoxon signed-rank p), ``mixed`` (builtin_game: MixedLM
    ``rom ~ week * arm`` with a random intercept per patient; the estimate is the week x arm
    coefficient, the difference in ROM gained per week, pilot minus comparator), ``welch``
    (builtin_game fallback: difference in mean per-patient ROM change, Welch t) or ``none``
    (not enough data). ``reason``: why a fallback or none (translated)."""

    analysis: str
    estimate: Interval
    unit: str
    """``deg`` or ``deg/week``"""
    p_value: float | None
    wilcoxon_p: float | None
    reason: Any = None


def paired(people: list[PatientOutcome]) -> Comparison:
    """own_baseline: per patient, mean ROM in the pilot window minus the baseline weeks'."""
    pairs = [
        (p.pilot_rom, p.baseline_rom)
        for p in people
        if p.pilot_rom is not None and p.baseline_rom is not None
    ]
    d = [a - b for a, b in pairs]
    if len(d) < 2:
        return Comparison(
            "none",
            Interval(d[0] if d else None, None, None, len(d)),
            "deg",
            None,
            None,
            _l("Fewer than two patients have sessions both before and during the pilot: no paired test."),
        )
    ci = mean_ci(d)
    p_t = float(scipy_stats().ttest_rel([a for a, _ in pairs], [b for _, b in pairs]).pvalue)
    p_w = float(scipy_stats().wilcoxon(d).pvalue) if any(x != 0 for x in d) else None
    return Comparison("paired", ci, "deg", p_t if math.isfinite(p_t) else None, p_w)


def mixed_model_data(
    session: Session, *, pilot: Pilot, enrolments: list[PilotEnrolment], now: datetime, tz: tzinfo | str
) -> dict[str, list[float]]:
    """One row per trusted session: rom (deg), week (since the patient's window start),
    arm (1 = pilot, 0 = comparator), patient (enrolment id)."""
    data: dict[str, list[float]] = {"rom": [], "week": [], "arm": [], "patient": []}
    for e in enrolments:
        window = counted_window(pilot, e, now, tz)
        if window is None:
            continue
        for r in pilot_sessions(session, pilot=pilot, enrolment=e, now=now, tz=tz):
            rom = r.trusted_rom
            if rom is None:
                continue
            data["rom"].append(rom)
            data["week"].append((r.session.started_at - window[0]).total_seconds() / (7 * 86400))
            data["arm"].append(1.0 if e.arm == PilotArm.pilot else 0.0)
            data["patient"].append(float(pk(e)))
    return data


def fit_mixed(data: dict[str, list[float]]) -> tuple[Interval, float | None] | str:
    """MixedLM ``rom ~ week * arm`` with a random intercept per patient (REML); the week x arm
    coefficient with its 95 % CI and p, or the reason it could not be fitted."""
    import pandas as pd
    import statsmodels.formula.api as smf

    frame = pd.DataFrame(data)
    if frame.empty:
        return "no sessions"
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            result = smf.mixedlm("rom ~ week * arm", frame, groups=frame["patient"]).fit(reml=True)
    except (ValueError, np.linalg.LinAlgError) as exc:
        return f"the model could not be fitted ({exc})"
    if not getattr(result, "converged", True):
        return "the model did not converge"
    name = "week:arm"
    if name not in result.params.index:
        return "the week x arm term could not be estimated"
    est = float(result.params[name])
    low, high = (float(v) for v in result.conf_int().loc[name])
    p = float(result.pvalues[name])
    if not all(math.isfinite(v) for v in (est, low, high)):
        return "the model gave no finite estimate"
    return Interval(est, low, high, len(frame)), (p if math.isfinite(p) else None)


def between_arms(
    session: Session,
    *,
    pilot: Pilot,
    enrolments: list[PilotEnrolment],
    people: list[PatientOutcome],
    now: datetime,
    tz: tzinfo | str,
) -> Comparison:
    """builtin_game: the mixed model, or Welch on the per-patient ROM change when it cannot
    be fitted (the reason is stated), or nothing with fewer than 2 patients per arm."""
    by_arm = {a: [p for p in people if p.arm == a] for a in (PilotArm.pilot, PilotArm.comparator)}
    if min(len(v) for v in by_arm.values()) < 2:
        return Comparison(
            "none",
            Interval(None, None, None, 0),
            "deg/week",
            None,
            None,
            _l("Fewer than two patients in an arm: no comparison between the arms yet."),
        )
    fitted = fit_mixed(mixed_model_data(session, pilot=pilot, enrolments=enrolments, now=now, tz=tz))
    if not isinstance(fitted, str):
        ci, p = fitted
        return Comparison("mixed", ci, "deg/week", p, None)
    a = [p.rom_change.value for p in by_arm[PilotArm.pilot] if p.rom_change.value is not None]
    b = [p.rom_change.value for p in by_arm[PilotArm.comparator] if p.rom_change.value is not None]
    if len(a) < 2 or len(b) < 2:
        return Comparison(
            "none",
            Interval(None, None, None, 0),
            "deg",
            None,
            None,
            _l(
                "The mixed model could not be used (%(why)s) and fewer than two patients per arm "
                "have a ROM change: no comparison yet.",
                why=fitted,
            ),
        )
    p_w = float(scipy_stats().ttest_ind(a, b, equal_var=False).pvalue)
    return Comparison(
        "welch",
        welch_diff(a, b),
        "deg",
        p_w if math.isfinite(p_w) else None,
        None,
        _l(
            "The mixed model could not be used (%(why)s): Welch's t-test on the ROM change instead.",
            why=fitted,
        ),
    )
