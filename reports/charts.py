"""Charts drawn once with reportlab's graphics: rendered to PDF in reports and to SVG on the web."""

from __future__ import annotations

import itertools
import re
import xml.etree.ElementTree as ET  # nosec B405 # reads only the SVG our own chart code just drew, never outside input
from collections.abc import Callable, Sequence
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
                         legend: Sequence[str] | None = None, text_scale: float = 1.0,
                         count_label: Callable[[ImplementationBar], str] | None = None) -> Drawing:
    """One horizontal stacked bar per theme or chapter: volledig, gedeeltelijk, niet, and the rest,
    each as a share of the group's controls, with the counts written next to the bar (by default
    "volledig/toepasselijk"; ``count_label`` words it otherwise). ``text_scale`` enlarges the text
    and the bars with it (on screen, where 8.5 points would be too small to read)."""
    size, legend_size = 8.5 * text_scale, 8 * text_scale
    count_label = count_label or (lambda bar: f"{bar.volledig}/{bar.total - bar.not_applicable}")
    label_width = min(210.0 * text_scale, width * 0.4)
    count_width = max(70.0, max((stringWidth(count_label(b), FONT, size) + 12 for b in bars), default=0))
    bar_height, gap = 16.0 * text_scale, 8.0 * text_scale
    top = 26.0 if title else 6.0
    names = list(legend or [name for name, _ in LEGEND])
    legend_height = len(_legend_layout(names, legend_size, width)[1]) * (legend_size + 8) + 6
    height = top + len(bars) * (bar_height + gap) + legend_height + 6
    drawing = Drawing(width, height)
    if title:
        drawing.add(String(0, height - 16, title, fontName="Helvetica-Bold", fontSize=11, fillColor=TEXT))
    bar_area = width - label_width - count_width
    y = height - top - bar_height
    baseline = (bar_height - size) / 2 + size * 0.2
    for bar in bars:
        drawing.add(String(0, y + baseline, _fit(bar.label, FONT, size, label_width - 6), fontName="Helvetica",
                           fontSize=size, fillColor=TEXT))
        x = label_width
        total = bar.total or 1
        rest = bar.not_applicable + bar.unassessed
        for count, colour in ((bar.volledig, VOLLEDIG), (bar.gedeeltelijk, GEDEELTELIJK), (bar.niet, NIET),
                              (rest, NIET_BEOORDEELD)):
            if count:
                w = bar_area * count / total
                drawing.add(_box(x, y, w, bar_height, colour, stroke=colors.white, stroke_width=0.5))
                x += w
        drawing.add(String(label_width + bar_area + 6, y + baseline, count_label(bar),
                           fontName="Helvetica", fontSize=size, fillColor=TEXT))
        y -= bar_height + gap
    _legend(drawing, list(zip(names, (colour for _, colour in LEGEND), strict=True)), y=4, size=legend_size,
            width=width)
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


SVG_NS = "http://www.w3.org/2000/svg"
_numbers = itertools.count(1)


def to_inline_svg(drawing: Drawing, label: str, *, css_class: str = "chart chart-svg") -> str:
    """The drawing as an ``<svg>`` element to put inside a web page under a strict Content Security
    Policy (``style-src 'self'``, which refuses ``style`` attributes): reportlab's styles become
    presentation attributes (``fill=``, ``font-size=`` …), the clip path and fixed ids go, and the
    element is an image named ``label`` for assistive technology (``role="img"`` with a ``<title>``).
    It keeps its drawn width and height, with the viewBox to scale it: the stylesheet's ``.chart``
    (``max-width: 100%; height: auto``) shrinks it on a narrow screen. The numbers it shows belong in
    a table or text beside it as well."""
    ET.register_namespace("", SVG_NS)
    ET.register_namespace("xlink", "http://www.w3.org/1999/xlink")
    # reportlab's own output for our drawing: no outside XML is parsed here
    root = ET.fromstring(to_svg(drawing).encode("utf-8"))  # noqa: S314  # nosec B314
    number = next(_numbers)
    title_id = f"chart-title-{number}"
    for element in list(root.iter()):
        style = element.attrib.pop("style", None)
        if style:
            for declaration in style.split(";"):
                name, _colon, value = declaration.partition(":")
                name, value = name.strip(), value.strip()
                if not name or not value or name == "clip-path":
                    continue
                if name == "font-family":
                    value = f"{value}, Arial, sans-serif"
                element.set(name, value)
        element.attrib.pop("id", None)
    for child in list(root):
        tag = child.tag.rsplit("}", 1)[-1]
        if tag in ("clipPath", "desc"):
            root.remove(child)
        elif tag == "title":
            child.text = label
            child.set("id", title_id)
    root.set("role", "img")
    root.set("aria-labelledby", title_id)
    root.set("class", css_class)
    root.set("focusable", "false")
    text = ET.tostring(root, encoding="unicode")
    return re.sub(r"\s*\n\s*", "\n", text)


# --- incidents: the eight-quarter trend and a breakdown against the previous quarter ----------------------

# Okabe–Ito colours: told apart with the common kinds of colour blindness, and by lightness in grey.
INCIDENT = colors.HexColor("#0072b2")   # blue
DATALEK = colors.HexColor("#e69f00")    # orange
ON_TIME = colors.HexColor("#009e73")    # bluish green: AP meldingen on time
LATE = colors.HexColor("#d55e00")       # vermilion: AP meldingen late
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
    return bar_trend_chart([p.period for p in points],
                           [Series(legend[0], INCIDENT, [p.incidents for p in points]),
                            Series(legend[1], DATALEK, [p.datalekken for p in points])],
                           width=width, height=height, title=title)


@dataclass(frozen=True)
class Series:
    """One kind of bar in :func:`bar_trend_chart`: its legend name, colour and a value per period."""

    name: str
    colour: colors.Color
    values: Sequence[float | None]   # None: nothing to show (no bar, a dash)


def bar_trend_chart(periods: Sequence[str], series: Sequence[Series], *, width: float = 480, height: float = 210,
                    title: str | None = None, text_scale: float = 1.0, ceiling: float | None = None,
                    value_label: Callable[[float], str] = lambda v: f"{v:g}",
                    axis_label: Callable[[float], str] = lambda v: f"{v:g}", empty: str = "Geen gegevens") -> Drawing:
    """Grouped vertical bars per period (oldest left; the last one, the current period, labelled in
    bold), one bar per series with its value above it, a y-axis with gridlines and a legend. A period
    label may hold a line break ("3e kwartaal\n2026"). ``ceiling`` fixes the axis top (100 for
    percentages); ``value_label`` and ``axis_label`` write the numbers (in the reader's locale)."""
    drawing = Drawing(width, height)
    size, small = 8 * text_scale, 7.5 * text_scale
    lines = max((label.count("\n") + 1 for label in periods), default=1)
    top = 22.0 if title else 6.0
    if title:
        drawing.add(String(0, height - 15, title, fontName=BOLD, fontSize=11, fillColor=TEXT))
    legend_rows = _legend(drawing, [(s.name, s.colour) for s in series], y=4, size=size, width=width)
    if not periods:
        drawing.add(String(width / 2, height / 2, empty, fontName=FONT, fontSize=9 * text_scale, fillColor=TEXT,
                           textAnchor="middle"))
        return drawing
    peak = max((v for s in series for v in s.values if v is not None), default=0)
    step: float
    top_value: float
    if ceiling is None:
        step, top_value = _ticks(int(-(-peak // 1)))
    else:
        step, top_value = ceiling / 4, ceiling
    x0 = max(30.0, max(stringWidth(axis_label(top_value), FONT, small) + 8, stringWidth("0", FONT, small) + 8))
    x1 = width - 4
    y0 = 4 + legend_rows * (size + 8) + 8 + lines * (size + 2)
    y1 = height - top - small - 6
    scale = (y1 - y0) / (top_value or 1)
    value = 0.0
    while value <= top_value + 1e-9:
        y = y0 + value * scale
        drawing.add(Line(x0, y, x1, y, strokeColor=GRID if value else AXIS, strokeWidth=0.5))
        drawing.add(String(x0 - 4, y - small * 0.35, axis_label(value), fontName=FONT, fontSize=small,
                           fillColor=TEXT, textAnchor="end"))
        value += step
    slot = (x1 - x0) / len(periods)
    bar = min(20.0 * text_scale, slot * 0.8 / max(len(series), 1))
    group = bar * len(series) + (len(series) - 1)
    for index, period in enumerate(periods):
        centre = x0 + slot * (index + 0.5)
        for number, item in enumerate(series):
            count = item.values[index]
            left = centre - group / 2 + number * (bar + 1)
            h = (count or 0) * scale
            if h:
                drawing.add(_box(left, y0, bar, h, item.colour))
            drawing.add(String(left + bar / 2, y0 + h + 2, "—" if count is None else value_label(count),
                               fontName=FONT, fontSize=small, fillColor=TEXT, textAnchor="middle"))
        last = index == len(periods) - 1
        for row, text in enumerate(period.split("\n")):
            drawing.add(String(centre, y0 - (size + 4) * (row + 1), text, fontName=BOLD if last else FONT,
                               fontSize=size, fillColor=TEXT, textAnchor="middle"))
    return drawing


def breakdown_chart(counts: Sequence[Count], title: str | None, *, width: float = 480, limit: int = 15,
                    legend: Sequence[str] = ("dit kwartaal", "vorig kwartaal"), other: str = "overige",
                    text_scale: float = 1.0, empty: str = "Geen gegevens") -> Drawing:
    """A horizontal bar per label for this period, with a thinner grey bar below it for the previous
    period (when the counts carry one); the numbers are written beside the bars. Past ``limit``
    labels the smallest are added up as "overige (n)"."""
    items = _limited(counts, limit, other)
    compared = any(c.previous is not None for c in items)
    k = text_scale
    size = 8.5 * k
    label_width = min(170.0 * k, width * 0.36)
    bar_height, previous_height, gap = 11.0 * k, 6.0 * k, 7.0 * k
    row = bar_height + (previous_height + 1 if compared else 0) + gap
    top = 22.0 if title else 4.0
    entries = [(legend[0], CURRENT)] + ([(legend[1], PREVIOUS)] if compared else [])
    legend_rows = len(_legend_layout([name for name, _ in entries], 8 * k, width)[1])
    legend_height = legend_rows * (8 * k + 8) + 4
    height = top + max(len(items), 1) * row + legend_height
    drawing = Drawing(width, height)
    if title:
        drawing.add(String(0, height - 15, title, fontName=BOLD, fontSize=11, fillColor=TEXT))
    _legend(drawing, entries, y=4, size=8 * k, width=width)
    if not items:
        drawing.add(String(0, height - top - 12 * k, empty, fontName=FONT, fontSize=9 * k, fillColor=TEXT))
        return drawing
    peak = max(max(c.value, c.previous or 0) for c in items) or 1
    number_width = max(34.0, max(stringWidth(str(c.value), BOLD, size) + 10 for c in items))
    bar_area = width - label_width - number_width
    y = height - top - bar_height
    baseline = (bar_height - size) / 2 + size * 0.2
    for count in items:
        drawing.add(String(0, y + baseline, _fit(count.label, FONT, size, label_width - 6), fontName=FONT,
                           fontSize=size, fillColor=TEXT))
        w = bar_area * count.value / peak
        if w:
            drawing.add(_box(label_width, y, w, bar_height, CURRENT))
        drawing.add(String(label_width + w + 4, y + baseline, str(count.value), fontName=BOLD, fontSize=size,
                           fillColor=TEXT))
        if compared:
            py = y - previous_height - 1
            previous = count.previous or 0
            pw = bar_area * previous / peak
            if pw:
                drawing.add(_box(label_width, py, pw, previous_height, PREVIOUS))
            text = "—" if count.previous is None else str(previous)
            drawing.add(String(label_width + pw + 4, py, text, fontName=FONT, fontSize=7 * k, fillColor=AXIS))
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


def _legend(drawing: Drawing, entries: Sequence[tuple[str, colors.Color]], *, y: float, size: float = 8,
            width: float | None = None) -> int:
    """The legend along the bottom, wrapped onto more rows when ``width`` is given and too narrow;
    returns the number of rows (the first at ``y``, the next ones below… so the caller leaves room)."""
    widths, rows = _legend_layout([name for name, _ in entries], size, width)
    box = size * 1.25
    for number, row in enumerate(rows):
        x = 0.0
        row_y = y + (len(rows) - 1 - number) * (size + 8)
        for index in row:
            name, colour = entries[index]
            drawing.add(_box(x, row_y, box, box, colour))
            drawing.add(String(x + box + size * 0.5, row_y + size * 0.25, name, fontName=FONT, fontSize=size,
                               fillColor=TEXT))
            x += widths[index]
    return len(rows)


def _legend_layout(names: Sequence[str], size: float, width: float | None) -> tuple[list[float], list[list[int]]]:
    """Each legend entry's width, and the entries on each row."""
    widths = [size * 1.75 + stringWidth(name, FONT, size) + 2 * size for name in names]
    rows: list[list[int]] = [[]]
    used = 0.0
    for index, w in enumerate(widths):
        if width is not None and rows[-1] and used + w > width:
            rows.append([])
            used = 0.0
        rows[-1].append(index)
        used += w
    return widths, rows


def _fit(text: str, font: str, size: float, width: float) -> str:
    """``text`` shortened with "…" to fit ``width`` points."""
    if stringWidth(text, font, size) <= width:
        return text
    while text and stringWidth(text + "…", font, size) > width:
        text = text[:-1]
    return text + "…"
