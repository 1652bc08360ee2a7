"""The adherence calendar's cells, labelled once per page (a year has 371 cells; formatting
each date through the template would cost more than the rest of the page)."""

from __future__ import annotations

from dataclasses import dataclass

from babel import dates as babel_dates
from flask_babel import get_locale, ngettext
from flask_babel import gettext as _

from ..services.clinic.dashboard import DayCell, WeekSummary


@dataclass(frozen=True)
class CellView:
    css: str  # a DayCell state (done, pain, fatigue, stopped, missed, rest, pending, free, out)
    label: str  # what a screen reader and the tooltip say
    sessions: int


@dataclass(frozen=True)
class WeekView:
    month: str  # abbreviated month name when a new month starts this week, else ""
    label: str  # "week of 3 Mar" (screen readers)
    days: list[CellView]
    done: int = 0
    prescribed: int = 0


def calendar_view(weeks: list[list[DayCell]], summaries: list[WeekSummary] | None = None) -> list[WeekView]:
    locale = str(get_locale() or "en")
    counts: dict[int, str] = {}
    states = {
        "pain": _("stopped for pain"),
        "fatigue": _("stopped for fatigue"),
        "stopped": _("stopped early"),
        "missed": _("missed"),
        "pending": _("still to do this week"),
        "rest": _("rest day"),
    }
    out: list[WeekView] = []
    prev_month = None
    for week in weeks:
        first = week[0].day
        cells = []
        for c in week:
            if not c.in_period:
                cells.append(CellView("out", "", 0))
                continue
            if c.sessions not in counts:
                counts[c.sessions] = ngettext("%(num)d session", "%(num)d sessions", c.sessions)
            text = f"{babel_dates.format_date(c.day, 'full', locale=locale)}: {counts[c.sessions]}"
            extra = states.get(c.state)
            cells.append(CellView(c.state, f"{text}, {extra}" if extra else text, c.sessions))
        month = babel_dates.format_date(first, "MMM", locale=locale) if first.month != prev_month else ""
        prev_month = first.month
        out.append(
            WeekView(
                month,
                _("week of %(date)s", date=babel_dates.format_date(first, "d MMM", locale=locale)),
                cells,
                summaries[len(out)].done if summaries else 0,
                summaries[len(out)].prescribed if summaries else 0,
            )
        )
    return out
