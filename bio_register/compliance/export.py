"""The statement of applicability (VvT) as XLSX and PDF."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Sequence
from typing import Any
from xml.sax.saxutils import escape  # nosec B406 # escapes text for markup; parses nothing

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from bio_register import spreadsheet
from bio_register.compliance.models import ControlCatalog
from bio_register.compliance.services import SoaRow
from bio_register.organisations.models import Organisation
from bio_register.timeutil import to_local

COLUMNS = [("code", "Nummer"), ("kind", "Soort"), ("group", "Thema / hoofdstuk"), ("title", "Titel"),
           ("applicable", "Van toepassing"), ("status", "Implementatie"), ("justification", "Toelichting"),
           ("owner", "Eigenaar"), ("assessed_at", "Beoordeeld op"), ("proposed", "Voorstel")]
WIDTHS = {"code": 10, "kind": 14, "group": 28, "title": 50, "justification": 50, "owner": 20, "assessed_at": 17}


def _cells(row: SoaRow) -> list[Any]:
    a = row.assessment
    return [
        row.control.code,
        "overheidsmaatregel" if row.control.kind.value == "measure" else "beheersmaatregel",
        f"{row.control.group_code} {row.control.group_title_nl}",
        row.control.title_nl,
        ("ja" if a.applicable else "nee") if a else "niet beoordeeld",
        a.status.value if a and a.status else "",
        a.justification or "" if a else "",
        a.owner or "" if a else "",
        to_local(a.assessed_at).strftime("%d-%m-%Y %H:%M") if a else "",
        "ja" if a and a.proposed else "",
    ]


def soa_xlsx(organisation: Organisation, catalog: ControlCatalog, rows: Sequence[SoaRow]) -> bytes:
    return spreadsheet.to_xlsx(f"VvT {catalog.key}"[:31], COLUMNS, (_cells(r) for r in rows), widths=WIDTHS,
                               wrap=True)


def soa_pdf(organisation: Organisation, catalog: ControlCatalog, rows: Sequence[SoaRow],
            generated_at: dt.datetime | None = None) -> bytes:
    """Every control with applicability, implementation and justification; page numbers on every page."""
    generated_at = generated_at or dt.datetime.now(dt.UTC)
    small = ParagraphStyle("small", fontName="Helvetica", fontSize=7.5, leading=9)
    bold = ParagraphStyle("bold", parent=small, fontName="Helvetica-Bold")
    title = ParagraphStyle("title", fontName="Helvetica-Bold", fontSize=16, leading=20, spaceAfter=6)
    header = f"Verklaring van Toepasselijkheid — {organisation.name} — {catalog.name}"
    stamp = f"Gegenereerd op {to_local(generated_at):%d-%m-%Y %H:%M}"

    def decorate(canvas: Any, doc: Any) -> None:
        canvas.saveState()
        canvas.setFont("Helvetica", 8)
        width, height = landscape(A4)
        canvas.drawString(15 * mm, height - 10 * mm, header)
        canvas.drawRightString(width - 15 * mm, height - 10 * mm, stamp)
        canvas.drawRightString(width - 15 * mm, 8 * mm, f"pagina {doc.page}")
        canvas.restoreState()

    data = [[Paragraph(escape(h), bold) for _, h in COLUMNS[:8]]]
    for row in rows:
        cells = _cells(row)[:8]
        style = bold if row.control.kind.value == "control" else small
        data.append([Paragraph(escape(str(c))[:3000], style) for c in cells])
    widths = [16 * mm, 24 * mm, 38 * mm, 62 * mm, 18 * mm, 22 * mm, 62 * mm, 25 * mm]
    table = Table(data, colWidths=widths, repeatRows=1)
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
               Spacer(1, 4 * mm), table], onFirstPage=decorate, onLaterPages=decorate)
    return buffer.getvalue()
