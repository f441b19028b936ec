"""The statement of applicability (VvT) as XLSX and PDF."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Mapping, Sequence
from typing import Any
from xml.sax.saxutils import escape  # nosec B406 # escapes text for markup; parses nothing

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from bio_register import spreadsheet
from bio_register.compliance.models import ASPECTS, Aspect, ControlCatalog
from bio_register.compliance.services import SoaRow
from bio_register.organisations.models import Organisation
from bio_register.timeutil import to_local
from reports.pdf import TwoPassCanvas

COLUMNS = [("code", "Nummer"), ("kind", "Soort"), ("group", "Thema / hoofdstuk"), ("title", "Titel"),
           ("applicable", "Van toepassing"), ("status", "Implementatie"), ("opzet", "Opzet"), ("bestaan", "Bestaan"),
           ("werking", "Werking"), ("contradictions", "Tegenstrijdig"), ("justification", "Toelichting"),
           ("owner", "Eigenaar"), ("assessed_at", "Beoordeeld op"), ("proposed", "Voorstel"),
           ("evidence_expired", "Bewijs verlopen")]
#: the PDF's columns (landscape A4): opzet, bestaan and werking together in one
PDF_COLUMNS = [("code", "Nummer"), ("kind", "Soort"), ("group", "Thema / hoofdstuk"), ("title", "Titel"),
               ("applicable", "Van toepassing"), ("status", "Implementatie"), ("obw", "Opzet, bestaan, werking"),
               ("justification", "Toelichting"), ("owner", "Eigenaar")]
#: a cell's left plus right padding in the PDF table (ReportLab's default is 6 pt each side)
CELL_PADDING = 12.0
#: the PDF columns that take the width left over, in this proportion (title, justification)
FLEXIBLE = {3: 1.0, 7: 1.0}
WIDTHS = {"code": 10, "kind": 14, "group": 28, "title": 50, "opzet": 30, "bestaan": 30, "werking": 30,
          "contradictions": 40, "evidence_expired": 10, "justification": 50, "owner": 20, "assessed_at": 17}
ASPECT_TEXT = {"voldoet": "voldoet", "voldoet_gedeeltelijk": "voldoet gedeeltelijk", "voldoet_niet": "voldoet niet",
               "niet_beoordeeld": "niet beoordeeld"}


def status_text(control: Any) -> str:
    """A control's status in words as the PDF and the spreadsheet show it; empty when active."""
    if control.status == "moved":
        return f"verplaatst naar {control.moved_to}" if control.moved_to else "verplaatst"
    if control.status == "withdrawn":
        return "vervallen"
    return "" if control.status == "active" else str(control.status)


def aspect_text(aspect: Aspect, files: Mapping[int, str] | None = None) -> str:
    """One of opzet, bestaan and werking in words: "voldoet (12-11-2026, J. Jansen; bewijs: …)";
    ``files``: the evidence attachments' names by id."""
    files = files or {}
    text = ASPECT_TEXT[aspect.status.value]
    details = []
    if aspect.assessed:
        details.append(", ".join(filter(None, [aspect.assessed_on.strftime("%d-%m-%Y") if aspect.assessed_on else "",
                                               aspect.assessed_by or ""])))
    named = [files.get(i, f"bewijsstuk {i}") for i in aspect.attachment_ids]
    evidence = "; ".join(filter(None, [aspect.evidence or "", *named]))
    if evidence:
        details.append(f"bewijs: {evidence}")
    details = [d for d in details if d]
    return f"{text} ({'; '.join(details)})" if details else text


def _values(row: SoaRow, files: Mapping[int, str]) -> dict[str, Any]:
    a = row.assessment
    status = status_text(row.control)
    aspects = {aspect.name: aspect for aspect in a.aspects} if a is not None and a.applicable else {}
    return {
        "code": row.control.code,
        "kind": "overheidsmaatregel" if row.control.kind.value == "measure" else "beheersmaatregel",
        "group": f"{row.control.group_code} {row.control.group_title_nl}",
        "title": f"{row.control.title_nl} ({status})" if status else row.control.title_nl,
        "applicable": ("ja" if a.applicable else "nee") if a else "niet beoordeeld",
        "status": a.status.value if a and a.status else "",
        **{name: aspect_text(aspects[name], files) if name in aspects else "" for name in ASPECTS},
        "obw": "\n".join(f"{name}: {ASPECT_TEXT[aspects[name].status.value]}" for name in ASPECTS if name in aspects),
        "contradictions": " ".join(row.contradictions),
        "evidence_expired": "ja" if row.evidence_expired else "",
        "justification": a.justification or "" if a else "",
        "owner": a.owner or "" if a else "",
        "assessed_at": to_local(a.assessed_at).strftime("%d-%m-%Y %H:%M") if a else "",
        "proposed": "ja" if a and a.proposed else "",
    }


def _cells(row: SoaRow, columns: Sequence[tuple[str, str]] = COLUMNS,
           files: Mapping[int, str] | None = None) -> list[Any]:
    values = _values(row, files or {})
    return [values[key] for key, _header in columns]


def soa_xlsx(organisation: Organisation, catalog: ControlCatalog, rows: Sequence[SoaRow],
             files: Mapping[int, str] | None = None) -> bytes:
    """``files``: the names of the evidence attachments by id (what opzet, bestaan, werking refer to)."""
    return spreadsheet.to_xlsx(f"VvT {catalog.key}"[:31], COLUMNS, (_cells(r, COLUMNS, files) for r in rows),
                               widths=WIDTHS, wrap=True)


def _fitting_widths(texts: Sequence[Sequence[tuple[str, str]]], total: float, size: float) -> list[float]:
    """Column widths in which no word is broken: each column is at least as wide as its longest
    word (in the font of its cell), and the title and justification columns share what is left.
    ``texts`` holds per row per column (text, font name)."""
    columns = len(texts[0])
    least = [0.0] * columns
    for row in texts:
        for index, (text, font) in enumerate(row):
            for word in text.split():
                least[index] = max(least[index], stringWidth(word, font, size) + CELL_PADDING)
    spare = total - sum(least)
    if spare <= 0:          # a very long word (a URL in a justification): it alone gets broken
        return [total * value / sum(least) for value in least]
    weight = sum(FLEXIBLE.values())
    return [value + spare * FLEXIBLE.get(index, 0.0) / weight for index, value in enumerate(least)]


def _page_count_canvas(header: str, stamp: str) -> type[Canvas]:
    """A canvas that draws the header and "pagina X van Y" once the number of pages is known."""

    class PageCountCanvas(TwoPassCanvas):
        def decorate(self, total: int) -> None:
            self.saveState()
            self.setFont("Helvetica", 8)
            width, height = landscape(A4)
            self.drawString(15 * mm, height - 10 * mm, header)
            self.drawRightString(width - 15 * mm, height - 10 * mm, stamp)
            self.drawRightString(width - 15 * mm, 8 * mm, f"pagina {self._pageNumber} van {total}")
            self.restoreState()

    return PageCountCanvas


def soa_pdf(organisation: Organisation, catalog: ControlCatalog, rows: Sequence[SoaRow],
            generated_at: dt.datetime | None = None) -> bytes:
    """Every control with applicability, implementation and justification; "pagina X van Y" on
    every page; column widths that never break a word (no hyphenation, no split words)."""
    generated_at = generated_at or dt.datetime.now(dt.UTC)
    size = 7.5
    small = ParagraphStyle("small", fontName="Helvetica", fontSize=size, leading=9)
    bold = ParagraphStyle("bold", parent=small, fontName="Helvetica-Bold")
    title = ParagraphStyle("title", fontName="Helvetica-Bold", fontSize=16, leading=20, spaceAfter=6)
    header = f"Verklaring van Toepasselijkheid — {organisation.name} — {catalog.name}"
    stamp = f"Gegenereerd op {to_local(generated_at):%d-%m-%Y %H:%M}"

    texts: list[list[tuple[str, str]]] = [[(h, bold.fontName) for _, h in PDF_COLUMNS]]
    styles = [bold]
    for row in rows:
        style = bold if row.control.kind.value == "control" else small
        texts.append([(str(c)[:3000], style.fontName) for c in _cells(row, PDF_COLUMNS)])
        styles.append(style)
    data = [[Paragraph(escape(text).replace("\n", "<br/>"), style) for text, _font in cells]
            for cells, style in zip(texts, styles, strict=True)]
    width = landscape(A4)[0] - 30 * mm
    table = Table(data, colWidths=_fitting_widths(texts, width, size), repeatRows=1)
    table.setStyle(TableStyle([
        ("GRID", (0, 0), (-1, -1), 0.25, colors.HexColor("#b5b5b5")),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8eef5")),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
    ]))
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(buffer, pagesize=landscape(A4), leftMargin=15 * mm, rightMargin=15 * mm,
                            topMargin=16 * mm, bottomMargin=14 * mm, title=header, author="BIO-register")
    doc.build([Paragraph(escape("Verklaring van Toepasselijkheid"), title),
               Paragraph(escape(f"{organisation.name} · {catalog.name} · {stamp}"), small),
               Spacer(1, 4 * mm), table], canvasmaker=_page_count_canvas(header, stamp))
    return buffer.getvalue()
