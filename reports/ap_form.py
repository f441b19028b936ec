"""The "Kopie voor het AP-meldformulier" as a PDF: the AP form's sections in order, each question
with its answer, and per section whether it is complete and what is missing.

Data in, PDF out: no Flask, no database. The caller passes the sections (objects with ``title``,
``complete``, ``missing`` and ``questions`` of ``label`` and ``answer``) and the texts around them.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from reports.pdf import TwoPassCanvas, fit, markup, split

MARGIN = 16 * mm
FONT, BOLD = "Helvetica", "Helvetica-Bold"
LABEL_WIDTH = 58 * mm
EMPTY = "—"

_TITLE = ParagraphStyle("title", fontName=BOLD, fontSize=15, leading=19, spaceAfter=4)
_INTRO = ParagraphStyle("intro", fontName=FONT, fontSize=9, leading=12, spaceAfter=6)
_HEAD = ParagraphStyle("head", fontName=BOLD, fontSize=11.5, leading=14, spaceBefore=8, spaceAfter=3, keepWithNext=1)
_STATE = ParagraphStyle("state", fontName=FONT, fontSize=8.5, leading=11, spaceAfter=3, keepWithNext=1)
_LABEL = ParagraphStyle("label", fontName=BOLD, fontSize=8.5, leading=11)
_VALUE = ParagraphStyle("value", fontName=FONT, fontSize=9, leading=11.5)


def _p(text: str, style: ParagraphStyle) -> Paragraph:
    return Paragraph(markup(text) or EMPTY, style)


def _answers(questions: Sequence[Any], width: float) -> Table:
    data: list[list[Any]] = []
    for question in questions:
        for index, piece in enumerate(split(question.answer or "")):
            data.append([_p(question.label, _LABEL) if index == 0 else "", _p(piece, _VALUE)])
    style = TableStyle([
        ("GRID", (0, 0), (-1, -1), 0.25, colors.HexColor("#9aa5b1")),
        ("BACKGROUND", (0, 0), (0, -1), colors.HexColor("#eef1f4")),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("TOPPADDING", (0, 0), (-1, -1), 3),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
    ])
    return Table(data, colWidths=[LABEL_WIDTH, width - LABEL_WIDTH], style=style, splitByRow=1, hAlign="LEFT")


def _canvas(header: str, generated: str) -> type[Canvas]:
    class NumberedCanvas(TwoPassCanvas):
        def decorate(self, total: int) -> None:
            width, height = self._pagesize
            left, right = MARGIN + 6, width - MARGIN - 6
            self.saveState()
            self.setFillColor(colors.HexColor("#333333"))
            self.setFont(BOLD, 8)
            self.drawString(left, height - MARGIN + 12, fit(header, BOLD, 8, right - left - 150))
            self.setFont(FONT, 8)
            self.drawRightString(right, height - MARGIN + 12, f"Gegenereerd op {generated}")
            self.drawRightString(right, MARGIN - 14, f"pagina {self._pageNumber} van {total}")
            self.drawString(left, MARGIN - 14, "Vertrouwelijk: bevat gegevens over een datalek")
            self.restoreState()

    return NumberedCanvas


AP_INTRO = "De antwoorden in de volgorde van het meldformulier van de Autoriteit Persoonsgegevens, om over te nemen."


def to_pdf(sections: Sequence[Any], *, title: str, subtitle: str, generated: str, intro: str = AP_INTRO) -> bytes:
    """A4 portrait: the title, then per section its heading, whether it is complete (what is
    missing) and a table of questions and answers."""
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(buffer, pagesize=A4, leftMargin=MARGIN, rightMargin=MARGIN, topMargin=MARGIN + 6,
                            bottomMargin=MARGIN + 4, title=title, author="BIO-register", creator="BIO-register")
    complete = all(section.complete for section in sections)
    story: list[Flowable] = [
        Paragraph(markup(title), _TITLE),
        Paragraph(markup(subtitle) + "<br/>" + markup(
            intro + " " + ("Alle onderdelen zijn volledig." if complete else
                         "Niet alle onderdelen zijn volledig: zie per onderdeel wat ontbreekt.")), _INTRO),
    ]
    for number, section in enumerate(sections, start=1):
        story.append(Paragraph(markup(f"{number}. {section.title}"), _HEAD))
        state = "Volledig" if section.complete else "Onvolledig — ontbreekt: " + "; ".join(section.missing)
        story.append(Paragraph(markup(state), _STATE))
        story.append(_answers(section.questions, doc.width))
        story.append(Spacer(1, 2 * mm))
    doc.build(story, canvasmaker=_canvas(title, generated))
    return buffer.getvalue()
