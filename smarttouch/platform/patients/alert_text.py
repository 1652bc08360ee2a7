"""An alert in the reader's language, from its kind and details (the stored ``message`` is
scoring's English text, kept for exports)."""

from __future__ import annotations

from datetime import date

from flask_babel import format_date, format_datetime, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ..i18n import units
from ..i18n.units import metric_value
from ..i18n.vocab import label
from ..models import Alert
from ..services.clinic.caseload import Reason
from .labels import ALERT_KINDS, METRICS


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
            pain=units.number(float(d.get("pain", 0)), 0),
            usual=units.number(float(d.get("usual", 0)), 1),
            date=when,
        )
    if alert.kind == "decline" and "metric" in d:
        parts = [
            _(
                "%(metric)s went from %(before)s to %(recent)s",
                metric=label(METRICS, str(m["metric"])),
                before=metric_value(str(m["metric"]), m.get("before")),
                recent=metric_value(str(m["metric"]), m.get("recent")),
            )
            for m in (d.get("metrics") or [d])
        ]
        return _(
            "%(changes)s over the last 3 sessions (up to %(date)s): a worsening larger than the "
            "clinically important difference.",
            changes="; ".join(parts),
            date=when,
        )
    if alert.kind == "pilot_safety" and "pilot_title" in d:
        return _(
            'The interim safety check of the pilot "%(title)s" found more pain with the piloted game: '
            "review this patient's participation.",
            title=str(d["pilot_title"]),
        )
    if alert.kind == "pilot_withdrawal" and "pilot_title" in d:
        left = _day(d.get("withdrawn_at"))
        return _(
            'Left the pilot "%(title)s" on %(date)s. The pilot\'s game was ended in the plan; nothing '
            "else was changed: review the plan.",
            title=str(d["pilot_title"]),
            date=format_date(left, "medium") if left else "—",
        )
    return alert.message


RESOLUTIONS = {
    "no_session": _l("a session arrived, or no exercise is planned any more"),
    "pain_stop": _l("the latest session was not stopped for pain"),
    "decline": _l(
        "the last 3 sessions are no longer worse than the 3 before by the clinically important difference"
    ),
    "pilot_safety": _l("the pilot's safety flag was cleared, the pilot closed, or the patient left it"),
    "pilot_withdrawal": _l("the patient's pilot enrolment was removed"),
}


def describe_closure(alert: Alert) -> str:
    """How an alert was closed: resolved by itself (and why) or acknowledged (by whom, when,
    with the note)."""
    if alert.resolved_at is not None:
        why = RESOLUTIONS.get(alert.concern.split(":", 1)[0])
        when = format_datetime(alert.resolved_at, "short")
        if why is None:
            return _("Resolved by itself on %(when)s.", when=when)
        return _("Resolved by itself on %(when)s: %(why)s.", when=when, why=why)
    if alert.acknowledged_at is not None:
        text = _("Acknowledged on %(when)s.", when=format_datetime(alert.acknowledged_at, "short"))
        if alert.acknowledge_note:
            text += " " + _("Note: %(note)s", note=alert.acknowledge_note)
        return text
    return ""


def reason_text(reason: Reason) -> str:
    """Why a patient is in the caseload's "needs attention" group, in words."""
    if reason.code == "pain":
        if reason.day is None:
            return _("Stopped a session for pain.")
        return _("Stopped a session for pain on %(date)s.", date=units.day(reason.day, short=True))
    if reason.code == "decline":
        return _("Declining beyond the clinically important difference.")
    if reason.code == "missed":
        return ngettext(
            "%(num)d planned session missed this week.",
            "%(num)d planned sessions missed this week.",
            reason.n,
        )
    if reason.code == "no_data":
        return ngettext("No session for %(num)d day.", "No session for %(num)d days.", reason.n)
    if reason.code == "never":
        return ngettext(
            "No session yet, %(num)d day after the plan began.",
            "No session yet, %(num)d days after the plan began.",
            reason.n,
        )
    return _("Open alert: %(kind)s.", kind=label(ALERT_KINDS, reason.kind))
