"""The pilot page's charts (plotly figure dicts, drawn by ``charts.js`` like every hub chart):
each patient's ROM change with its 95% CI, the arms' mean ROM change with theirs, how each
arm's sessions ended and each arm's mean ROM per week since enrolment. The numbers are the outcome service's; the public summary draws only
the pooled charts, and only of arms of at least ``min_cell`` patients."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _

from ..i18n import units
from ..services.pilots.patient_figures import MCID_ROM_DEG
from ..web.charts import BLUE, GREEN, GREY, ORANGE, PURPLE, Chart, figure, layout
from .labels import arm_label
from .naming import Naming

ARM_COLOURS = {"pilot": BLUE, "comparator": ORANGE}


def _ci(est: Any) -> tuple[float, float] | None:
    if est is None or est.value is None or est.low is None or est.high is None:
        return None
    return est.value - est.low, est.high - est.value


def _mcid_line(axis: str = "x") -> list[dict[str, Any]]:
    mcid = MCID_ROM_DEG
    other = "y" if axis == "x" else "x"
    return [
        {
            "type": "line",
            f"{axis}ref": axis,
            f"{axis}0": mcid,
            f"{axis}1": mcid,
            f"{other}ref": "paper",
            f"{other}0": 0,
            f"{other}1": 1,
            "line": {"color": GREY, "width": 2, "dash": "dash"},
        }
    ]


def patient_chart(o: Any, naming: Naming) -> Chart:
    """Each patient's ROM change with its 95% CI, one colour per arm, the MCID dashed."""
    traces = []
    rows = [p for p in o.patients if p.rom_change.value is not None]
    for arm in ARM_COLOURS:
        mine = [p for p in rows if p.arm == arm]
        if not mine:
            continue
        cis = [_ci(p.rom_change) or (0.0, 0.0) for p in mine]
        traces.append(
            {
                "type": "scatter",
                "mode": "markers",
                "name": arm_label(arm),
                "x": [round(p.rom_change.value, 1) for p in mine],
                "y": [naming.label(p.patient_id, p.pseudonym) for p in mine],
                "marker": {"color": ARM_COLOURS[arm], "size": 9},
                "error_x": {
                    "type": "data",
                    "symmetric": False,
                    "array": [round(c[1], 1) for c in cis],
                    "arrayminus": [round(c[0], 1) for c in cis],
                    "color": ARM_COLOURS[arm],
                },
                "hovertemplate": "%{y}: %{x:.1f}°<extra></extra>",
            }
        )
    height = max(220, 60 + 34 * len(rows))
    lay = layout(
        y_title="", x_title=_("Change in range of motion (degrees)"), x_is_date=False, height_px=height
    )
    lay["yaxis"]["automargin"] = True
    lay["yaxis"]["type"] = "category"
    summary = (
        _(
            "Change in range of motion of %(n)d patients with 95%% confidence intervals; the dashed line is the MCID.",
            n=len(rows),
        )
        if rows
        else _("No patient has enough sessions yet to measure a change.")
    )
    return Chart("chart-pilot-patients", figure(traces, lay, _mcid_line()), summary, height, bool(rows))


def arms_chart(o: Any, *, min_cell: int = 0, chart_id: str = "chart-pilot-arms") -> Chart:
    """Mean ROM change of each arm with its 95% CI (groups under ``min_cell`` left out)."""
    arms = [a for a in o.arms.values() if a.rom_change.value is not None and a.patients >= max(min_cell, 1)]
    cis = [_ci(a.rom_change) or (0.0, 0.0) for a in arms]
    trace = {
        "type": "bar",
        "name": _("Mean change"),
        "x": [arm_label(a.arm) for a in arms],
        "y": [round(a.rom_change.value, 1) for a in arms],
        "marker": {"color": [ARM_COLOURS.get(a.arm, GREY) for a in arms]},
        "error_y": {
            "type": "data",
            "symmetric": False,
            "array": [round(c[1], 1) for c in cis],
            "arrayminus": [round(c[0], 1) for c in cis],
            "color": "#1b1f23",
        },
        "customdata": [a.patients for a in arms],
        "hovertemplate": "%{x}: %{y:.1f}° (n = %{customdata})<extra></extra>",
    }
    lay = layout(y_title=_("Degrees"), x_is_date=False, height_px=300)
    lay["showlegend"] = False
    parts = [
        _(
            "%(arm)s: %(value)s (95%% CI %(low)s to %(high)s), %(n)d patients",
            arm=arm_label(a.arm),
            value=units.metric_value("rom_deg", a.rom_change.value, signed=True),
            low=units.metric_value("rom_deg", a.rom_change.low, signed=True),
            high=units.metric_value("rom_deg", a.rom_change.high, signed=True),
            n=a.patients,
        )
        if a.rom_change.low is not None
        else f"{arm_label(a.arm)}: {units.metric_value('rom_deg', a.rom_change.value, signed=True)}"
        for a in arms
    ]
    summary = "; ".join(parts) if arms else _("No group has enough patients with data yet.")
    return Chart(chart_id, figure([trace], lay, _mcid_line("y")), summary, 300, bool(arms))


def endings_chart(o: Any, *, min_cell: int = 0, chart_id: str = "chart-pilot-endings") -> Chart:
    """How each arm's sessions ended: completed, stopped for pain, for fatigue, otherwise."""
    arms = [a for a in o.arms.values() if a.sessions and a.patients >= max(min_cell, 1)]
    kinds = (
        ("completed", _("Completed"), GREEN),
        ("stopped_pain", _("Stopped for pain"), ORANGE),
        ("stopped_fatigue", _("Stopped for fatigue"), PURPLE),
        ("stopped_other", _("Stopped for another reason"), GREY),
    )
    traces = [
        {
            "type": "bar",
            "name": name,
            "x": [arm_label(a.arm) for a in arms],
            "y": [getattr(a, key) for a in arms],
            "marker": {"color": colour},
            "hovertemplate": f"{name}: %{{y}}<extra></extra>",
        }
        for key, name, colour in kinds
    ]
    lay = layout(y_title=_("Sessions"), x_is_date=False, from_zero=True)
    lay["barmode"] = "stack"
    summary = (
        "; ".join(
            _(
                "%(arm)s: %(completed)d completed, %(pain)d stopped for pain, %(fatigue)d for fatigue of %(n)d",
                arm=arm_label(a.arm),
                completed=a.completed,
                pain=a.stopped_pain,
                fatigue=a.stopped_fatigue,
                n=a.sessions,
            )
            for a in arms
        )
        if arms
        else _("No sessions yet.")
    )
    return Chart(chart_id, figure(traces if arms else [], lay), summary, 300, bool(arms))


def weekly_chart(o: Any) -> Chart:
    """Each arm's mean ROM per week since enrolment with its 95% CI (patients as the unit),
    numbers in the reader's format (the layout's separators)."""
    traces = []
    for arm in o.arms.values():
        points = [w for w in arm.weekly_rom if w.rom.value is not None]
        if not points:
            continue
        cis = [_ci(w.rom) or (0.0, 0.0) for w in points]
        traces.append(
            {
                "type": "scatter",
                "mode": "lines+markers",
                "name": arm_label(arm.arm),
                "x": [w.week for w in points],
                "y": [w.rom.value for w in points],
                "line": {"color": ARM_COLOURS.get(arm.arm, GREY), "width": 2},
                "marker": {"color": ARM_COLOURS.get(arm.arm, GREY), "size": 7},
                "error_y": {
                    "type": "data",
                    "symmetric": False,
                    "array": [c[1] for c in cis],
                    "arrayminus": [c[0] for c in cis],
                    "color": ARM_COLOURS.get(arm.arm, GREY),
                },
                "customdata": [w.rom.n for w in points],
                "hovertemplate": _(
                    "Week %(week)s: %(value)s° (n = %(n)s)", week="%{x}", value="%{y:.1f}", n="%{customdata}"
                )
                + "<extra></extra>",
            }
        )
    lay = layout(y_title=_("Range of motion (degrees)"), x_title=_("Week since enrolment"), x_is_date=False)
    lay["xaxis"]["dtick"] = 1
    lay["xaxis"]["tickformat"] = "d"
    weeks = sorted({x for t in traces for x in t["x"]})
    summary = (
        _(
            "Mean range of motion of each group in each week since enrolment (weeks %(first)d to %(last)d), "
            "with 95%% confidence intervals.",
            first=weeks[0],
            last=weeks[-1],
        )
        if weeks
        else _("No sessions with a range of motion yet.")
    )
    return Chart("chart-pilot-weeks", figure(traces, lay), summary, 300, bool(traces))


def pilot_charts(o: Any, naming: Naming) -> list[Chart]:
    return [patient_chart(o, naming), arms_chart(o), endings_chart(o), weekly_chart(o)]


def public_charts(o: Any, *, min_cell: int) -> list[Chart]:
    return [
        arms_chart(o, min_cell=min_cell, chart_id="chart-public-arms"),
        endings_chart(o, min_cell=min_cell, chart_id="chart-public-endings"),
    ]
