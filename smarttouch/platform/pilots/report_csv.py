"""The pilot's table as CSV: one row per patient (pseudonym only), one per pooled arm and one for the design's estimate (``effect``, its analysis in ``arm``, its unit in ``rom_unit``),
with stable English column names and each estimate's 95% CI in its own columns. Numbers and
separators follow the reader's language like the progress CSV: in Italian ``4,5`` with ``;``
between fields; in English ``4.5`` with ``,``."""

from __future__ import annotations

import csv
import io
from typing import Any

from ..i18n import units

COLUMNS = [
    "row",
    "pseudonym",
    "arm",
    "patients",
    "adherence",
    "adherence_ci_low",
    "adherence_ci_high",
    "sessions",
    "completed",
    "stopped_pain",
    "stopped_fatigue",
    "reps_per_session",
    "rom_change_deg",
    "rom_change_ci_low",
    "rom_change_ci_high",
    "improved_beyond_mcid",
    "improved_share_ci_low",
    "improved_share_ci_high",
    "pain_before",
    "pain_after",
    "effort_before",
    "effort_after",
    "rom_unit",
]


def render(pilot: Any, o: Any, *, locale: str = "en") -> str:
    lang = locale.split("_")[0]
    comma = lang == "it"

    def num(value: float | None, digits: int = 2) -> str:
        if value is None:
            return ""
        text = units.number(value, digits, locale=lang).replace("\u202f", "")
        return text.replace("." if comma else ",", "")  # no thousands separator

    def ci(e: Any) -> list[str]:
        return [num(e.value), num(e.low), num(e.high)] if e is not None else ["", "", ""]

    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n", delimiter=";" if comma else ",")
    writer.writerow(COLUMNS)
    for p in o.patients:
        writer.writerow(
            [
                "patient",
                p.pseudonym,
                p.arm,
                1,
                num(p.adherence, 3),
                "",
                "",
                p.sessions,
                p.completed,
                p.stopped_pain,
                p.stopped_fatigue,
                num(p.reps_per_session),
                *ci(p.rom_change),
                "" if p.improved_mcid is None else int(p.improved_mcid),
                "",
                "",
                num(p.pain_before),
                num(p.pain_after),
                num(p.effort_before),
                num(p.effort_after),
                "deg",
            ]
        )
    for a in o.arms.values():
        s = a.improved_mcid
        writer.writerow(
            [
                "group",
                "",
                a.arm,
                a.patients,
                *(num(v, 3) for v in (a.adherence.value, a.adherence.low, a.adherence.high)),
                a.sessions,
                a.completed,
                a.stopped_pain,
                a.stopped_fatigue,
                num(a.reps_per_session.value),
                *ci(a.rom_change),
                num(s.value, 3) if s is not None else "",
                num(s.low, 3) if s is not None else "",
                num(s.high, 3) if s is not None else "",
                num(a.pain_before.value),
                num(a.pain_after.value),
                num(a.effort_before.value),
                num(a.effort_after.value),
                "deg",
            ]
        )
    c = o.comparison  # the design's estimate: row "effect", its analysis in "arm"
    effect = ["effect", "", c.analysis, "", "", "", "", "", "", "", "", "", *ci(c.estimate)]
    writer.writerow([*effect, *([""] * (len(COLUMNS) - len(effect) - 1)), c.unit])
    return out.getvalue()
