"""Progress told to the patient in plain words (no jargon, no unexplained numbers).

Changes are judged against the MCID (:mod:`smarttouch.scoring.mcid`): only a change at least
that large is called better or worse; anything smaller is "about the same".
"""

from __future__ import annotations

from datetime import timedelta

from flask_babel import gettext as _
from flask_babel import ngettext

from ..services.clinic.dashboard import PatientOverview


def progress_sentences(ov: PatientOverview) -> list[str]:
    out: list[str] = []
    recent = [p for p in ov.all_points if p.day > ov.today - timedelta(days=28)]
    if not ov.all_points:
        return [_("You have not played a session yet. Your first one starts your progress chart.")]
    out.append(
        ngettext(
            "You exercised %(num)d time in the last 4 weeks.",
            "You exercised %(num)d times in the last 4 weeks.",
            len(recent),
        )
    )
    if ov.streak_weeks >= 2:
        out.append(
            ngettext(
                "You have done all your planned sessions %(num)d week in a row: keep it going!",
                "You have done all your planned sessions %(num)d weeks in a row: keep it going!",
                ov.streak_weeks,
            )
        )
    rom = ov.report["mcid"].get("rom_deg")
    if rom is None:
        out.append(_("After six sessions we can tell you how your movement is changing."))
    elif rom["improved"]:
        out.append(
            _(
                "Your movement is wider than in your first sessions: about %(deg)d degrees more. Well done!",
                deg=round(rom["change"]),
            )
        )
    elif rom["declined"]:
        out.append(
            _(
                "Your movement is a little smaller than in your first sessions. That "
                "can happen: tell your therapist if something hurts or feels harder."
            )
        )
    else:
        out.append(_("Your range of movement is about the same as in your first sessions."))
    sparc = ov.report["mcid"].get("sparc")
    if sparc is not None and sparc["improved"]:
        out.append(_("Your movements are smoother than at the start."))
    return out
