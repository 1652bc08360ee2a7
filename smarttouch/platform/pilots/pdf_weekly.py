"""The pilot report's weekly chart, drawn with fpdf2's own vector primitives like the
progress report's charts (:mod:`..reports.pdf_charts`, whose ticks and label boxes it uses):
each arm's mean range of motion per week since enrolment (:mod:`..services.pilots.weekly_rom`)
with its 95% CI as a vertical bar. Numbers follow the reader's language."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from fpdf import FPDF

from ..i18n import units
from ..reports.pdf_charts import GRID, INK, TICK_SIZE, Box, Drawn, nice_ticks, value_axis
from ..services.pilots.weekly_rom import WeekPoint

ARM_RGB = {"pilot": (10, 77, 140), "comparator": (179, 89, 0)}  # the report's blue and orange
HEIGHT = 50.0  # mm
MAX_X_LABELS = 12
DODGE = 0.1  # weeks between the arms' points of one week


@dataclass(frozen=True)
class Plotted:
    """One drawn point: the arm, the week, the numbers and where they went on the page (mm)."""

    arm: str
    week: int
    value: float
    low: float | None
    high: float | None
    x: float
    y: float


@dataclass(frozen=True)
class WeeklyFrame:
    left: float
    top: float
    width: float
    height: float
    weeks: int
    y_low: float
    y_high: float

    def x(self, week: float) -> float:
        return self.left + self.width * (week - 0.5) / self.weeks

    def y(self, value: float) -> float:
        return self.top + self.height * (self.y_high - value) / (self.y_high - self.y_low)


def weekly_chart(
    pdf: FPDF,
    series: dict[str, Sequence[WeekPoint]],
    *,
    labels: dict[str, str],
    y_title: str,
    x_title: str,
) -> tuple[Drawn, list[Plotted]]:
    """Draw ``series`` (arm -> its weekly points) from the current position, which moves below
    the chart; returns the tick labels drawn and every plotted point."""
    points = {arm: [w for w in ws if w.rom.value is not None] for arm, ws in series.items()}
    points = {arm: ws for arm, ws in points.items() if ws}
    values = [
        v for ws in points.values() for w in ws for v in (w.rom.value, w.rom.low, w.rom.high) if v is not None
    ]
    low, high = min(values), max(values)
    pad = max(1.0, (high - low) * 0.05)
    ticks = nice_ticks(low - pad, high + pad)
    weeks = max(w.week for ws in points.values() for w in ws)
    frame = WeeklyFrame(pdf.l_margin + 16, pdf.get_y() + 2, pdf.epw - 18, HEIGHT, weeks, ticks[0], ticks[-1])
    drawn = _axes(pdf, frame, ticks, y_title, x_title)
    plotted = []
    pdf.set_line_width(0.3)
    for i, (arm, ws) in enumerate(points.items()):
        colour = ARM_RGB.get(arm, INK)
        pdf.set_draw_color(*colour)
        pdf.set_fill_color(*colour)
        dodge = (i - (len(points) - 1) / 2) * DODGE  # the arms side by side, their bars apart
        xy = [(frame.x(w.week + dodge), frame.y(w.rom.value)) for w in ws if w.rom.value is not None]
        if len(xy) > 1:
            pdf.polyline(xy)
        for w, (x, y) in zip(ws, xy):
            if w.rom.low is not None and w.rom.high is not None:
                top, bottom = frame.y(w.rom.high), frame.y(w.rom.low)
                pdf.line(x, top, x, bottom)
                pdf.line(x - 0.8, top, x + 0.8, top)
                pdf.line(x - 0.8, bottom, x + 0.8, bottom)
            pdf.circle(x, y, 0.6, style="F")
            assert w.rom.value is not None
            plotted.append(Plotted(arm, w.week, w.rom.value, w.rom.low, w.rom.high, x, y))
    _legend(pdf, frame, [(labels.get(arm, arm), ARM_RGB.get(arm, INK)) for arm in points])
    pdf.set_y(frame.top + frame.height + 17)
    return drawn, plotted


def _axes(pdf: FPDF, frame: WeeklyFrame, y_ticks: list[float], y_title: str, x_title: str) -> Drawn:
    drawn = Drawn()
    pdf.set_font("DejaVu", size=TICK_SIZE)
    pdf.set_line_width(0.2)
    pdf.set_text_color(*INK)
    height = TICK_SIZE * 0.3528  # pt -> mm
    pdf.set_draw_color(*GRID)
    drawn.y_labels = value_axis(pdf, frame.left, frame.width, frame.y, y_ticks)
    step = -(-frame.weeks // MAX_X_LABELS)  # every week, or every 2nd, 3rd... when they are many
    pdf.set_draw_color(*INK)
    for week in range(1, frame.weeks + 1, step):
        text = units.number(week, 0)
        w = pdf.get_string_width(text)
        x = frame.x(week)
        pdf.line(x, frame.top + frame.height, x, frame.top + frame.height + 0.8)
        box = Box(text, x - w / 2, frame.top + frame.height + 1.2, w, height)
        pdf.text(box.x, box.y + height * 0.85, text)
        drawn.x_labels.append(box)
    pdf.rect(frame.left, frame.top, frame.width, frame.height)
    pdf.set_font("DejaVu", size=8)
    title_w = pdf.get_string_width(x_title)
    pdf.text(frame.left + (frame.width - title_w) / 2, frame.top + frame.height + 7, x_title)
    title_w = pdf.get_string_width(y_title)
    with pdf.rotation(90, frame.left - 11, frame.top + frame.height / 2):
        pdf.text(frame.left - 11 - title_w / 2, frame.top + frame.height / 2, y_title)
    return drawn


def _legend(pdf: FPDF, frame: WeeklyFrame, items: list[tuple[str, tuple[int, int, int]]]) -> None:
    """Entries centred under the chart's axis title: a coloured line and dot, then the name."""
    pdf.set_font("DejaVu", size=8)
    widths = [8 + pdf.get_string_width(text) for text, _ in items]
    x = frame.left + (frame.width - sum(widths) - 6 * (len(items) - 1)) / 2
    y = frame.top + frame.height + 12
    for (text, colour), w in zip(items, widths):
        pdf.set_draw_color(*colour)
        pdf.set_fill_color(*colour)
        pdf.line(x + 0.5, y, x + 5.5, y)
        pdf.circle(x + 3, y, 0.6, style="F")
        pdf.set_text_color(*INK)
        pdf.text(x + 7, y + 1.1, text)
        x += w + 6
