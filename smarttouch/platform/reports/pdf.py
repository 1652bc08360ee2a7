"""The progress report as a PDF (fpdf2), in the reader's language.

Fonts: DejaVu Sans shipped with matplotlib (full Unicode: °, accents, dashes), parsed once
per process (:func:`_font`). Charts (range of motion per session, sessions per week) are
vector drawings made with fpdf2's own primitives (:mod:`.pdf_charts`). A4 portrait,
margins 15 mm.
"""

from __future__ import annotations

import io
import os
from datetime import datetime

import matplotlib
from flask_babel import gettext as _
from flask_babel import ngettext
from fontTools import ttLib
from fpdf import FPDF
from fpdf.fonts import SubsetMap, TTFFont

from ..i18n import units
from ..i18n.vocab import CONDITIONS, MOVEMENTS, SIDES, activity_title, label, placement_label
from ..patients.alert_text import alert_title, describe_alert
from ..patients.labels import METRICS, QUIT_REASONS
from ..services.clinic.plan_versions import Span
from ..services.clinic.reports import PeriodReport
from . import pdf_charts

FONT_DIR = os.path.join(matplotlib.get_data_path(), "fonts", "ttf")
FONTS = {"": "DejaVuSans.ttf", "B": "DejaVuSans-Bold.ttf"}
#: the tables fpdf2 drops from every embedded font (fpdf.output), dropped here beforehand
UNUSED_TABLES: tuple[str, ...] = ("FFTM", "GDEF", "GPOS", "GSUB", "MATH", "hdmx", "meta", "sbix")
UNUSED_TABLES += ("CBDT", "CBLC", "EBDT", "EBLC", "EBSC", "SVG ", "CPAL", "COLR")
#: style -> (the font file without the unused tables, fpdf2's parse of it, its glyph
#: order), once per process
_PARSED: dict[str, tuple[bytes, TTFFont, list[str]]] = {}


def _lean(path: str) -> bytes:
    """The font file without the tables the PDF never embeds, and with glyph names taken
    from the character map (post format 3) instead of stored: the same glyphs, widths and
    character map, but each document's subsetting (writing the PDF) no longer reads the
    layout tables and six thousand stored names only to drop them; the glyph order is
    derived once (:func:`_font`)."""
    font = ttLib.TTFont(path, recalcTimestamp=False)
    for tag in UNUSED_TABLES:
        if tag in font:
            del font[tag]
    font["post"].formatType = 3.0
    out = io.BytesIO()
    font.save(out)
    return out.getvalue()


def _font(pdf: FPDF, style: str, name: str) -> TTFFont:
    """The DejaVu font of ``style`` for a new document. fpdf2's parse of the (lean) file,
    its widths and character map, is done once per process and shared, read only; each
    document gets its own glyph subset and its own lazily read copy of the file, since
    writing the PDF cuts that copy down to the glyphs the document used."""
    if style not in _PARSED:
        data = _lean(os.path.join(FONT_DIR, name))
        # fontTools reads a file object as well as a path (fpdf2's annotation says Path)
        parsed = TTFFont(FPDF(), io.BytesIO(data), f"dejavu{style}", style)  # type: ignore[arg-type]
        _PARSED.setdefault(style, (data, parsed, parsed.ttfont.getGlyphOrder()))
    data, parsed, order = _PARSED[style]
    font = TTFFont.__new__(TTFFont)
    for slot in TTFFont.__slots__:
        if hasattr(parsed, slot):
            setattr(font, slot, getattr(parsed, slot))
    font.i = len(pdf.fonts) + 1
    font.ttfont = ttLib.TTFont(io.BytesIO(data), recalcTimestamp=False, lazy=True)
    font.ttfont.setGlyphOrder(list(order))  # not derived again from the character map
    font.missing_glyphs = []
    font.biggest_size_pt = 0
    font._hbfont = None
    font.subset = SubsetMap(font)
    return font


class ReportPDF(FPDF):
    def __init__(self, footer_text: str) -> None:
        super().__init__(orientation="portrait", unit="mm", format="A4")
        self.footer_text = footer_text
        for style, name in FONTS.items():
            self.fonts[f"dejavu{style}"] = _font(self, style, name)
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


def _rom_chart(pdf: ReportPDF, report: PeriodReport, targets: list[Span]) -> pdf_charts.Drawn | None:
    """ROM per session with the target of each plan version over the days it applied."""
    pts = [p for p in report.points if "rom_deg" in p.metrics]
    if not pts:
        return None
    return pdf_charts.rom_chart(
        pdf,
        [(p.started_at.astimezone(report.tz).replace(tzinfo=None), p.metrics["rom_deg"]) for p in pts],
        [(span.first, span.last or report.end, span.version.target_rom_deg) for span in targets],
        first=report.start,
        last=report.end,
        y_title=_("Degrees"),
        series_label=_("Largest repetition"),
        target_label=_("Target"),
    )


def _weeks_chart(pdf: ReportPDF, report: PeriodReport) -> pdf_charts.Drawn | None:
    """Sessions done per week against that week's prescription."""
    if not report.weeks:
        return None
    return pdf_charts.weeks_chart(
        pdf,
        [(w["week_start"], w["done"], w["prescribed"]) for w in report.weeks],
        first=report.start,
        last=report.end,
        y_title=_("Sessions per week"),
        done_label=_("Sessions done"),
        prescribed_label=_("Sessions prescribed"),
    )


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
    charts = (
        (
            _("Range of motion per session"),
            bool(report.points and any("rom_deg" in p.metrics for p in report.points)),
            lambda: _rom_chart(pdf, report, [span for span in report.plan if span.assignment.id == main]),
        ),
        (_("Sessions per week"), bool(report.weeks), lambda: _weeks_chart(pdf, report)),
    )
    for title, has_data, draw in charts:
        if has_data:
            if pdf.get_y() + 85 > pdf.page_break_trigger:  # keep the heading with its chart
                pdf.add_page()
            pdf.heading(title)
            draw()

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
