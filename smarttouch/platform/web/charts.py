"""Interactive charts for the hub's pages: plotly figures rendered as an HTML block.

Figures are plain dicts in plotly's JSON schema (the same thing ``plotly.graph_objects``
builds; tests validate every figure against it). They are embedded as JSON in a
``<script type="application/json">`` next to an empty ``<div>``; ``static/js/charts.js`` draws
them with plotly.js, which is served from the installed ``plotly`` package (never a CDN) by
:func:`plotly_js_response`. Serialising the dicts directly keeps a page with six year-long
charts well under a millisecond of JSON work per chart.

Every chart carries a text alternative (``summary``) for screen readers, and month and day
names for the axes come from Babel in the page's language. Tick and hover labels use the
patterns of the hub's one locale formatter (:mod:`..i18n.units`): Italian ``03/12/2026`` and
``55,6``, English ``3 Dec 2026`` and ``55.6``.
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from importlib import resources
from typing import Any

from babel.dates import get_day_names, get_month_names
from flask import Response, request
from markupsafe import Markup, escape

from ..i18n import units

# colour-blind-safe (Okabe-Ito) colours with >= 3:1 contrast on white for lines and markers
BLUE, ORANGE, GREEN, PURPLE, GREY = "#0a4d8c", "#b35900", "#1d6a33", "#7a3b8f", "#5b6670"
#: plotly.js config of every chart. Nothing in the mode bar may leave the hub: no plotly logo
#: link, no "Share chart"/"Edit in Chart Studio" upload of the patient's data to Plotly's
#: cloud (plotly.js 4 shows that button unless ``showSendToCloud`` is false; 2.x named it
#: ``sendDataToCloud``/``editInChartStudio`` and had a ``showLink``), and an empty cloud URL
#: so even a re-enabled button has nowhere to send. The CSP's ``connect-src 'self'`` backs it.
CONFIG = {
    "displaylogo": False,
    "responsive": True,
    "showSendToCloud": False,
    "showEditInChartStudio": False,
    "showLink": False,
    "plotlyServerURL": "",
    "modeBarButtonsToRemove": [
        "select2d",
        "lasso2d",
        "autoScale2d",
        "toggleSpikelines",
        "sendChartToCloud",
        "sendDataToCloud",
        "editInChartStudio",
    ],
}
_SCRIPT_ESCAPES = {
    ord("<"): "\\u003c",
    ord(">"): "\\u003e",
    ord("&"): "\\u0026",
    0x2028: "\\u2028",
    0x2029: "\\u2029",
}


def to_json(value: Any) -> str:
    """Compact JSON that is safe inside a ``<script>`` element."""
    return json.dumps(value, separators=(",", ":"), allow_nan=False, default=_default).translate(
        _SCRIPT_ESCAPES
    )


def _default(value: Any) -> Any:
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    raise TypeError(f"cannot put {type(value).__name__} in a chart")


# the plotly config every chart page embeds (computed once: it never changes)
CONFIG_JSON = to_json(CONFIG)


@dataclass(frozen=True)
class Chart:
    """A plotly figure with an id and a text alternative.

    ``has_data`` False: nothing to plot in the period; pages then show only ``summary`` as
    a plain message (an empty plotly chart would draw meaningless default axes)."""

    chart_id: str
    figure: dict[str, Any]
    summary: str
    height_px: int = 300
    has_data: bool = True

    def html(self) -> Markup:
        """The chart's ``<div>`` and its figure JSON (drawn by ``static/js/charts.js``)."""
        cid = escape(self.chart_id)
        return Markup(
            f'<div class="chart" id="{cid}" data-figure="{cid}-figure" role="img" '
            f'aria-label="{escape(self.summary)}" style="min-height:{self.height_px}px"></div>'
            f'<script type="application/json" id="{cid}-figure">{to_json(self.figure)}</script>'
        )


def layout(
    *,
    y_title: str,
    height_px: int = 300,
    y_range: list[float] | None = None,
    x_title: str | None = None,
    x_is_date: bool = True,
    from_zero: bool = False,
) -> dict[str, Any]:
    """The hub's common chart layout: readable fonts, no title (the page heading names it).
    ``from_zero``: the y axis starts at 0 (counts and amplitudes, so small changes do not
    look dramatic)."""
    out: dict[str, Any] = {
        "height": height_px,
        "margin": {"l": 64, "r": 16, "t": 16, "b": 48},
        "font": {
            "family": "Atkinson Hyperlegible, Segoe UI, Roboto, DejaVu Sans, sans-serif",
            "size": 14,
            "color": "#1b1f23",
        },
        "separators": units.separators(),
        "paper_bgcolor": "#ffffff",
        "plot_bgcolor": "#ffffff",
        "hovermode": "closest",
        "showlegend": True,
        "legend": {"orientation": "h", "y": -0.22},
        "xaxis": {
            "gridcolor": "#e3e6e9",
            "linecolor": "#8a949e",
            **(date_axis() if x_is_date else {}),
            **({"title": {"text": x_title}} if x_title else {}),
        },
        "yaxis": {
            "title": {"text": y_title},
            "gridcolor": "#e3e6e9",
            "linecolor": "#8a949e",
            "zeroline": False,
            **({"range": y_range} if y_range else {}),
            **({"rangemode": "tozero"} if from_zero else {}),
        },
    }
    return out


def date_axis() -> dict[str, Any]:
    """A date axis in the page's language: day and month on the ticks (Italian ``03/12``),
    month and year once ticks are a month or more apart, the whole day on hover."""
    return {
        "type": "date",
        "tickformatstops": [
            {"dtickrange": [None, "M1"], "value": units.d3_day_pattern(short=True)},
            {"dtickrange": ["M1", None], "value": units.d3_month_pattern()},
        ],
        "hoverformat": units.d3_day_pattern(),
    }


def hover_day(*, time: bool = False, short: bool = False) -> str:
    """The hovertemplate of a trace's x date (``%{x|03/12/2026}`` in Italian), with the time
    when ``time``."""
    return "%{x|" + units.d3_day_pattern(short=short) + (" %H:%M" if time else "") + "}"


def hover_number(digits: int, axis: str = "y") -> str:
    """The hovertemplate of a number with ``digits`` decimals (the layout's separators make
    the decimal mark the language's)."""
    return "%{" + axis + ":." + str(digits) + "f}"


def scatter(
    x: list[Any],
    y: list[Any],
    *,
    name: str,
    color: str,
    hover: str,
    mode: str = "lines+markers",
    dash: str | None = None,
    customdata: list[Any] | None = None,
) -> dict[str, Any]:
    """A line/marker trace; ``hover`` is a plotly hovertemplate."""
    trace: dict[str, Any] = {
        "type": "scatter",
        "mode": mode,
        "name": name,
        "x": x,
        "y": y,
        "line": {"color": color, "width": 2, **({"dash": dash} if dash else {})},
        "marker": {"color": color, "size": 7},
        "hovertemplate": hover + "<extra></extra>",
    }
    if customdata is not None:
        trace["customdata"] = customdata
    return trace


def bar(x: list[Any], y: list[Any], *, name: str, color: str, hover: str) -> dict[str, Any]:
    return {
        "type": "bar",
        "name": name,
        "x": x,
        "y": y,
        "marker": {"color": color},
        "hovertemplate": hover + "<extra></extra>",
    }


def segment(
    x0: str, x1: str, y: float, *, label: str, color: str = GREY
) -> tuple[dict[str, Any], dict[str, Any]]:
    """A horizontal reference line from ``x0`` to ``x1`` (axis values, e.g. ISO dates) and
    its label at the right end (shape, annotation): a target that held for a while."""
    shape = {
        "type": "line",
        "xref": "x",
        "x0": x0,
        "x1": x1,
        "yref": "y",
        "y0": y,
        "y1": y,
        "line": {"color": color, "width": 2, "dash": "dash"},
    }
    note = {
        "xref": "x",
        "x": x1,
        "xanchor": "right",
        "yref": "y",
        "y": y,
        "yanchor": "bottom",
        "text": label,
        "showarrow": False,
        "font": {"color": color, "size": 13},
    }
    return shape, note


def traces_have_data(traces: list[dict[str, Any]]) -> bool:
    """True when at least one trace has a point to draw."""
    return any(len(t.get("y") or ()) for t in traces)


def figure(
    traces: list[dict[str, Any]],
    chart_layout: dict[str, Any],
    shapes: Sequence[dict[str, Any]] = (),
    annotations: Sequence[dict[str, Any]] = (),
) -> dict[str, Any]:
    lay = dict(chart_layout)
    if shapes:
        lay["shapes"] = list(shapes)
    if annotations:
        lay["annotations"] = list(annotations)
    return {"data": traces, "layout": lay}


@cache
def plotly_locale(locale: str) -> str:
    """JSON of plotly's locale format (month and day names) for ``locale``, from Babel."""
    months = get_month_names("wide", locale=locale)
    short_months = get_month_names("abbreviated", locale=locale)
    days = get_day_names("wide", locale=locale)
    short_days = get_day_names("abbreviated", locale=locale)
    order = [6, 0, 1, 2, 3, 4, 5]  # plotly (d3) weeks start on Sunday; Babel's on Monday
    italian = locale == "it"
    spec = {
        "name": locale,
        "format": {  # every key of plotly's locale-en format
            "days": [days[i] for i in order],
            "shortDays": [short_days[i] for i in order],
            "months": [months[i] for i in range(1, 13)],
            "shortMonths": [short_months[i] for i in range(1, 13)],
            "periods": ["AM", "PM"],
            "dateTime": "%a %e %b %Y %X" if italian else "%a %b %e %X %Y",
            "date": "%d/%m/%Y",
            "time": "%H:%M:%S",
            "decimal": "," if italian else ".",
            "thousands": "." if italian else ",",
            "grouping": [3],
            "currency": ["€", ""],
            "year": "%Y",
            "month": "%b %Y",
            "dayMonth": "%-d %b" if italian else "%b %-d",
            "dayMonthYear": "%-d %b %Y" if italian else "%b %-d, %Y",
        },
    }
    return to_json(spec)


@cache
def _plotly_js() -> tuple[bytes, bytes, str]:
    import plotly

    data = resources.files("plotly").joinpath("package_data/plotly.min.js").read_bytes()
    return data, gzip.compress(data, compresslevel=6), f'"plotly-{plotly.__version__}"'


def plotly_js_response() -> Response:
    """plotly.min.js from the installed plotly package, gzip when the browser accepts it,
    cacheable for a week (the ETag changes with the plotly version)."""
    raw, packed, etag = _plotly_js()
    if request.headers.get("If-None-Match") == etag:
        response = Response(status=304)
    elif "gzip" in request.headers.get("Accept-Encoding", ""):
        response = Response(packed, mimetype="text/javascript")
        response.headers["Content-Encoding"] = "gzip"
    else:
        response = Response(raw, mimetype="text/javascript")
    response.headers["ETag"] = etag
    response.headers["Vary"] = "Accept-Encoding"
    response.headers["Cache-Control"] = "public, max-age=604800"
    return response
