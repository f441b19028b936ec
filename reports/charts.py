"""Charts drawn once with reportlab's graphics: rendered to PDF in reports and to SVG on the web."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from reportlab.graphics import renderSVG
from reportlab.graphics.shapes import Drawing, Line, Rect, String
from reportlab.lib import colors
from reportlab.pdfbase.pdfmetrics import stringWidth

from reports.data import Count, TrendPoint

# Colour-blind-safe, with enough contrast against white; the legend names every colour.
VOLLEDIG = colors.HexColor("#1e6b34")
GEDEELTELIJK = colors.HexColor("#e0a100")
NIET = colors.HexColor("#b00020")
NIET_BEOORDEELD = colors.HexColor("#c8c8c8")
TEXT = colors.HexColor("#1a1a1a")


@dataclass(frozen=True)
class ImplementationBar:
    label: str
    volledig: int
    gedeeltelijk: int
    niet: int
    not_applicable: int
    unassessed: int

    @property
    def total(self) -> int:
        return self.volledig + self.gedeeltelijk + self.niet + self.not_applicable + self.unassessed


LEGEND = (("volledig", VOLLEDIG), ("gedeeltelijk", GEDEELTELIJK), ("niet", NIET),
          ("niet van toepassing / niet beoordeeld", NIET_BEOORDEELD))


def implementation_chart(bars: Sequence[ImplementationBar], *, width: float = 640, title: str | None = None,
                         legend: Sequence[str] | None = None) -> Drawing:
    """One horizontal stacked bar per theme or chapter: volledig, gedeeltelijk, niet, and the rest,
    each as a share of the group's controls, with the counts written next to the bar."""
    label_width, bar_height, gap = 210.0, 16.0, 8.0
    top = 26.0 if title else 6.0
    legend_height = 22.0
    height = top + len(bars) * (bar_height + gap) + legend_height + 6
    drawing = Drawing(width, height)
    if title:
        drawing.add(String(0, height - 16, title, fontName="Helvetica-Bold", fontSize=11, fillColor=TEXT))
    bar_area = width - label_width - 70
    y = height - top - bar_height
    for bar in bars:
        drawing.add(String(0, y + 4, _shorten(bar.label, 38), fontName="Helvetica", fontSize=8.5, fillColor=TEXT))
        x = label_width
        total = bar.total or 1
        rest = bar.not_applicable + bar.unassessed
        for count, colour in ((bar.volledig, VOLLEDIG), (bar.gedeeltelijk, GEDEELTELIJK), (bar.niet, NIET),
                              (rest, NIET_BEOORDEELD)):
            if count:
                w = bar_area * count / total
                drawing.add(_box(x, y, w, bar_height, colour, stroke=colors.white, stroke_width=0.5))
                x += w
        drawing.add(String(label_width + bar_area + 6, y + 4, f"{bar.volledig}/{bar.total - bar.not_applicable}",
                           fontName="Helvetica", fontSize=8.5, fillColor=TEXT))
        y -= bar_height + gap
    x = 0.0
    names = legend or [name for name, _ in LEGEND]
    for name, (_, colour) in zip(names, LEGEND, strict=True):
        drawing.add(_box(x, 4, 10, 10, colour))
        drawing.add(String(x + 14, 6, name, fontName="Helvetica", fontSize=8, fillColor=TEXT))
        x += 30 + 4.6 * len(name)
    return drawing


def _box(x: float, y: float, width: float, height: float, fill: colors.Color, *,
         stroke: colors.Color | None = None, stroke_width: float | None = None) -> Rect:
    """A filled rectangle, without an outline unless ``stroke`` is given. (The style is set as
    attributes, which reportlab checks the same way as keyword arguments: types-reportlab types
    ``Rect``'s keyword arguments wrongly.)"""
    rect = Rect(x, y, width, height)
    rect.fillColor = fill
    rect.strokeColor = stroke
    if stroke_width is not None:
        rect.strokeWidth = stroke_width
    return rect


def to_svg(drawing: Drawing) -> str:
    """The drawing as a standalone SVG document."""
    return renderSVG.drawToString(drawing)


def _shorten(text: str, length: int) -> str:
    return text if len(text) <= length else text[: length - 1] + "…"


# --- incidents: the eight-quarter trend and a breakdown against the previous quarter ----------------------

# Okabe–Ito colours: told apart with the common kinds of colour blindness, and by lightness in grey.
INCIDENT = colors.HexColor("#0072b2")   # blue
DATALEK = colors.HexColor("#e69f00")    # orange
CURRENT = colors.HexColor("#0072b2")
PREVIOUS = colors.HexColor("#a3a3a3")   # grey: the period before
GRID = colors.HexColor("#dddddd")
AXIS = colors.HexColor("#666666")
FONT, BOLD = "Helvetica", "Helvetica-Bold"


def trend_chart(points: Sequence[TrendPoint], *, width: float = 480, height: float = 210,
                title: str | None = None,
                legend: Sequence[str] = ("beveiligingsincidenten (geen datalek)", "datalekken")) -> Drawing:
    """Grouped vertical bars per quarter (oldest left, the last one is the current quarter and
    labelled in bold): the beveiligingsincidenten that are not datalekken and the datalekken, each
    with its number above the bar, a y-axis with gridlines and a legend."""
    drawing = Drawing(width, height)
    top = 22.0 if title else 6.0
    if title:
        drawing.add(String(0, height - 15, title, fontName=BOLD, fontSize=11, fillColor=TEXT))
    _legend(drawing, list(zip(legend, (INCIDENT, DATALEK), strict=True)), y=4)
    if not points:
        drawing.add(String(width / 2, height / 2, "Geen gegevens", fontName=FONT, fontSize=9, fillColor=TEXT,
                           textAnchor="middle"))
        return drawing
    x0, x1 = 30.0, width - 4
    y0, y1 = 40.0, height - top - 12
    peak = max(max(p.incidents, p.datalekken) for p in points)
    step, ceiling = _ticks(peak)
    scale = (y1 - y0) / ceiling
    value = 0
    while value <= ceiling:
        y = y0 + value * scale
        drawing.add(Line(x0, y, x1, y, strokeColor=GRID if value else AXIS, strokeWidth=0.5))
        drawing.add(String(x0 - 4, y - 3, str(value), fontName=FONT, fontSize=7.5, fillColor=TEXT,
                           textAnchor="end"))
        value += step
    slot = (x1 - x0) / len(points)
    bar = min(20.0, slot * 0.34)
    for index, point in enumerate(points):
        centre = x0 + slot * (index + 0.5)
        for offset, count, colour in ((-bar - 1, point.incidents, INCIDENT), (1, point.datalekken, DATALEK)):
            h = count * scale
            if h:
                drawing.add(_box(centre + offset, y0, bar, h, colour))
            drawing.add(String(centre + offset + bar / 2, y0 + h + 2, str(count), fontName=FONT, fontSize=7.5,
                               fillColor=TEXT, textAnchor="middle"))
        last = index == len(points) - 1
        drawing.add(String(centre, y0 - 12, point.period, fontName=BOLD if last else FONT, fontSize=8,
                           fillColor=TEXT, textAnchor="middle"))
    return drawing


def breakdown_chart(counts: Sequence[Count], title: str | None, *, width: float = 480, limit: int = 15,
                    legend: Sequence[str] = ("dit kwartaal", "vorig kwartaal"), other: str = "overige") -> Drawing:
    """A horizontal bar per label for this period, with a thinner grey bar below it for the previous
    period (when the counts carry one); the numbers are written beside the bars. Past ``limit``
    labels the smallest are added up as "overige (n)"."""
    items = _limited(counts, limit, other)
    compared = any(c.previous is not None for c in items)
    label_width = min(170.0, width * 0.36)
    bar_height, previous_height, gap = 11.0, 6.0, 7.0
    row = bar_height + (previous_height + 1 if compared else 0) + gap
    top = 22.0 if title else 4.0
    legend_height = 20.0
    height = top + max(len(items), 1) * row + legend_height
    drawing = Drawing(width, height)
    if title:
        drawing.add(String(0, height - 15, title, fontName=BOLD, fontSize=11, fillColor=TEXT))
    entries = [(legend[0], CURRENT)] + ([(legend[1], PREVIOUS)] if compared else [])
    _legend(drawing, entries, y=4)
    if not items:
        drawing.add(String(0, height - top - 12, "Geen gegevens", fontName=FONT, fontSize=9, fillColor=TEXT))
        return drawing
    peak = max(max(c.value, c.previous or 0) for c in items) or 1
    bar_area = width - label_width - 34
    y = height - top - bar_height
    for count in items:
        drawing.add(String(0, y + 2.5, _fit(count.label, FONT, 8.5, label_width - 6), fontName=FONT,
                           fontSize=8.5, fillColor=TEXT))
        w = bar_area * count.value / peak
        if w:
            drawing.add(_box(label_width, y, w, bar_height, CURRENT))
        drawing.add(String(label_width + w + 4, y + 2.5, str(count.value), fontName=BOLD, fontSize=8.5,
                           fillColor=TEXT))
        if compared:
            py = y - previous_height - 1
            previous = count.previous or 0
            pw = bar_area * previous / peak
            if pw:
                drawing.add(_box(label_width, py, pw, previous_height, PREVIOUS))
            text = "—" if count.previous is None else str(previous)
            drawing.add(String(label_width + pw + 4, py, text, fontName=FONT, fontSize=7, fillColor=AXIS))
        y -= row
    return drawing


def _limited(counts: Sequence[Count], limit: int, other: str) -> list[Count]:
    """At most ``limit`` bars: the largest keep their place in the given order, the rest are summed."""
    items = list(counts)
    if len(items) <= limit:
        return items
    keep = set(sorted(range(len(items)), key=lambda i: (-items[i].value, i))[: limit - 1])
    rest = [item for i, item in enumerate(items) if i not in keep]
    previous = [c.previous for c in rest if c.previous is not None]
    summed = Count(f"{other} ({len(rest)})", sum(c.value for c in rest), sum(previous) if previous else None)
    return [items[i] for i in sorted(keep)] + [summed]


def _ticks(peak: int) -> tuple[int, int]:
    """A step of 1, 2 or 5 × 10ⁿ giving at most five gridlines, and the axis top (a multiple of it)."""
    peak = max(peak, 1)
    magnitude = 1
    while True:
        for factor in (1, 2, 5):
            step = factor * magnitude
            if peak / step <= 5:
                return step, -(-peak // step) * step
        magnitude *= 10


def _legend(drawing: Drawing, entries: Sequence[tuple[str, colors.Color]], *, y: float) -> None:
    x = 0.0
    for name, colour in entries:
        drawing.add(_box(x, y, 10, 10, colour))
        drawing.add(String(x + 14, y + 2, name, fontName=FONT, fontSize=8, fillColor=TEXT))
        x += 14 + stringWidth(name, FONT, 8) + 16


def _fit(text: str, font: str, size: float, width: float) -> str:
    """``text`` shortened with "…" to fit ``width`` points."""
    if stringWidth(text, font, size) <= width:
        return text
    while text and stringWidth(text + "…", font, size) > width:
        text = text[:-1]
    return text + "…"
