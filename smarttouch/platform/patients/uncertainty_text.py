"""The scoring room's plain-words reason for an uncertain repetition count, in the page's
language.

:func:`smarttouch.scoring.uncertainty.assess_count` writes its reasons in English, one clause
per reason, joined by "; ", with the numbers inside. Each known clause is matched here and
rewritten through the hub's catalogue with the same numbers; a clause this module does not
know is shown as it came (English), so nothing is ever hidden from the therapist.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from flask_babel import gettext as _

Rewrite = Callable[[re.Match[str]], str]

_CLAUSES: list[tuple[re.Pattern[str], Rewrite]] = [
    (
        re.compile(r"too short: only (?P<s>[\d.]+) s of recording \(at least (?P<min>[\d.]+) s needed\)"),
        lambda m: _(
            "too short: only %(s)s s of recording (at least %(min)s s needed)", s=m["s"], min=m["min"]
        ),
    ),
    (
        re.compile(r"poor signal: the movement exceeded the sensor's range"),
        lambda m: _("poor signal: the movement exceeded the sensor's range"),
    ),
    (
        re.compile(r"poor signal: the sensor data stop for (?P<s>[\d.]+) s"),
        lambda m: _("poor signal: the sensor data stop for %(s)s s", s=m["s"]),
    ),
    (
        re.compile(
            r"poor signal: the movements are very small \(about (?P<deg>[\d.]+) degrees\), "
            r"close to what the sensor can tell apart from stillness"
        ),
        lambda m: _(
            "poor signal: the movements are very small (about %(deg)s degrees), close to what the "
            "sensor can tell apart from stillness",
            deg=m["deg"],
        ),
    ),
    (
        re.compile(
            r"no clear rest level: the limb does not settle in one resting position, "
            r"so where each repetition starts and ends is unclear"
        ),
        lambda m: _(
            "no clear rest level: the limb does not settle in one resting position, so where each "
            "repetition starts and ends is unclear"
        ),
    ),
    (
        re.compile(
            r"(?P<n>\d+) of (?P<total>\d+) repetitions are doubtful "
            r"\(small, irregular or off-axis movements\)"
        ),
        lambda m: _(
            "%(n)s of %(total)s repetitions are doubtful (small, irregular or off-axis movements)",
            n=m["n"],
            total=m["total"],
        ),
    ),
]


def clause_text(clause: str) -> str:
    """One reason clause in the page's language (unchanged when not recognised)."""
    for pattern, rewrite in _CLAUSES:
        match = pattern.fullmatch(clause.strip())
        if match is not None:
            return rewrite(match)
    return clause.strip()


def uncertain_reason_text(reason: str | None) -> str | None:
    """The whole reason (clauses joined by "; ") in the page's language, or None."""
    if not reason:
        return None
    return "; ".join(clause_text(c) for c in reason.split(";") if c.strip())
