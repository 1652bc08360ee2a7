"""Language choice for the hub (Italian and English).

Order: the logged-in user's saved preference, then the choice made with the language
switcher in this browser session, then the browser's Accept-Language, then
``SMARTTOUCH_DEFAULT_LOCALE``.
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from flask import Flask, current_app, g, has_request_context, request, session
from flask_babel import (
    format_date,
    format_datetime,
    format_time,
    get_locale,
    to_user_timezone,
)
from flask_login import current_user

from ..core.extensions import babel
from ..models import utcnow
from . import units
from .catalogues import ensure_compiled

LANGUAGES: dict[str, str] = {"en": "English", "it": "Italiano"}


def select_locale() -> str:
    user = current_user
    if getattr(user, "is_authenticated", False) and getattr(user, "locale", None) in LANGUAGES:
        return user.locale
    chosen = session.get("locale")
    if chosen in LANGUAGES:
        return chosen
    best = request.accept_languages.best_match(list(LANGUAGES))
    return best or current_app.config["DEFAULT_LOCALE"]


def _request_lang() -> str:
    """The request's language, looked up once per request (a caseload formats thousands of
    numbers)."""
    locale = get_locale()
    if not has_request_context():
        return str(locale or "en")
    if g.get("_units_locale") is not locale:  # force_locale() gives another Locale object
        g._units_locale, g._units_lang = locale, str(locale or "en")
    return str(g._units_lang)


def init_app(app: Flask) -> None:
    units.set_locale_provider(_request_lang)
    directory = ensure_compiled(Path(app.instance_path) / "translations")
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = str(directory)
    babel.init_app(app, locale_selector=select_locale)

    @app.context_processor
    def _i18n_globals() -> dict[str, object]:
        return {"LANGUAGES": LANGUAGES, "current_locale": str(get_locale() or "en")}

    app.jinja_env.filters["datetime"] = lambda v, fmt="medium": format_datetime(v, fmt) if v else "—"
    app.jinja_env.filters["date"] = lambda v, fmt="medium": format_date(v, fmt) if v else "—"
    app.jinja_env.filters["time"] = lambda v, fmt="short": format_time(v, fmt) if v else "—"
    app.jinja_env.filters["day"] = lambda v, short=False: units.day(
        to_user_timezone(v) if isinstance(v, datetime) else v, short=short
    )
    app.jinja_env.filters["metric"] = lambda v, metric, signed=False: units.metric_value(
        metric, v, signed=signed
    )
    app.jinja_env.filters["trend"] = lambda v, metric, signed=True: units.trend_value(
        metric, v, signed=signed
    )
    app.jinja_env.filters["num"] = lambda v, digits=0, signed=False: units.number(v, digits, signed=signed)


def local_today() -> date:
    """Today's date in the hub's time zone (``SMARTTOUCH_TIMEZONE``)."""
    return to_user_timezone(utcnow()).date()


def dec(value: float | None, digits: int = 2, signed: bool = False) -> str:
    """A number in the page's language (decimal comma in Italian); "—" for None."""
    return units.number(value, digits, signed=signed)


def hub_tz() -> ZoneInfo:
    """The hub's time zone (``SMARTTOUCH_TIMEZONE``), for grouping sessions by local day."""
    return ZoneInfo(current_app.config["TIMEZONE"])
