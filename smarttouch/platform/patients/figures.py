"""The progress charts of a patient (plotly figures with a text alternative each).

One point per session, at the session's local start time. Units: degrees, deg/s; SPARC is
dimensionless and negative (closer to 0 = smoother).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

from flask_babel import format_decimal, ngettext
from flask_babel import gettext as _

from ..models import AssignmentVersion
from ..services.clinic.dashboard import SessionPoint
from ..services.clinic.feelings import SessionFeelings
from ..services.clinic.plan_versions import Span
from ..web import charts
from ..web.charts import Chart


def _x(points: list[SessionPoint], tz: ZoneInfo) -> list[str]:
    return [p.started_at.astimezone(tz).replace(tzinfo=None).isoformat(timespec="minutes") for p in points]


def _num(value: float, digits: int = 1) -> str:
    return format_decimal(round(value, digits), format="#,##0." + "0" * digits if digits else "#,##0")


def _series(
    points: list[SessionPoint], tz: ZoneInfo, value: Callable[[SessionPoint], float | None]
) -> tuple[list[str], list[float]]:
    xs, ys = [], []
    for x, p in zip(_x(points, tz), points):
        v = value(p)
        if v is not None:
            xs.append(x)
            ys.append(round(float(v), 3))
    return xs, ys


def _summary(title: str, ys: list[float], unit: str, trend: dict | None, digits: int = 1) -> str:
    if not ys:
        return _("%(title)s: no scored sessions in this period.", title=title)
    text = _(
        "%(title)s: %(n)d sessions, latest %(value)s%(unit)s.",
        title=title,
        n=len(ys),
        value=_num(ys[-1], digits),
        unit=unit,
    )
    if trend:
        text += " " + _(
            "Trend %(slope)s%(unit)s per week (95%% CI %(low)s to %(high)s).",
            slope=_num(trend["slope_per_week"], 2),
            unit=unit,
            low=_num(trend["ci_low"], 2),
            high=_num(trend["ci_high"], 2),
        )
    return text


def _target_lines(
    targets: Sequence[Span], value: Callable[[AssignmentVersion], float | None], label: Callable[[float], str]
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """One dashed line per plan version, over the days that version was in force (from the
    first day's midnight to the midnight after the last day, local time)."""
    shapes, notes = [], []
    for span in targets:
        y = value(span.version)
        if not y or span.last is None:
            continue
        end = span.last + timedelta(days=1)
        shape, note = charts.segment(span.first.isoformat(), end.isoformat(), y, label=label(y))
        shapes.append(shape)
        notes.append(note)
    return shapes, notes


def rom_chart(
    points: list[SessionPoint],
    tz: ZoneInfo,
    *,
    targets: Sequence[Span],
    trend: dict | None,
    chart_id: str = "chart-rom",
) -> Chart:
    """ROM per session; ``targets``: the exercise's versions over the period (closed spans),
    each drawn as its target ROM line over its own days."""
    hover = charts.hover_day(time=True) + "<br>" + charts.hover_number(0) + "°"
    x1, y1 = _series(points, tz, lambda p: p.metrics.get("rom_deg"))
    x2, y2 = _series(points, tz, lambda p: p.metrics.get("rom_deg_mean"))
    traces = [
        charts.scatter(x1, y1, name=_("Largest repetition"), color=charts.BLUE, hover=hover),
        charts.scatter(x2, y2, name=_("Mean of repetitions"), color=charts.ORANGE, hover=hover, dash="dot"),
    ]
    shapes, notes = _target_lines(
        targets, lambda v: v.target_rom_deg, lambda y: _("target %(deg)s°", deg=_num(y, 0))
    )
    fig = charts.figure(traces, charts.layout(y_title=_("Degrees")), shapes, notes)
    return Chart(
        chart_id,
        fig,
        _summary(_("Range of motion"), y1 or y2, "°", trend, 0),
        has_data=charts.traces_have_data(traces),
    )


def reps_chart(
    points: list[SessionPoint], tz: ZoneInfo, *, targets: Sequence[Span], trend: dict | None
) -> Chart:
    """Repetitions per session with the prescribed repetitions per set of each version."""
    xs, ys = _series(points, tz, lambda p: p.metrics.get("reps"))
    traces = [
        charts.bar(
            xs,
            ys,
            name=_("Repetitions"),
            color=charts.BLUE,
            hover=charts.hover_day() + "<br>" + charts.hover_number(0),
        )
    ]
    shapes, notes = _target_lines(targets, lambda v: v.reps, lambda y: _("per set: %(n)d", n=int(y)))
    fig = charts.figure(traces, charts.layout(y_title=_("Repetitions"), from_zero=True), shapes, notes)
    return Chart("chart-reps", fig, _summary(_("Repetitions"), ys, "", trend, 0), has_data=bool(ys))


def sparc_chart(points: list[SessionPoint], tz: ZoneInfo, *, trend: dict | None) -> Chart:
    xs, ys = _series(points, tz, lambda p: p.metrics.get("sparc"))
    traces = [
        charts.scatter(
            xs,
            ys,
            name=_("SPARC (closer to 0 = smoother)"),
            color=charts.GREEN,
            hover=charts.hover_day() + "<br>SPARC " + charts.hover_number(2),
        )
    ]
    fig = charts.figure(traces, charts.layout(y_title="SPARC"))
    return Chart("chart-sparc", fig, _summary(_("Smoothness (SPARC)"), ys, "", trend, 2), has_data=bool(ys))


def tremor_chart(points: list[SessionPoint], tz: ZoneInfo, *, trend: dict | None) -> Chart:
    xs, ys = _series(points, tz, lambda p: p.metrics.get("tremor_amplitude_deg"))
    ratio = [
        round(100 * (p.tremor_power_ratio or 0.0), 1) for p in points if "tremor_amplitude_deg" in p.metrics
    ]
    hover = (
        charts.hover_day()
        + "<br>"
        + charts.hover_number(2)
        + "°<br>"
        + _("Share of movement at 3-7 Hz:")
        + " %{customdata} %"
    )
    traces = [
        charts.scatter(
            xs,
            ys,
            name=_("Tremor amplitude (lower is better)"),
            color=charts.PURPLE,
            hover=hover,
            customdata=ratio,
        )
    ]
    fig = charts.figure(traces, charts.layout(y_title=_("Degrees"), from_zero=True))
    return Chart("chart-tremor", fig, _summary(_("Tremor amplitude"), ys, "°", trend, 2), has_data=bool(ys))


def score_chart(points: list[SessionPoint], tz: ZoneInfo) -> Chart:
    xs, ys = _series(points, tz, lambda p: p.game_score)
    traces = [
        charts.scatter(
            xs,
            ys,
            name=_("Game score"),
            color=charts.ORANGE,
            hover=charts.hover_day() + "<br>" + charts.hover_number(0),
        )
    ]
    fig = charts.figure(traces, charts.layout(y_title=_("Points"), from_zero=True))
    return Chart("chart-score", fig, _summary(_("Game score"), ys, "", None, 0), has_data=bool(ys))


def adherence_chart(weeks: list[dict]) -> Chart:
    xs = [w["week_start"].isoformat() for w in weeks]
    done = [w["done"] for w in weeks]
    prescribed = [w["prescribed"] for w in weeks]
    traces = [
        charts.bar(
            xs,
            done,
            name=_("Sessions done"),
            color=charts.BLUE,
            hover=_("week of %(date)s", date=charts.hover_day(short=True)) + "<br>%{y}",
        ),
        charts.scatter(
            xs,
            prescribed,
            name=_("Sessions prescribed"),
            color=charts.GREY,
            hover=_("week of %(date)s", date=charts.hover_day(short=True)) + "<br>%{y}",
            mode="lines+markers",
            dash="dash",
        ),
    ]
    fig = charts.figure(traces, charts.layout(y_title=_("Sessions per week"), from_zero=True))
    total_done, total_planned = sum(done), sum(prescribed)
    if not total_done and not total_planned:
        return Chart(
            "chart-adherence",
            fig,
            _("Weekly adherence: no sessions done and no exercises prescribed in this period."),
            has_data=False,
        )
    summary = _(
        "Weekly adherence: %(done)d sessions done of %(planned)d prescribed over %(weeks)d weeks.",
        done=total_done,
        planned=total_planned,
        weeks=len(weeks),
    )
    return Chart("chart-adherence", fig, summary)


def feelings_chart(series: Sequence[SessionFeelings], tz: ZoneInfo) -> Chart:
    """Pain (0-10 NRS) and effort (Borg CR10) the patient rated before and after each session."""
    xs = [s.started_at.astimezone(tz).replace(tzinfo=None).isoformat(timespec="minutes") for s in series]
    specs = [
        (_("Pain before"), charts.ORANGE, "dot", lambda s: s.pain_before),
        (_("Pain after"), charts.ORANGE, None, lambda s: s.pain_after),
        (_("Effort before"), charts.BLUE, "dot", lambda s: s.effort_before),
        (_("Effort after"), charts.BLUE, None, lambda s: s.effort_after),
    ]
    traces = []
    for name, color, dash, value in specs:
        pts = [(x, value(s)) for x, s in zip(xs, series) if value(s) is not None]
        traces.append(
            charts.scatter(
                [x for x, _v in pts],
                [v for _x, v in pts],
                name=name,
                color=color,
                dash=dash,
                hover=charts.hover_day() + "<br>" + name + " %{y}/10",
            )
        )
    fig = charts.figure(traces, charts.layout(y_title=_("Rating (0-10)"), y_range=[-0.5, 10.5]))
    has_data = charts.traces_have_data(traces)
    if not has_data:
        return Chart(
            "chart-feelings",
            fig,
            _(
                "Pain and effort: no ratings in this period (older apps do not ask, and questions may be skipped)."
            ),
            has_data=False,
        )
    last = series[-1]

    def num(v: int | None) -> str:
        return "—" if v is None else str(v)

    summary = _(
        "Pain and effort: %(n)d sessions rated. Latest: pain %(pb)s before and %(pa)s after, effort "
        "%(eb)s before and %(ea)s after (0-10).",
        n=len(series),
        pb=num(last.pain_before),
        pa=num(last.pain_after),
        eb=num(last.effort_before),
        ea=num(last.effort_after),
    )
    skipped = sum(s.skipped for s in series)
    if skipped:
        summary += " " + ngettext("%(num)d question was skipped.", "%(num)d questions were skipped.", skipped)
    return Chart("chart-feelings", fig, summary)
