"""The progress report as a PDF (fpdf2), in the reader's language.

Fonts: DejaVu Sans shipped with matplotlib (full Unicode: °, accents, dashes). Charts are
matplotlib PNGs (range of motion per session, sessions per week). A4 portrait, margins 15 mm.
"""

from __future__ import annotations

import io
import os
from collections.abc import Sequence
from datetime import datetime, timedelta

import matplotlib

matplotlib.use("Agg")
import matplotlib.dates as mdates
import matplotlib.pyplot as plt
from flask_babel import gettext as _
from flask_babel import ngettext
from fpdf import FPDF
from matplotlib.figure import Figure
from matplotlib.ticker import Formatter, FuncFormatter

from ..i18n import units
from ..i18n.vocab import CONDITIONS, MOVEMENTS, SIDES, activity_title, label, placement_label
from ..patients.alert_text import alert_title, describe_alert
from ..patients.labels import METRICS, QUIT_REASONS
from ..services.clinic.plan_versions import Span
from ..services.clinic.reports import PeriodReport

FONT_DIR = os.path.join(matplotlib.get_data_path(), "fonts", "ttf")
BLUE, GREY = "#0a4d8c", "#5b6670"


class ReportPDF(FPDF):
    def __init__(self, footer_text: str) -> None:
        super().__init__(orientation="portrait", unit="mm", format="A4")
        self.footer_text = footer_text
        self.add_font("DejaVu", "", os.path.join(FONT_DIR, "DejaVuSans.ttf"))
        self.add_font("DejaVu", "B", os.path.join(FONT_DIR, "DejaVuSans-Bold.ttf"))
        self.set_margins(15, 15, 15)
        self.set_auto_page_break(True, margin=18)

    def footer(self) -> None:
        self.set_y(-13)
        self.set_font("DejaVu", size=8)
        self.set_text_color(90, 100, 110)
        self.cell(0, 5, f"{self.footer_text} · {self.page_no()}/{{nb}}", align="C")

    def heading(self, text: str, size: int = 13) -> None:
        self.ln(3)
        self.set_font("DejaVu", "B", size)
        self.set_text_color(10, 77, 140)
        self.multi_cell(0, 7, text, new_x="LMARGIN", new_y="NEXT")
        self.set_text_color(27, 31, 35)
        self.set_font("DejaVu", size=10)

    def para(self, text: str) -> None:
        self.set_font("DejaVu", size=10)
        self.multi_cell(0, 5.5, text, new_x="LMARGIN", new_y="NEXT", align="L")

    def grid(self, header: list[str], rows: list[list[str]], widths: tuple[int, ...]) -> None:
        self.set_font("DejaVu", size=9)
        with self.table(
            col_widths=widths,
            line_height=5.5,
            first_row_as_headings=True,
            headings_style=_headings_style(),
            text_align="LEFT",
        ) as table:
            for values in [header, *rows]:
                row = table.row()
                for value in values:
                    row.cell(value)
        self.ln(2)


def _headings_style():
    from fpdf.fonts import FontFace

    return FontFace(emphasis="BOLD", fill_color=(233, 236, 239))


def labels_overlap(fig: Figure) -> list[str]:
    """The tick labels of ``fig`` that overlap a neighbour on the same axis (drawn extents,
    in pixels): empty when every label can be read."""
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()  # type: ignore[attr-defined]
    out = []
    for ax in fig.axes:
        for axis in (ax.xaxis, ax.yaxis):
            boxes = [
                (t.get_text(), t.get_window_extent(renderer))
                for t in axis.get_ticklabels()
                if t.get_visible() and t.get_text()
            ]
            for (name_a, a), (name_b, b) in zip(boxes, boxes[1:]):
                if a.overlaps(b):
                    out.append(f"{name_a} / {name_b}")
    return out


def axis_day(value: float, days: int) -> str:
    """A date axis tick (matplotlib's day number) through the hub's one locale formatter:
    day and month (Italian ``03/12``), or month and year over a long period."""
    when = mdates.num2date(value).date()
    return units.month(when) if days >= 300 else units.day(when, short=True)


class LocaleNumbers(Formatter):
    """Value axis ticks in the reader's language (Italian ``55,5``), with as many decimals as
    the spacing of the ticks needs (50, 55, 60 but 50,2, 50,4), so no two read the same."""

    ticks: Sequence[float] = ()

    def set_locs(self, locs: Sequence[float]) -> None:
        self.ticks = list(locs)

    def __call__(self, x: float, pos: int | None = None) -> str:
        return units.number(x, tick_digits(self.ticks))


def tick_digits(locs: Sequence[float]) -> int:
    """Decimals that tell ticks spaced like ``locs`` apart (0 for whole-number steps)."""
    steps = [abs(b - a) for a, b in zip(locs, locs[1:]) if b != a]
    if not steps:
        return 0
    step = min(steps)
    digits = 0
    while digits < 4 and abs(step * 10**digits - round(step * 10**digits)) > 1e-6:
        digits += 1
    return digits


def _axes_style(ax, days: int) -> None:
    """Dates as day/month with at most 8 ticks (a year of daily sessions stays readable),
    numbers in the reader's language."""
    ax.xaxis.set_major_locator(mdates.AutoDateLocator(minticks=3, maxticks=8))
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _pos: axis_day(v, days)))
    ax.yaxis.set_major_formatter(LocaleNumbers())
    ax.tick_params(labelsize=8)


def _png(fig) -> io.BytesIO:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=150, bbox_inches="tight")
    plt.close(fig)
    buf.seek(0)
    return buf


def _rom_png(report: PeriodReport, targets: list[Span]) -> io.BytesIO | None:
    fig = rom_figure(report, targets)
    return _png(fig) if fig is not None else None


def rom_figure(report: PeriodReport, targets: list[Span]) -> Figure | None:
    """ROM per session with the target of each plan version over the days it applied."""
    pts = [p for p in report.points if "rom_deg" in p.metrics]
    if not pts:
        return None
    fig, ax = plt.subplots(figsize=(7.2, 2.6))
    x = [p.started_at.astimezone(report.tz).replace(tzinfo=None) for p in pts]
    ax.plot(x, [p.metrics["rom_deg"] for p in pts], "o-", color=BLUE, ms=3, label=_("Largest repetition"))
    for i, span in enumerate(targets):
        last = span.last or report.end
        # The ignores: matplotlib plots datetimes through its units registry (the x axis is a
        # date axis), while its type stubs list only numbers and arrays.
        ax.hlines(
            span.version.target_rom_deg,
            datetime.combine(span.first, datetime.min.time()),  # type: ignore[arg-type]
            datetime.combine(last + timedelta(days=1), datetime.min.time()),  # type: ignore[arg-type]
            color=GREY,
            ls="--",
            lw=1.2,
            label=_("Target") if i == 0 else "_nolegend_",
        )
    ax.set_ylabel(_("Degrees"))
    _axes_style(ax, (report.end - report.start).days)
    ax.grid(alpha=0.3)
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.14), ncol=2, fontsize=8, frameon=False)
    return fig


def _weeks_png(report: PeriodReport) -> io.BytesIO | None:
    fig = weeks_figure(report)
    return _png(fig) if fig is not None else None


def weeks_figure(report: PeriodReport) -> Figure | None:
    """Sessions done per week against that week's prescription."""
    if not report.weeks:
        return None
    fig, ax = plt.subplots(figsize=(7.2, 2.2))
    x = [datetime.combine(w["week_start"], datetime.min.time()) for w in report.weeks]
    # datetimes on the x axis: see the note in _rom_png about the ignores
    ax.bar(x, [w["done"] for w in report.weeks], width=5, color=BLUE, label=_("Sessions done"))  # type: ignore[arg-type]
    ax.plot(
        x,  # type: ignore[arg-type]
        [w["prescribed"] for w in report.weeks],
        "s--",
        color=GREY,
        ms=3,
        label=_("Sessions prescribed"),
    )
    ax.set_ylabel(_("Sessions per week"))
    _axes_style(ax, (report.end - report.start).days)
    ax.grid(alpha=0.3, axis="y")
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.16), ncol=2, fontsize=8, frameon=False)
    return fig


def _verdict(m: dict) -> str:
    if m.get("improved"):
        return _("Improved beyond the MCID")
    if m.get("declined"):
        return _("Declined beyond the MCID")
    return _("Within the MCID")


def _identity(pdf: ReportPDF, report: PeriodReport, identified: bool) -> None:
    """Who the report is about: name, date of birth and code when the therapist chose an
    identified report (for the clinical record), the pseudonymous code alone otherwise."""
    p = report.patient
    rows = [[_("Code"), p.code], [_("Condition"), label(CONDITIONS, p.condition)]]
    if identified:
        born = units.day(p.birth_date) if p.birth_date else (str(p.birth_year) if p.birth_year else "—")
        rows = [[_("Name"), p.display_name or "—"], [_("Date of birth"), born], *rows]
    rows.append([_("Affected side"), label(SIDES, p.affected_side)])
    pdf.set_font("DejaVu", size=10)
    with pdf.table(
        col_widths=(40, 140), line_height=6, first_row_as_headings=False, text_align="LEFT"
    ) as table:
        for key, value in rows:
            row = table.row()
            row.cell(key, style=_headings_style())
            row.cell(value)
    if not identified:
        pdf.set_font("DejaVu", size=8)
        pdf.multi_cell(
            0,
            4.5,
            _("Pseudonymised report: the patient is named by code only."),
            new_x="LMARGIN",
            new_y="NEXT",
        )
    pdf.ln(2)


def render_pdf(
    report: PeriodReport,
    *,
    author: str,
    generated_at: datetime,
    identified: bool = False,
    assessment: str = "",
) -> bytes:
    """The report as PDF bytes. ``identified``: print the patient's name and date of birth
    beside the code; ``assessment``: the therapist's clinical assessment of the period."""
    p = report.patient
    period = _(
        "%(start)s – %(end)s",
        start=units.day(report.start),
        end=units.day(report.end),
    )
    pdf = ReportPDF(_("SmartTouch progress report · %(code)s · %(period)s", code=p.code, period=period))
    pdf.set_creation_date(generated_at)  # the same report generated at the same time: the same bytes
    pdf.add_page()
    pdf.set_title(_("Progress report %(code)s", code=p.code))
    pdf.set_author(author)
    pdf.heading(_("Progress report"), 18)
    _identity(pdf, report, identified)
    pdf.para(_("Period: %(period)s", period=period))
    pdf.para(_("Prepared by %(name)s on %(when)s", name=author, when=units.day_time(generated_at, report.tz)))

    pdf.heading(_("Plan"))
    if report.plan:
        pdf.grid(
            [_("Activity"), _("Movement"), _("Target ROM"), _("Dose"), _("In force")],
            [
                [
                    activity_title(span.activity),
                    label(MOVEMENTS, v.movement) + "\n" + placement_label(v.sensor_site(), v.side),
                    units.metric_value("rom_deg", v.target_rom_deg)
                    + (
                        f" ({_('max')} {units.metric_value('rom_deg', v.max_rom_deg)})"
                        if v.max_rom_deg
                        else ""
                    ),
                    _(
                        "%(sets)d × %(reps)d, %(per_week)d/week",
                        sets=v.sets,
                        reps=v.reps,
                        per_week=v.sessions_per_week,
                    ),
                    f"{units.day(span.first)} – "
                    + (units.day(span.last) if span.last else _("open"))
                    + "\n"
                    + _("version %(n)d", n=v.version),
                ]
                for span in report.plan
                for v in (span.version,)
            ],
            (36, 36, 30, 40, 38),
        )
    else:
        pdf.para(_("No exercises were planned in this period."))

    s = report.summary
    pdf.heading(_("Summary"))
    adherence = f"{100 * report.done / report.prescribed:.0f} %" if report.prescribed else "—"
    pdf.para(
        _(
            "Sessions: %(n)d. Adherence: %(adherence)s (%(done)d of %(planned)d "
            "prescribed). Longest run of weeks that met the plan: %(longest)d.",
            n=s["sessions"],
            adherence=adherence,
            done=report.done,
            planned=report.prescribed,
            longest=report.longest_weeks,
        )
    )
    if s["quit_reasons"]:
        reasons = ", ".join(
            f"{label(QUIT_REASONS, k) if k != 'unknown' else _('not recorded')}: {v}"
            for k, v in sorted(s["quit_reasons"].items())
        )
        pdf.para(_("How sessions ended: %(reasons)s.", reasons=reasons))

    rows = []
    for key in METRICS:
        t, m = s["trends"].get(key), s["mcid"].get(key)
        if not t and not m:
            continue
        rows.append(
            [
                label(METRICS, key),
                (
                    f"{units.trend_value(key, t['slope_per_week'])} "
                    f"({units.trend_value(key, t['ci_low'])} … {units.trend_value(key, t['ci_high'])})"
                )
                if t
                else "—",
                units.metric_value(key, m["baseline"]) if m else "—",
                units.metric_value(key, m["recent"]) if m else "—",
                units.trend_value(key, m["mcid"], signed=False) if m else "—",
                _verdict(m) if m else "—",
            ]
        )
    if rows:
        pdf.heading(_("Metrics"))
        pdf.grid(
            [
                _("Metric"),
                _("Trend per week (95% CI)"),
                _("First 3 sessions"),
                _("Last 3 sessions"),
                _("MCID"),
                _("Verdict"),
            ],
            rows,
            (40, 38, 22, 22, 18, 40),
        )

    main = report.plan[0].assignment.id if report.plan else None
    for title, png in (
        (
            _("Range of motion per session"),
            _rom_png(report, [span for span in report.plan if span.assignment.id == main]),
        ),
        (_("Sessions per week"), _weeks_png(report)),
    ):
        if png is not None:
            if pdf.get_y() + 85 > pdf.page_break_trigger:  # keep the heading with its chart
                pdf.add_page()
            pdf.heading(title)
            pdf.image(png, w=180)

    pdf.heading(_("Alerts"))
    if report.alerts:
        for alert in report.alerts:
            state = _("acknowledged") if alert.acknowledged_at else _("open")
            pdf.para(
                f"• {units.day(alert.created_at.astimezone(report.tz))} — {alert_title(alert)}: "
                f"{describe_alert(alert, report.end)} ({state})"
            )
    else:
        pdf.para(_("No alerts in this period."))
    pdf.heading(_("Clinical assessment"))
    pdf.para(assessment or _("No assessment was written for this report."))
    pdf.ln(4)
    pdf.set_font("DejaVu", size=10)
    pdf.multi_cell(
        0,
        6,
        _("Date: %(date)s", date=units.day(generated_at.astimezone(report.tz)))
        + "\n"
        + _("Therapist: %(name)s", name=author)
        + "\n"
        + _("Signature:")
        + " ____________________________",
        new_x="LMARGIN",
        new_y="NEXT",
    )
    pdf.ln(3)
    pdf.set_font("DejaVu", size=8)
    pdf.multi_cell(
        0,
        4.5,
        _(
            "Metrics are computed by SmartTouch from the raw sensor "
            "recordings. Trends are least-squares slopes with 95% confidence "
            "intervals; MCID: minimal clinically important difference."
        ),
    )
    pdf.set_font("DejaVu", size=10)
    count = ngettext("%(num)d session", "%(num)d sessions", len(report.points))
    pdf.set_subject(count)
    return bytes(pdf.output())
