"""Charts drawn once with reportlab's graphics: rendered to PDF in reports and to SVG on the web."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from reportlab.graphics import renderSVG
from reportlab.graphics.shapes import Drawing, Rect, String
from reportlab.lib import colors

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
                drawing.add(Rect(x, y, w, bar_height, fillColor=colour, strokeColor=colors.white, strokeWidth=0.5))
                x += w
        drawing.add(String(label_width + bar_area + 6, y + 4, f"{bar.volledig}/{bar.total - bar.not_applicable}",
                           fontName="Helvetica", fontSize=8.5, fillColor=TEXT))
        y -= bar_height + gap
    x = 0.0
    names = legend or [name for name, _ in LEGEND]
    for name, (_, colour) in zip(names, LEGEND, strict=True):
        drawing.add(Rect(x, 4, 10, 10, fillColor=colour, strokeColor=None))
        drawing.add(String(x + 14, 6, name, fontName="Helvetica", fontSize=8, fillColor=TEXT))
        x += 30 + 4.6 * len(name)
    return drawing


def to_svg(drawing: Drawing) -> str:
    """The drawing as a standalone SVG document."""
    return renderSVG.drawToString(drawing)


def _shorten(text: str, length: int) -> str:
    return text if len(text) <= length else text[: length - 1] + "…"
