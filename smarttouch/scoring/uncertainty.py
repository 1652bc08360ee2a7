"""Is the repetition count of a recording trustworthy? A yes/no with a reason in plain words.

A count is flagged uncertain, and then left out of trends and MCID verdicts
(:mod:`smarttouch.scoring.progress`), when:

* **too short**: less than ``MIN_DURATION_S`` of data;
* **poor signal**: the sensor's range was exceeded, data are missing for more than
  ``MAX_GAP_S``, or the repetitions are hardly larger than what the sensor resolves;
* **no clear rest level**: the evidence for where rest is (see
  :func:`smarttouch.scoring.offline_angle.rest_side`) is weak, so the start and end of each
  repetition are ambiguous (the count may be off by one, ROM by the whole range);
* **doubtful repetitions**: at least ``DOUBTFUL_SHARE`` of the repetitions have a confidence
  below ``DOUBTFUL_CONFIDENCE`` (small, irregular or off-axis movements).

The reasons are written for a therapist, not an engineer.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from smarttouch.scoring.quality import QualityFlags

MIN_DURATION_S = 5.0
MAX_GAP_S = 1.0
SMALL_REFERENCE_DEG = 5.0  # typical repetition smaller than this: close to sensor resolution
CLEAR_REST_VOTE = 1.0  # rest-side evidence below this (natural log units) is weak
DOUBTFUL_CONFIDENCE = 0.5
DOUBTFUL_SHARE = 0.25


@dataclass(frozen=True)
class CountAssessment:
    """Whether a count is uncertain, and why (first reason first; None when certain)."""

    uncertain: bool
    reason: str | None


def assess_count(
    duration_s: float,
    quality: QualityFlags,
    rest_vote: float,
    reference_rom_deg: float,
    confidences: Sequence[float],
) -> CountAssessment:
    """Judge the count of one recording.

    Args:
        duration_s: analysed duration, s.
        quality: data-quality flags of the recording.
        rest_vote: rest-side evidence (its magnitude is how clear rest was).
        reference_rom_deg: the session's typical repetition size, deg.
        confidences: confidence 0..1 of each counted repetition.
    """
    reasons: list[str] = []
    if duration_s < MIN_DURATION_S:
        reasons.append(
            f"too short: only {duration_s:.1f} s of recording (at least {MIN_DURATION_S:.0f} s needed)"
        )
    if quality.clipped_acc or quality.clipped_gyr:
        reasons.append("poor signal: the movement exceeded the sensor's range")
    if quality.max_gap_s > MAX_GAP_S:
        reasons.append(f"poor signal: the sensor data stop for {quality.max_gap_s:.1f} s")
    n = len(confidences)
    if n and reference_rom_deg < SMALL_REFERENCE_DEG:
        reasons.append(
            f"poor signal: the movements are very small (about {reference_rom_deg:.0f} degrees), "
            "close to what the sensor can tell apart from stillness"
        )
    if n and abs(rest_vote) < CLEAR_REST_VOTE:
        reasons.append(
            "no clear rest level: the limb does not settle in one resting position, "
            "so where each repetition starts and ends is unclear"
        )
    doubtful = sum(c < DOUBTFUL_CONFIDENCE for c in confidences)
    if n and doubtful >= DOUBTFUL_SHARE * n:
        reasons.append(f"{doubtful} of {n} repetitions are doubtful (small, irregular or off-axis movements)")
    return CountAssessment(bool(reasons), "; ".join(reasons) if reasons else None)
