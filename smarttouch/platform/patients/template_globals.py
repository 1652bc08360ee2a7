"""Jinja helpers for the progress pages (registered app-wide by the patients blueprint)."""

from __future__ import annotations

from datetime import date

from babel.dates import get_day_names
from flask_babel import format_date, format_decimal, get_locale

from smarttouch.sensors.placements import RULES, sides_for

from ..i18n.language import dec, hub_tz
from ..i18n.vocab import EXERCISE_SIDES, MOVEMENTS, SENSOR_SITES, game_title, label
from ..services.clinic.feelings import patient_feelings
from ..storage.db import get_session
from ..web.charts import Chart, to_json
from . import bp
from .alert_text import alert_title, describe_alert, describe_closure
from .calendar import calendar_view
from .figures import feelings_chart
from .labels import ALERT_KINDS, METRICS, PLAN_FIELDS, QUIT_REASONS, SESSION_STATUSES
from .uncertainty_text import uncertain_reason_text


def plan_value(field: str, value: object) -> str:
    """A value of an audited plan change, readable (dates and movements translated)."""
    if value is None or value == "":
        return "—"
    if field == "movement":
        return label(MOVEMENTS, str(value))
    if field == "side":
        return label(EXERCISE_SIDES, str(value))
    if field == "placement":
        return label(SENSOR_SITES, str(value))
    if field in ("start_date", "end_date"):
        try:
            return format_date(date.fromisoformat(str(value)[:10]), "medium")
        except ValueError:
            return str(value)
    if field in ("target_rom_deg", "max_rom_deg") and isinstance(value, (int, float, str)):
        return f"{format_decimal(float(value))}°"
    if field == "therapist_note":
        text = str(value)
        return f"“{text[:80]}{'…' if len(text) > 80 else ''}”"
    return str(value)


def weekday_names() -> list[str]:
    """Abbreviated day names, Monday first, in the page's language."""
    names = get_day_names("abbreviated", locale=str(get_locale() or "en"))
    return [names[i] for i in range(7)]


def activity_movements_json(activities: list) -> str:
    """``{activity id: [movement, ...]}`` for the assignment editor's movement filter."""
    return to_json({str(a.id): list(a.movements or []) for a in activities})


def movement_placements_json() -> str:
    """``{movement: {"sites": [...], "sides": [...]}}`` for the assignment editor's sensor
    site and side filters (the form checks the choice anyway)."""
    return to_json({m: {"sites": list(r.sites), "sides": list(sides_for(m))} for m, r in RULES.items()})


def patient_feelings_chart(patient_id: int, start: date | None = None, end: date | None = None) -> Chart:
    """The pain and effort chart of a patient whose page is being shown (the page's view has
    already checked who may see the patient), over the local days ``start``..``end``."""
    tz = hub_tz()
    series = [
        s
        for s in patient_feelings(get_session(), patient_id=patient_id)
        if (start is None or s.started_at.astimezone(tz).date() >= start)
        and (end is None or s.started_at.astimezone(tz).date() <= end)
    ]
    return feelings_chart(series, tz)


# registered once as app-wide Jinja globals (the labels translate when called, per request)
PROGRESS_HELPERS: dict[str, object] = {
    "alert_kind_label": lambda k: label(ALERT_KINDS, k),
    "alert_title": alert_title,
    "describe_alert": describe_alert,
    "describe_closure": describe_closure,
    "metric_label": lambda k: label(METRICS, k),
    "metric_labels": lambda: {k: str(v) for k, v in METRICS.items()},
    "quit_reason_label": lambda k: label(QUIT_REASONS, k) if k else "—",
    "session_status_label": lambda k: label(SESSION_STATUSES, k),
    "plan_field_label": lambda k: label(PLAN_FIELDS, k),
    "plan_value": plan_value,
    "activity_key_label": game_title,
    "weekday_names": weekday_names,
    "dec": dec,
    "calendar_view": calendar_view,
    "activity_movements_json": activity_movements_json,
    "movement_placements_json": movement_placements_json,
    "uncertain_reason_text": uncertain_reason_text,
    "patient_feelings_chart": patient_feelings_chart,
}
bp.record_once(lambda state: state.app.jinja_env.globals.update(PROGRESS_HELPERS))
