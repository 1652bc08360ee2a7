"""An alert in the reader's language, from its kind and details (the stored ``message`` is
scoring's English text, kept for exports)."""

from __future__ import annotations

from datetime import date

from flask_babel import format_date, format_decimal
from flask_babel import gettext as _

from ..i18n.vocab import label
from ..models import Alert
from .labels import ALERT_KINDS, METRICS, UNITS


def _day(value: object) -> date | None:
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError:
        return None


def alert_title(alert: Alert) -> str:
    return label(ALERT_KINDS, alert.kind)


def describe_alert(alert: Alert, today: date) -> str:
    """One sentence saying what happened, with numbers and dates."""
    d = alert.details or {}
    last = _day(d.get("last_day"))
    when = format_date(last, "medium") if last else "—"
    if alert.kind == "no_session" and last is not None:
        return _(
            "No session for %(days)d days (the last one was on %(date)s).",
            days=(today - last).days,
            date=when,
        )
    if alert.kind == "pain_stop":
        return _("The session of %(date)s was stopped for pain.", date=when)
    if alert.kind == "pain_rise" and "pain" in d:
        return _(
            "Pain rated %(pain)s/10 around the session of %(date)s, against a usual %(usual)s/10 "
            "(median of the recent ratings).",
            pain=format_decimal(d.get("pain", 0)),
            usual=format_decimal(round(float(d.get("usual", 0)), 1)),
            date=when,
        )
    if alert.kind == "decline" and "metric" in d:
        metric = str(d["metric"])
        unit = UNITS.get(metric, "")
        return _(
            "%(metric)s went from %(before)s%(unit)s to %(recent)s%(unit)s over the last "
            "3 sessions (up to %(date)s): a worsening larger than the clinically important "
            "difference.",
            metric=label(METRICS, metric),
            unit=unit,
            before=format_decimal(round(float(d.get("before", 0)), 2)),
            recent=format_decimal(round(float(d.get("recent", 0)), 2)),
            date=when,
        )
    return alert.message
