"""The PDF report's charts, drawn with fpdf2's own vector primitives (lines, rectangles,
circles, text) straight into the page: range of motion per session with the target of each
plan version, and sessions per week against the prescription.

Drawing them as matplotlib PNGs cost about 90 ms a chart (a figure, a tight layout, a raster
and its PNG); these vectors cost a few milliseconds for a year of daily sessions, print
sharp at any zoom and keep every session's point. Tick labels are chosen so that they fit:
the date step grows (1 day ... 1 year) until each label has room, and :func:`labels_overlap`
checks the drawn boxes. Numbers and dates follow the reader's language
(:mod:`smarttouch.platform.i18n.units`).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from fpdf import FPDF

from ..i18n import units

BLUE = (10, 77, 140)
GREY = (91, 102, 112)
GRID = (217, 221, 224)  # the grey of a 30 % grid line on white
INK = (27, 31, 35)
TICK_SIZE = 7  # pt
LABEL_GAP = 1.5  # mm between neighbouring tick labels
#: date steps tried for the x axis, shortest first: (days, or months when negative)
DATE_STEPS = (1, 2, 7, 14, -1, -2, -3, -6, -12)


@dataclass(frozen=True)
class Box:
    """A drawn label: its text and extent on the page (mm)."""

    text: str
    x: float
    y: float
    w: float
    h: float

    def overlaps(self, other: Box) -> bool:
        return (
            self.x < other.x + other.w
            and other.x < self.x + self.w
            and self.y < other.y + other.h
            and other.y < self.y + self.h
        )


@dataclass
class Drawn:
    """What a chart put on the page: the tick labels of each axis, in order."""

    x_labels: list[Box] = field(default_factory=list)
    y_labels: list[Box] = field(default_factory=list)


def labels_overlap(drawn: Drawn) -> list[str]:
    """The tick labels that overlap a neighbour on the same axis: empty when every label can
    be read."""
    out = []
    for boxes in (drawn.x_labels, drawn.y_labels):
        for a, b in zip(boxes, boxes[1:]):
            if a.overlaps(b):
                out.append(f"{a.text} / {b.text}")
    return out


@dataclass(frozen=True)
class Frame:
    """The plotting area (mm) and the data ranges it shows."""

    left: float
    top: float
    width: float
    height: float
    first: date  # x axis: from the start of this day ...
    last: date  # ... to the end of this one
    y_low: float
    y_high: float

    def x(self, moment: datetime | date) -> float:
        """The abscissa of a local day (its start) or a local (naive) moment."""
        if not isinstance(moment, datetime):
            moment = datetime.combine(moment, time())
        days = (moment - datetime.combine(self.first, time())) / timedelta(days=1)
        return self.left + self.width * days / ((self.last - self.first).days + 1)

    def y(self, value: float) -> float:
        return self.top + self.height * (self.y_high - value) / (self.y_high - self.y_low)


def nice_ticks(low: float, high: float, most: int = 6) -> list[float]:
    """Round tick values (1, 2, 2.5 or 5 times a power of ten) covering ``low``..``high``."""
    if high <= low:
        high = low + 1
    raw = (high - low) / max(1, most - 1)
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw)
    first = math.floor(low / step) * step
    ticks = []
    value = first
    while value < high + step * 0.999:
        ticks.append(round(value, 10))
        value += step
    return ticks


def _date_ticks(first: date, last: date, step: int) -> list[date]:
    if step > 0:
        day = first if step < 7 else first + timedelta(days=(7 - first.weekday()) % 7)  # Mondays
        out = []
        while day <= last + timedelta(days=1):
            out.append(day)
            day += timedelta(days=step)
        return out
    months = -step
    year, month = first.year, first.month
    out = []
    while True:
        day = date(year, month, 1)
        if day > last + timedelta(days=1):
            return out
        if day >= first and (month - 1) % months == 0:
            out.append(day)
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)


def date_label(day: date, long_period: bool) -> str:
    """A date tick through the hub's one locale formatter: day and month (Italian ``03/12``,
    English ``3 Dec``), or month and year over a long period."""
    return units.month(day) if long_period else units.day(day, short=True)


def tick_digits(ticks: list[float]) -> int:
    """Decimals that tell ticks spaced like ``ticks`` apart (0 for whole-number steps), so a
    narrow range reads 50,2 50,4 and never 50 50."""
    steps = [abs(b - a) for a, b in zip(ticks, ticks[1:]) if b != a]
    if not steps:
        return 0
    step = min(steps)
    digits = 0
    while digits < 4 and abs(step * 10**digits - round(step * 10**digits)) > 1e-6:
        digits += 1
    return digits


def value_labels(ticks: list[float]) -> list[str]:
    """The value axis' tick labels in the reader's language (Italian ``55,5``)."""
    digits = tick_digits(ticks)
    return [units.number(v, digits) for v in ticks]


def value_axis(
    pdf: FPDF, left: float, width: float, y_of: Callable[[float], float], ticks: list[float]
) -> list[Box]:
    """A value axis at ``left``: a grid line across ``width`` and a label per tick (at
    ``y_of(tick)``), in the current font and colours; the label boxes, top to bottom."""
    height = TICK_SIZE * 0.3528  # pt -> mm
    boxes = []
    for value, text in zip(ticks, value_labels(ticks)):
        y = y_of(value)
        pdf.line(left, y, left + width, y)
        w = pdf.get_string_width(text)
        pdf.text(left - 1.2 - w, y + height * 0.35, text)
        boxes.append(Box(text, left - 1.2 - w, y - height / 2, w, height))
    boxes.reverse()  # top to bottom, as they read
    return boxes


def _axes(pdf: FPDF, frame: Frame, y_ticks: list[float], y_title: str, x_grid: bool) -> Drawn:
    """Grid, tick labels and the y axis title; the date step that fits."""
    drawn = Drawn()
    pdf.set_font("DejaVu", size=TICK_SIZE)
    pdf.set_line_width(0.2)
    pdf.set_draw_color(*GRID)
    pdf.set_text_color(*INK)
    height = TICK_SIZE * 0.3528  # pt -> mm
    drawn.y_labels = value_axis(pdf, frame.left, frame.width, frame.y, y_ticks)
    long_period = (frame.last - frame.first).days >= 300
    for step in DATE_STEPS:
        ticks = [
            d
            for d in _date_ticks(frame.first, frame.last, step)
            if frame.first <= d <= frame.last + timedelta(days=1)
        ]
        if len(ticks) > 8 and step != DATE_STEPS[-1]:  # too many to read: a longer step
            continue
        boxes = []
        for day in ticks:
            text = date_label(day, long_period)
            w = pdf.get_string_width(text)
            boxes.append(Box(text, frame.x(day) - w / 2, frame.top + frame.height + 1.2, w, height))
        roomy = all(b.x + b.w + LABEL_GAP <= c.x for b, c in zip(boxes, boxes[1:]))
        if roomy and len(boxes) <= 8:
            break
    for box, day in zip(boxes, ticks):
        x = frame.x(day)
        if x_grid:
            pdf.line(x, frame.top, x, frame.top + frame.height)
        pdf.set_draw_color(*INK)
        pdf.line(x, frame.top + frame.height, x, frame.top + frame.height + 0.8)
        pdf.set_draw_color(*GRID)
        pdf.text(box.x, box.y + height * 0.85, box.text)
    drawn.x_labels = boxes
    pdf.set_draw_color(*INK)
    pdf.rect(frame.left, frame.top, frame.width, frame.height)
    pdf.set_font("DejaVu", size=8)
    title_w = pdf.get_string_width(y_title)
    with pdf.rotation(90, frame.left - 11, frame.top + frame.height / 2):
        pdf.text(frame.left - 11 - title_w / 2, frame.top + frame.height / 2, y_title)
    return drawn


def _legend(pdf: FPDF, frame: Frame, items: list[tuple[str, Any]]) -> None:
    """Entries centred under the chart: (text, draw(x, y) of its key)."""
    pdf.set_font("DejaVu", size=8)
    widths = [8 + pdf.get_string_width(text) for text, _ in items]
    x = frame.left + (frame.width - sum(widths) - 6 * (len(items) - 1)) / 2
    y = frame.top + frame.height + 8
    for (text, key), w in zip(items, widths):
        key(x + 3, y)
        pdf.set_text_color(*INK)
        pdf.text(x + 7, y + 1.1, text)
        x += w + 6


def _frame(pdf: FPDF, height: float, first: date, last: date, y_ticks: list[float]) -> Frame:
    left = pdf.l_margin + 16
    return Frame(left, pdf.get_y() + 2, pdf.epw - 18, height, first, last, y_ticks[0], y_ticks[-1])


def rom_chart(
    pdf: FPDF,
    points: list[tuple[datetime, float]],
    targets: list[tuple[date, date, float]],
    *,
    first: date,
    last: date,
    y_title: str,
    series_label: str,
    target_label: str,
) -> Drawn:
    """Range of motion per session (local start, degrees), joined, with each target over the
    days it applied (dashed); drawn from the current position, which moves below it."""
    values = [v for _t, v in points] + [t for _a, _b, t in targets]
    low, high = min(values), max(values)
    pad = max(1.0, (high - low) * 0.05)
    ticks = nice_ticks(low - pad, high + pad)
    frame = _frame(pdf, 50, first, last, ticks)
    drawn = _axes(pdf, frame, ticks, y_title, x_grid=True)
    pdf.set_line_width(0.35)
    pdf.set_draw_color(*GREY)
    pdf.set_dash_pattern(dash=1.6, gap=0.8)
    for start, end, target in targets:
        a = max(start, frame.first)
        b = min(end + timedelta(days=1), frame.last + timedelta(days=1))
        if a < b:
            pdf.line(frame.x(a), frame.y(target), frame.x(b), frame.y(target))
    pdf.set_dash_pattern()
    xy = [(frame.x(t), frame.y(v)) for t, v in points]
    pdf.set_draw_color(*BLUE)
    pdf.set_fill_color(*BLUE)
    pdf.set_line_width(0.3)
    if len(xy) > 1:
        pdf.polyline(xy)
    for x, y in xy:
        pdf.circle(x, y, 0.45, style="F")

    def dot(x: float, y: float) -> None:
        pdf.set_draw_color(*BLUE)
        pdf.line(x - 2.5, y, x + 2.5, y)
        pdf.circle(x, y, 0.45, style="F")

    def dashed(x: float, y: float) -> None:
        pdf.set_draw_color(*GREY)
        pdf.set_dash_pattern(dash=1.6, gap=0.8)
        pdf.line(x - 2.5, y, x + 2.5, y)
        pdf.set_dash_pattern()

    _legend(pdf, frame, [(series_label, dot)] + ([(target_label, dashed)] if targets else []))
    pdf.set_y(frame.top + frame.height + 13)
    return drawn


def weeks_chart(
    pdf: FPDF,
    weeks: list[tuple[date, int, int]],
    *,
    first: date,
    last: date,
    y_title: str,
    done_label: str,
    prescribed_label: str,
) -> Drawn:
    """Sessions done per week (bars, 5 days wide from the Monday) against that week's
    prescription (dashed, squares); drawn from the current position, which moves below it."""
    high = max([1] + [max(done, prescribed) for _m, done, prescribed in weeks])
    ticks = [t for t in nice_ticks(0, high * 1.05) if t == int(t)] or [0.0, 1.0]
    if ticks[-1] < high:
        ticks.append(ticks[-1] + (ticks[1] - ticks[0] if len(ticks) > 1 else 1))
    frame = _frame(
        pdf,
        42,
        min(first, weeks[0][0] - timedelta(days=3)),
        max(last, weeks[-1][0] + timedelta(days=3)),
        ticks,
    )
    drawn = _axes(pdf, frame, ticks, y_title, x_grid=False)
    pdf.set_fill_color(*BLUE)
    for monday, done, _p in weeks:
        if done:
            x0, x1 = frame.x(monday - timedelta(hours=60)), frame.x(monday + timedelta(hours=60))
            pdf.rect(x0, frame.y(done), x1 - x0, frame.y(0) - frame.y(done), style="F")
    xy = [(frame.x(m), frame.y(p)) for m, _d, p in weeks]
    pdf.set_draw_color(*GREY)
    pdf.set_fill_color(*GREY)
    pdf.set_line_width(0.3)
    pdf.set_dash_pattern(dash=1.6, gap=0.8)
    if len(xy) > 1:
        pdf.polyline(xy)
    pdf.set_dash_pattern()
    for x, y in xy:
        pdf.rect(x - 0.5, y - 0.5, 1.0, 1.0, style="F")

    def bar(x: float, y: float) -> None:
        pdf.set_fill_color(*BLUE)
        pdf.rect(x - 1.5, y - 1.5, 3, 3, style="F")

    def squares(x: float, y: float) -> None:
        pdf.set_draw_color(*GREY)
        pdf.set_fill_color(*GREY)
        pdf.set_dash_pattern(dash=1.6, gap=0.8)
        pdf.line(x - 2.5, y, x + 2.5, y)
        pdf.set_dash_pattern()
        pdf.rect(x - 0.5, y - 0.5, 1.0, 1.0, style="F")

    _legend(pdf, frame, [(done_label, bar), (prescribed_label, squares)])
    pdf.set_y(frame.top + frame.height + 13)
    return drawn
