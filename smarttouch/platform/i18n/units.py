"""One locale formatter for the hub: numbers, metric values with their units, dates and times.

Pages, chart labels, the PDF report and the CSV export format through these functions, so a
number or a date reads the same everywhere in one language (Italian: ``03/12/2026``,
``55,6°``; English: ``3 Dec 2026``, ``55.6°``). Each metric has one sensible precision
(:data:`PRECISION`): a range of motion in whole degrees, repetitions as whole numbers,
smoothness to two decimals. The locale is the request's (Flask-Babel, through
:func:`set_locale_provider`) unless given.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import date, datetime, time, tzinfo
from decimal import Decimal
from functools import lru_cache

from babel import Locale
from babel import dates as babel_dates
from babel import numbers as babel_numbers

DATE_PATTERNS = {"it": "dd/MM/yyyy", "en": "d MMM yyyy"}
DATE_SHORT_PATTERNS = {"it": "dd/MM", "en": "d MMM"}
MONTH_PATTERNS = {"it": "MM/yyyy", "en": "MMM yyyy"}
#: the same day patterns for plotly's date axes (d3 time format): ticks and hover labels
D3_DAY_PATTERNS = {"it": "%d/%m/%Y", "en": "%-d %b %Y"}
D3_DAY_SHORT_PATTERNS = {"it": "%d/%m", "en": "%-d %b"}
D3_MONTH_PATTERNS = {"it": "%m/%Y", "en": "%b %Y"}
#: metric -> (decimal digits, unit)
PRECISION: dict[str, tuple[int, str]] = {
    "rom_deg": (0, "°"),
    "rom_deg_mean": (0, "°"),
    "target_rom_deg": (0, "°"),
    "max_rom_deg": (0, "°"),
    "reps": (0, ""),
    "sparc": (2, ""),
    "ldlj": (1, ""),
    "peak_speed_dps": (0, "°/s"),
    "tremor_amplitude_deg": (1, "°"),
    "tremor_power_ratio": (2, ""),
    "duration_s": (0, " s"),
    "game_score": (0, ""),
}


def _english() -> str:
    return "en"


#: where the request's language comes from: set by the hub's i18n setup
#: (:func:`smarttouch.platform.i18n.language.init_app`); this module imports no Flask, so
#: services, the PDF and the CSV can use it
_locale_provider: Callable[[], str] = _english


def set_locale_provider(provider: Callable[[], str]) -> None:
    global _locale_provider
    _locale_provider = provider


def current_locale() -> str:
    """The request's language ("en" where none is known)."""
    try:
        return _locale_provider() or "en"
    except RuntimeError:  # outside an application or request context
        return "en"


def _lang(locale: str | None) -> str:
    return (locale or current_locale()).split("_")[0]


@lru_cache(maxsize=64)
def _pattern(digits: int, signed: bool) -> babel_numbers.NumberPattern:
    pattern = "#,##0" + ("." + "0" * digits if digits else "")
    if signed:
        pattern = "+" + pattern + ";-" + pattern
    return babel_numbers.parse_pattern(pattern)


@lru_cache(maxsize=8)
def _locale_of(lang: str) -> Locale:
    return Locale.parse(lang)


@lru_cache(maxsize=8)
def _decimal_symbol(lang: str) -> str:
    return babel_numbers.get_decimal_symbol(_locale_of(lang))


_QUANTUM = [Decimal(1).scaleb(-d) for d in range(7)]


def _small(value: float, digits: int, signed: bool, lang: str) -> str | None:
    """Babel's rendering of a finite ``value`` below 1000 once rounded (no group separator),
    done with one Decimal quantize instead of babel's general path: the same steps (the
    value's shortest repr as a Decimal, the sign taken before rounding, half-even rounding to
    ``digits``), about ten times faster. None for anything else (babel formats it)."""
    if digits >= len(_QUANTUM) or isinstance(value, bool) or not math.isfinite(value):
        return None
    # float() and int() first: numpy's scalars (a chart's ticks) are floats whose repr is
    # "np.float64(5.0)" since numpy 2
    if isinstance(value, float):
        d = Decimal(repr(float(value)))
    elif isinstance(value, int):
        d = Decimal(int(value))
    else:
        return None
    rounded = abs(d).quantize(_QUANTUM[digits])
    if rounded >= 1000:
        return None
    whole, _sep, frac = f"{rounded:f}".partition(".")
    sign = "-" if d.is_signed() else ("+" if signed else "")
    return sign + whole + (_decimal_symbol(lang) + frac if digits else "")


def number(value: float | None, digits: int = 1, *, signed: bool = False, locale: str | None = None) -> str:
    """``value`` with ``digits`` decimals in the language's notation; "—" for None. (Babel's
    patterns and locales parsed once, and values below 1000 formatted on a short path that
    gives babel's exact text: a caseload formats a thousand numbers.)"""
    if value is None:
        return "—"
    lang = _lang(locale)
    if isinstance(value, (int, float)):
        fast = _small(value, digits, signed, lang)
        if fast is not None:
            return fast
    return _pattern(digits, signed).apply(value, _locale_of(lang))


def metric_value(metric: str, value: float | None, *, signed: bool = False, locale: str | None = None) -> str:
    """A metric's value with its precision and unit (``55°``, ``8``, ``-1,83``); "—" for None."""
    digits, unit = PRECISION.get(metric, (2, ""))
    return "—" if value is None else number(value, digits, signed=signed, locale=locale) + unit


def trend_value(metric: str, value: float | None, *, signed: bool = True, locale: str | None = None) -> str:
    """A metric's change per week: one decimal more than the metric itself, with its unit."""
    digits, unit = PRECISION.get(metric, (2, ""))
    return "—" if value is None else number(value, digits + 1, signed=signed, locale=locale) + unit


def day(value: date | datetime | None, *, locale: str | None = None, short: bool = False) -> str:
    """A calendar day (Italian ``03/12/2026``, English ``3 Dec 2026``; ``short``: no year)."""
    if value is None:
        return "—"
    lang = _lang(locale)
    patterns = DATE_SHORT_PATTERNS if short else DATE_PATTERNS
    return babel_dates.format_date(value, patterns.get(lang, patterns["en"]), locale=lang)


def month(value: date | datetime | None, *, locale: str | None = None) -> str:
    """A month (Italian ``12/2026``, English ``Dec 2026``): a date axis over a long period."""
    if value is None:
        return "—"
    lang = _lang(locale)
    return babel_dates.format_date(value, MONTH_PATTERNS.get(lang, MONTH_PATTERNS["en"]), locale=lang)


def day_time(value: datetime | None, tz: tzinfo | None = None, *, locale: str | None = None) -> str:
    """A moment as local day and time (Italian ``03/12/2026 14:05``)."""
    if value is None:
        return "—"
    local = value.astimezone(tz) if tz is not None else value
    lang = _lang(locale)
    return f"{day(local, locale=lang)} {babel_dates.format_time(local, 'HH:mm', locale=lang)}"


@lru_cache(maxsize=1024)
def _short_date(value: date, lang: str) -> str:
    return babel_dates.format_date(value, "short", locale=lang)


@lru_cache(maxsize=1024)
def _short_time(value: time, lang: str) -> str:
    return babel_dates.format_time(value, "short", locale=lang)


@lru_cache(maxsize=8)
def _short_datetime_pattern(lang: str) -> str:
    return str(babel_dates.get_datetime_format("short", locale=lang)).replace("'", "")


def short_datetime(value: datetime, tz: tzinfo, *, locale: str | None = None) -> str:
    """``babel.dates.format_datetime(value, "short", tzinfo=tz)``, the same text, built from
    the local day and time of day, each formatted once per process (a caseload shows
    hundreds of last-session times, all on a few hundred days at a few times)."""
    lang = _lang(locale)
    local = value.astimezone(tz)
    return (
        _short_datetime_pattern(lang)
        .replace("{0}", _short_time(local.time(), lang))
        .replace("{1}", _short_date(local.date(), lang))
    )


def strftime_pattern(*, locale: str | None = None) -> str:
    """The day-month pattern for chart axes (matplotlib's strftime), by language."""
    return "%d/%m" if _lang(locale) == "it" else "%d %b"


def d3_day_pattern(*, locale: str | None = None, short: bool = False) -> str:
    """:func:`day`'s pattern for plotly's date axes and hover labels (d3 time format)."""
    patterns = D3_DAY_SHORT_PATTERNS if short else D3_DAY_PATTERNS
    return patterns.get(_lang(locale), patterns["en"])


def d3_month_pattern(*, locale: str | None = None) -> str:
    """:func:`month`'s pattern for plotly's date axes (d3 time format)."""
    return D3_MONTH_PATTERNS.get(_lang(locale), D3_MONTH_PATTERNS["en"])


def separators(*, locale: str | None = None) -> str:
    """Plotly's ``layout.separators`` (decimal mark, then thousands) as :func:`number` writes
    them: Italian ``,.`` (``55,6``), English ``.,``."""
    symbols = _locale_of(_lang(locale)).number_symbols.get("latn", {})
    return symbols.get("decimal", ".") + symbols.get("group", ",")
