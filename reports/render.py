"""The quarterly report and the monthly incident follow-up report (BIO2 5.24.04) as PDF bytes.

Plain dataclasses in (:mod:`reports.data`), PDF bytes out: no Flask, no database. A4 portrait,
Helvetica only (built in; its encoding covers é, ë, ï, € and the minus sign), Dutch text.

Every report has a title page, a one-page "Samenvatting" a manager reads in a minute, and then
its sections. Every page carries "pagina X van Y", the version and the generation time
(Europe/Amsterdam); every page after the title page also carries the scope and the period. All
text from the data is XML-escaped before it goes into Paragraph markup, so it is shown literally.
Empty lists become a sentence, long lists are cut off with a note of how many were left out, and
long text is split over table rows, so a row never outgrows a page.
"""

from __future__ import annotations

import datetime as dt
import io
from collections import Counter
from collections.abc import Iterable, Sequence
from typing import Any
from zoneinfo import ZoneInfo

from reportlab.graphics.shapes import Drawing
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    CondPageBreak,
    Flowable,
    PageBreak,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from reports import charts
from reports.data import (
    AnnualAccountability,
    AspectCounts,
    AspectFigures,
    BreachFigures,
    CbwFigures,
    ComplianceFigures,
    ControlLine,
    Count,
    FindingFigures,
    MeasureFigures,
    MonthlyIncident,
    MonthlyReport,
    QuarterlyReport,
    TrendPoint,
)
from reports.pdf import TwoPassCanvas, fit, markup, split

QUARTERLY_TITLE = "Kwartaalrapportage informatiebeveiliging"
MONTHLY_TITLE = "Maandrapportage incidentopvolging (BIO2 5.24.04)"
ANNUAL_TITLE = "Jaarverantwoording informatiebeveiliging"
TIMEZONE = "Europe/Amsterdam"
CLASSIFICATION = "Vertrouwelijk"
MONTHS = ("januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus", "september", "oktober",
          "november", "december")
MINUS = "\u2212"
EMPTY = "—"

#: how much of a long list is shown
MAX_GAPS = 15
MAX_LINKED = 10
MAX_FINDINGS = 40
MAX_ATTENTION_SUMMARY = 8
MAX_ATTENTION = 40
MAX_SUMMARY_ROWS = 8
#: text per table row: a row never outgrows a page (longer text continues on the next row)
CHUNK = 900
MAX_LINES = 20

PAGE = A4
MARGIN = 18 * mm
FONT, BOLD, ITALIC = "Helvetica", "Helvetica-Bold", "Helvetica-Oblique"
INK = colors.HexColor("#1a1a1a")
ACCENT = colors.HexColor("#1f3a5f")
MUTED = colors.HexColor("#555555")
RULE = colors.HexColor("#9aa5b1")
SHADE = colors.HexColor("#eef1f4")
WARN = colors.HexColor("#9c2a00")

_TITLE = ParagraphStyle("title", fontName=BOLD, fontSize=24, leading=30, textColor=ACCENT, spaceAfter=14)
_SUBTITLE = ParagraphStyle("subtitle", fontName=BOLD, fontSize=15, leading=20, textColor=INK, spaceAfter=4)
_PERIOD = ParagraphStyle("period", fontName=FONT, fontSize=13, leading=18, textColor=INK, spaceAfter=18)
_LABEL = ParagraphStyle("label", fontName=BOLD, fontSize=9, leading=12, textColor=WARN)
_H1 = ParagraphStyle("h1", fontName=BOLD, fontSize=15, leading=19, textColor=ACCENT, spaceBefore=16, spaceAfter=8)
_H2 = ParagraphStyle("h2", fontName=BOLD, fontSize=11.5, leading=15, textColor=ACCENT, spaceBefore=10,
                     spaceAfter=4)
_H3 = ParagraphStyle("h3", fontName=BOLD, fontSize=10, leading=13, textColor=INK, spaceBefore=8, spaceAfter=3)
_BODY = ParagraphStyle("body", fontName=FONT, fontSize=9.5, leading=13, textColor=INK, spaceAfter=6)
_NOTE = ParagraphStyle("note", fontName=ITALIC, fontSize=8.5, leading=11, textColor=MUTED, spaceAfter=6)
_ITEM = ParagraphStyle("item", parent=_BODY, leftIndent=14, bulletIndent=2, spaceAfter=3)
_CELL = ParagraphStyle("cell", fontName=FONT, fontSize=8.5, leading=10.5, textColor=INK)
_CELL_BOLD = ParagraphStyle("cellbold", parent=_CELL, fontName=BOLD)
_CELL_SUB = ParagraphStyle("cellsub", parent=_CELL, leftIndent=12)
_CELL_NUM = ParagraphStyle("cellnum", parent=_CELL, alignment=2)
_CELL_HEAD = ParagraphStyle("cellhead", parent=_CELL, fontName=BOLD, textColor=ACCENT)
_CELL_HEAD_NUM = ParagraphStyle("cellheadnum", parent=_CELL_HEAD, alignment=2)
_TILE_NUMBER = ParagraphStyle("tilenumber", fontName=BOLD, fontSize=22, leading=26, textColor=ACCENT)
_TILE_LABEL = ParagraphStyle("tilelabel", fontName=BOLD, fontSize=8.5, leading=10.5, textColor=INK)
_TILE_NOTE = ParagraphStyle("tilenote", fontName=FONT, fontSize=8, leading=10, textColor=MUTED)


# --- text -------------------------------------------------------------------------------------------------

def change(current: int, previous: int | None) -> str:
    """The change against the previous period: "+3", "−2" or "gelijk"; "" when there is nothing to compare."""
    if previous is None:
        return ""
    difference = current - previous
    if difference == 0:
        return "gelijk"
    return f"+{difference}" if difference > 0 else f"{MINUS}{-difference}"


def percentage(value: float | None) -> str:
    """62.5 → "62,5%"; None → "—"."""
    return EMPTY if value is None else f"{value:.1f}".replace(".", ",") + "%"


def percentage_change(current: float | None, previous: float | None) -> str:
    """"+3,1 procentpunt", "−0,5 procentpunt" or "gelijk"; "" when either is unknown."""
    if current is None or previous is None:
        return ""
    difference = round(current - previous, 1)
    if difference == 0:
        return "gelijk"
    sign = "+" if difference > 0 else MINUS
    return f"{sign}{abs(difference):.1f}".replace(".", ",") + " procentpunt"


def local_time(moment: dt.datetime) -> dt.datetime:
    """An aware moment in Amsterdam time; a naive one is taken to be UTC."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(ZoneInfo(TIMEZONE))


def generated_text(moment: dt.datetime) -> str:
    """"3 oktober 2026 om 09:15" (Amsterdam time)."""
    local = local_time(moment)
    return f"{local.day} {MONTHS[local.month - 1]} {local.year} om {local:%H:%M}"


def _plural(count: int, one: str, many: str) -> str:
    return f"{count} {one if count == 1 else many}"


def _shorten(text: str, length: int) -> str:
    return text if len(text) <= length else text[: length - 1].rstrip() + "…"


# --- flowables --------------------------------------------------------------------------------------------

def _heading(text: str, style: ParagraphStyle, room: float = 35 * mm) -> list[Flowable]:
    """A heading that starts a new page when less than ``room`` is left below it, so it is never
    left alone at the foot of a page. (Not keepWithNext: that moves a heading and a long table
    together to the next page, leaving an empty page behind.)"""
    return [CondPageBreak(room), Paragraph(markup(text), style)]


def _sentence(text: str) -> Paragraph:
    return Paragraph(markup(text), _BODY)


def _bullets(items: Iterable[str], *, numbered: bool = False) -> list[Flowable]:
    return [Paragraph(markup(item), _ITEM, bulletText=f"{n}." if numbered else "•")
            for n, item in enumerate(items, start=1)]


def _table(header: Sequence[str], rows: Sequence[Sequence[Any]], widths: Sequence[float], *,
           numeric: Iterable[int] = (), bold_first: bool = False) -> Table:
    """A table with a repeated header row, thin rules and shaded alternate rows. String cells are
    escaped; flowables are used as they are."""
    numeric = set(numeric)
    data: list[list[Any]] = [[Paragraph(markup(h), _CELL_HEAD_NUM if i in numeric else _CELL_HEAD)
                              for i, h in enumerate(header)]]
    for row in rows:
        cells = []
        for i, cell in enumerate(row):
            if isinstance(cell, Flowable):
                cells.append(cell)
            else:
                cell_style = _CELL_NUM if i in numeric else _CELL_BOLD if bold_first and i == 0 else _CELL
                cells.append(Paragraph(markup(str(cell)), cell_style))
        data.append(cells)
    style: list[tuple[Any, ...]] = [
        ("LINEBELOW", (0, 0), (-1, 0), 0.8, ACCENT),
        ("LINEBELOW", (0, 1), (-1, -1), 0.25, RULE),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("TOPPADDING", (0, 0), (-1, -1), 3),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
        ("LEFTPADDING", (0, 0), (-1, -1), 4),
        ("RIGHTPADDING", (0, 0), (-1, -1), 4),
    ]
    style += [("BACKGROUND", (0, r), (-1, r), SHADE) for r in range(2, len(data), 2)]
    return Table(data, colWidths=list(widths), style=TableStyle(style), repeatRows=1, splitByRow=1, hAlign="LEFT",
                 spaceAfter=8)


def _tiles(tiles: Sequence[tuple[str, str, str]], width: float) -> Table:
    """Key numbers side by side: (number, label, note)."""
    cells = [[Paragraph(markup(number), _TILE_NUMBER), Paragraph(markup(label), _TILE_LABEL),
              Paragraph(markup(note), _TILE_NOTE)] for number, label, note in tiles]
    gap = 3 * mm
    tile_width = (width - gap * (len(tiles) - 1)) / len(tiles)
    row: list[Any] = []
    widths: list[float] = []
    for index, cell in enumerate(cells):
        if index:
            row.append("")
            widths.append(gap)
        row.append(cell)
        widths.append(tile_width)
    style: list[tuple[Any, ...]] = [("VALIGN", (0, 0), (-1, -1), "TOP"),
                                    ("TOPPADDING", (0, 0), (-1, -1), 6), ("BOTTOMPADDING", (0, 0), (-1, -1), 7),
                                    ("LEFTPADDING", (0, 0), (-1, -1), 7), ("RIGHTPADDING", (0, 0), (-1, -1), 5)]
    for column in range(0, len(row), 2):
        style += [("BACKGROUND", (column, 0), (column, 0), SHADE),
                  ("LINEABOVE", (column, 0), (column, 0), 2, ACCENT)]
    return Table([row], colWidths=widths, style=TableStyle(style), hAlign="LEFT")


def _chart(drawing: Drawing, width: float, max_height: float = 200 * mm) -> Drawing:
    """The drawing scaled down (never up) to fit the frame."""
    factor = min(1.0, width / drawing.width, max_height / drawing.height)
    if factor < 1:
        drawing.scale(factor, factor)
        drawing.width *= factor
        drawing.height *= factor
    drawing.hAlign = "LEFT"
    return drawing


def _more(shown: int, total: int, what: str) -> list[Flowable]:
    if total <= shown:
        return []
    return [Paragraph(markup(f"De {shown} grootste van {total} {what} zijn getoond; "
                             f"{total - shown} niet getoond."), _NOTE)]


# --- the page furniture -----------------------------------------------------------------------------------

def _numbered_canvas(scope: str, period: str, footer: str) -> type[Canvas]:
    """A canvas that, once the page count is known, draws "pagina X van Y", the version and the
    generation time on every page, and the scope and period above every page after the title page."""

    class NumberedCanvas(TwoPassCanvas):
        def decorate(self, total: int) -> None:
            width, height = self._pagesize
            left, right = MARGIN, width - MARGIN
            self.saveState()
            if self._pageNumber == 1:
                self.setFillColor(ACCENT)
                self.rect(0, height - 14 * mm, width, 14 * mm, stroke=0, fill=1)
                self.setFillColor(colors.white)
                self.setFont(BOLD, 10)
                self.drawString(left, height - 9 * mm, "BIO-register")
                self.drawRightString(right, height - 9 * mm, CLASSIFICATION)
            else:
                self.setFillColor(MUTED)
                self.setFont(FONT, 8)
                period_text = fit(period, FONT, 8, (right - left) * 0.45)
                self.drawRightString(right, height - MARGIN + 14, period_text)
                room = right - left - stringWidth(period_text, FONT, 8) - 16
                self.setFillColor(INK)
                self.setFont(BOLD, 8)
                self.drawString(left, height - MARGIN + 14, fit(scope, BOLD, 8, room))
                self.setStrokeColor(RULE)
                self.setLineWidth(0.5)
                self.line(left, height - MARGIN + 10, right, height - MARGIN + 10)
            self.setStrokeColor(RULE)
            self.setLineWidth(0.5)
            self.line(left, MARGIN - 6, right, MARGIN - 6)
            self.setFillColor(MUTED)
            self.setFont(FONT, 8)
            self.drawString(left, MARGIN - 16, f"{CLASSIFICATION} · {footer}")
            self.setFont(BOLD, 8)
            self.drawRightString(right, MARGIN - 16, f"pagina {self._pageNumber} van {total}")
            self.restoreState()

    return NumberedCanvas


#: the text that carries the audit anchor in a PDF's metadata (keywords); read by ``anchor_in_pdf``
ANCHOR_KEYWORD = "bio-register-audit-anchor"


def anchor_rows(anchor: str | None) -> list[list[str]]:
    """The title page's row with the audit chain's head ("SEQ:HASH"), the hash in groups of 16."""
    if not anchor:
        return []
    seq, _, digest = anchor.partition(":")
    grouped = " ".join(digest[i:i + 16] for i in range(0, len(digest), 16))
    return [["Auditketen", f"stand {seq}, hash {grouped} (controle: bio-register verify-audit "
                           f"--anchor {anchor})"]]


def _title_page(title: str, scope: str, period_label: str, period: str, version: int, generated: str,
                organisations: Sequence[str], intro: str, width: float, anchor: str | None = None) -> list[Flowable]:
    rows: list[list[str]] = [["Reikwijdte", scope], ["Periode", f"{period_label} ({period})"]]
    if organisations:
        rows.append(["Organisaties", ", ".join(organisations)])
    rows += [["Versie", str(version)], ["Gegenereerd op", f"{generated} (Europe/Amsterdam)"],
             *anchor_rows(anchor),
             ["Rubricering", f"{CLASSIFICATION}: alleen voor intern gebruik door de geadresseerden"]]
    details = Table([[Paragraph(markup(label), _CELL_BOLD), Paragraph(markup(value), _CELL)] for label, value in rows],
                    colWidths=[38 * mm, width - 38 * mm], hAlign="LEFT",
                    style=TableStyle([("LINEABOVE", (0, 0), (-1, 0), 0.8, ACCENT),
                                      ("LINEBELOW", (0, 0), (-1, -1), 0.25, RULE),
                                      ("VALIGN", (0, 0), (-1, -1), "TOP"),
                                      ("TOPPADDING", (0, 0), (-1, -1), 4), ("BOTTOMPADDING", (0, 0), (-1, -1), 4),
                                      ("LEFTPADDING", (0, 0), (-1, -1), 0)]))
    return [Spacer(1, 40 * mm), Paragraph(markup(CLASSIFICATION.upper()), _LABEL), Spacer(1, 4 * mm),
            Paragraph(markup(title), _TITLE), Paragraph(markup(scope), _SUBTITLE),
            Paragraph(markup(period_label), _PERIOD), details, Spacer(1, 10 * mm), Paragraph(markup(intro), _NOTE),
            PageBreak()]


def _build(story: list[Flowable], *, title: str, scope: str, period_label: str, version: int,
           generated_at: dt.datetime, anchor: str | None = None) -> bytes:
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(buffer, pagesize=PAGE, leftMargin=MARGIN, rightMargin=MARGIN, topMargin=MARGIN + 4,
                            bottomMargin=MARGIN + 2, title=f"{title}: {scope}, {period_label}",
                            subject=f"{scope}, {period_label}", author="BIO-register", creator="BIO-register",
                            keywords=[f"{ANCHOR_KEYWORD} {anchor}"] if anchor else [])
    footer = f"versie {version}, gegenereerd op {generated_text(generated_at)}"
    doc.build(story, canvasmaker=_numbered_canvas(scope, period_label, footer))
    return buffer.getvalue()


def anchor_in_pdf(pdf: bytes) -> str | None:
    """The audit anchor ("SEQ:HASH") a report PDF carries in its metadata, if any (reportlab writes
    the document information dictionary uncompressed)."""
    import re

    found = re.search(rb"\(" + ANCHOR_KEYWORD.encode() + rb" (\d+:[0-9a-f]{64})\)", pdf)
    return found.group(1).decode() if found else None


def _frame_width() -> float:
    return PAGE[0] - 2 * MARGIN - 12  # the frame's own padding, 6 points a side


# --- the quarterly report ---------------------------------------------------------------------------------

def _compared(count: Count) -> str:
    """"+3 t.o.v. vorig kwartaal (14)" or "geen vergelijking"."""
    if count.previous is None:
        return "geen vergelijking met het vorige kwartaal"
    return f"{change(count.value, count.previous)} t.o.v. vorig kwartaal ({count.previous})"


def _ap_note(b: BreachFigures) -> str:
    if not b.notified:
        return "geen meldingen bij de AP"
    return f"{b.notified_on_time} binnen 72 uur, {b.notified_late} te laat"


def _cbw_note(c: CbwFigures) -> str:
    return (f"{_plural(c.early_warnings, 'vroegtijdige waarschuwing', 'vroegtijdige waarschuwingen')}, "
            f"{_plural(c.notifications, 'incidentmelding', 'incidentmeldingen')}, "
            f"{_plural(c.final_reports, 'eindverslag', 'eindverslagen')}; {c.late} te laat")


def _quarterly_summary(report: QuarterlyReport, width: float) -> list[Flowable]:
    b, m = report.breaches, report.measures
    story: list[Flowable] = [
        Paragraph("Samenvatting", _H1),
        _sentence(f"De kerncijfers informatiebeveiliging van {report.scope} over {report.period_label}, "
                  "vergeleken met het vorige kwartaal. De hoofdstukken hierna geven de details."),
    ]
    fourth: tuple[str, str, str]
    if len(report.compliance) == 1:
        c = report.compliance[0]
        note = percentage_change(c.percentage, c.previous_percentage)
        fourth = (percentage(c.percentage), f"Implementatie {c.catalog}",
                  f"{note} sinds de vorige rapportage" if note else "geen eerdere rapportage")
    else:
        fourth = (str(m.overdue), "Maatregelen over de termijn", "open en over de streefdatum")
    story += [_tiles([(str(report.incidents.value), "Beveiligingsincidenten", _compared(report.incidents)),
                      (str(report.datalekken.value), "Datalekken", _compared(report.datalekken)),
                      (str(b.notified), "Meldingen bij de AP", _ap_note(b)),
                      fourth], width), Spacer(1, 5 * mm)]

    rows: list[list[str]] = [
        ["Beveiligingsincidenten (incl. datalekken)", str(report.incidents.value), _compared(report.incidents)],
        ["Datalekken", str(report.datalekken.value), _compared(report.datalekken)],
        ["Meldingen bij de AP (eerste melding)", str(b.notified), _ap_note(b)],
        ["Besloten niet te melden bij de AP", str(b.not_notified),
         f"{b.undecided} nog zonder besluit van de FG" if b.undecided else ""],
        ["Betrokkenen geïnformeerd (art. 34 AVG)", str(b.subjects_informed), ""],
        ["Significante incidenten (Cbw)", str(report.cbw.significant), _cbw_note(report.cbw)],
        ["Maatregelen geopend / afgerond", f"{m.opened} / {m.completed}", ""],
        ["Maatregelen over de termijn", str(m.overdue), "open en over de streefdatum aan het eind van het kwartaal"],
        ["Open bevindingen", str(report.findings.open),
         f"{report.findings.overdue_count} met verlopen hertest" if report.findings.overdue_count
         else "geen met verlopen hertest"],
    ]
    for c in report.compliance:
        note = percentage_change(c.percentage, c.previous_percentage)
        rows.append([f"Implementatie {c.catalog}: {c.organisation}", percentage(c.percentage),
                     f"{note} sinds de vorige rapportage ({percentage(c.previous_percentage)})" if note
                     else "geen eerdere rapportage"])
    story.append(Paragraph("Kerncijfers", _H2))
    story.append(_table(["Onderwerp", "Aantal", "Toelichting"], rows, [width * 0.40, width * 0.12, width * 0.48],
                        numeric=[1]))

    story.append(Paragraph("Aandachtspunten voor het management", _H2))
    if not report.attention:
        story.append(_sentence("Er zijn geen openstaande punten die aandacht van het management vragen."))
    else:
        shown = report.attention[:MAX_ATTENTION_SUMMARY]
        story += _bullets((_shorten(item, 260) for item in shown), numbered=True)
        if len(report.attention) > len(shown):
            story.append(Paragraph(markup(f"En nog {len(report.attention) - len(shown)} punten; zie hoofdstuk 5."),
                                   _NOTE))
    story.append(PageBreak())
    return story


def _counts_table(counts: Sequence[Count], first: str, width: float) -> Table:
    rows = [[c.label, str(c.value), EMPTY if c.previous is None else str(c.previous), change(c.value, c.previous)]
            for c in counts]
    return _table([first, "Dit kwartaal", "Vorig kwartaal", "Verschil"], rows,
                  [width * 0.52, width * 0.16, width * 0.16, width * 0.16], numeric=[1, 2, 3])


def _trend_table(points: Sequence[TrendPoint], width: float) -> Table:
    first = 46 * mm
    rest = (width - first) / len(points)
    rows = [["Incidenten (geen datalek)", *(str(p.incidents) for p in points)],
            ["Datalekken", *(str(p.datalekken) for p in points)],
            ["Totaal", *(str(p.incidents + p.datalekken) for p in points)]]
    columns = range(1, len(points) + 1)
    return _table(["Kwartaal", *(p.period for p in points)], rows, [first] + [rest] * len(points), numeric=columns)


def _incident_section(report: QuarterlyReport, width: float) -> list[Flowable]:
    story: list[Flowable] = _heading("1 Incidenten en datalekken", _H1)
    i, d = report.incidents, report.datalekken
    text = (f"In {report.period_label} {'is' if i.value == 1 else 'zijn'} "
            f"{_plural(i.value, 'beveiligingsincident', 'beveiligingsincidenten')} geregistreerd "
            "(inclusief datalekken)")
    if i.previous is not None:
        text += f"; vorig kwartaal {i.previous} ({change(i.value, i.previous)})"
    text += f". Daarvan {'was' if d.value == 1 else 'waren'} {_plural(d.value, 'datalek', 'datalekken')}"
    if d.previous is not None:
        text += f"; vorig kwartaal {d.previous} ({change(d.value, d.previous)})"
    story.append(_sentence(text + "."))
    story.append(Paragraph(markup(
        "Telling: elk beveiligingsincident dat in het kwartaal is ontdekt, datalekken en ingetrokken meldingen "
        "inbegrepen. De Jaarcijfers voor de jaarrekening tellen anders: beveiligingsincidenten zonder de "
        "datalekken, datalekken apart, en zonder ingetrokken meldingen."), _NOTE))

    story += _heading("Verloop over de laatste acht kwartalen", _H2, 95 * mm)
    points = list(report.trend)[-8:]
    if not points:
        story.append(_sentence("Geen gegevens over eerdere kwartalen."))
    else:
        story += [_chart(charts.trend_chart(points, width=width), width), Spacer(1, 3 * mm),
                  _trend_table(points, width)]

    for counts, title, empty in (
            (report.by_category, "Per categorie", "Geen incidenten in dit kwartaal."),
            (report.by_severity, "Per ernst", "Geen incidenten in dit kwartaal.")):
        story.append(CondPageBreak(60 * mm))
        if counts:
            story += [Spacer(1, 4 * mm), _chart(charts.breakdown_chart(counts, title, width=width), width)]
        else:
            story += [*_heading(title, _H2), _sentence(empty)]

    story += _heading("Per status aan het eind van het kwartaal", _H2)
    story.append(_counts_table(report.by_status, "Status", width) if report.by_status
                 else _sentence("Geen incidenten in dit kwartaal."))
    return story


def _figures_table(rows: Sequence[tuple[str, int]], width: float) -> Table:
    """Label and number; a label starting with "waarvan" is indented under the row above it."""
    cells = [[Paragraph(markup(label), _CELL_SUB if label.startswith("waarvan") else _CELL), str(value)]
             for label, value in rows]
    return _table(["", "Aantal"], cells, [width * 0.7, width * 0.15], numeric=[1])


def _breach_section(report: QuarterlyReport, width: float) -> list[Flowable]:
    b, c = report.breaches, report.cbw
    story: list[Flowable] = _heading("2 Datalekken en meldingen", _H1, 90 * mm)
    if not any((b.datalekken, b.notified, b.not_notified, b.undecided, b.subjects_informed, b.open_at_ap)):
        story.append(_sentence("Geen datalekken in dit kwartaal."))
    else:
        story.append(_figures_table([
            ("Datalekken in het kwartaal", b.datalekken),
            ("Meldingen bij de Autoriteit Persoonsgegevens (eerste melding)", b.notified),
            ("waarvan binnen 72 uur na het bewust worden", b.notified_on_time),
            ("waarvan te laat", b.notified_late),
            ("Besloten niet te melden bij de AP", b.not_notified),
            ("Nog geen besluit van de FG", b.undecided),
            ("Betrokkenen geïnformeerd (art. 34 AVG)", b.subjects_informed),
            ("Dossiers open bij de AP aan het eind van het kwartaal (gemeld, niet gesloten door de AP)",
             b.open_at_ap),
        ], width))
        if b.notified_late:
            story.append(Paragraph(markup(
                f"Let op: {_plural(b.notified_late, 'melding is', 'meldingen zijn')} later dan 72 uur na het "
                "bewust worden bij de AP gedaan. De reden staat in het datalekkenregister."), _BODY))
        if b.undecided:
            story.append(_sentence(f"Over {_plural(b.undecided, 'datalek', 'datalekken')} heeft de FG nog niet "
                                   "besloten of melding bij de AP nodig is."))
    story += _heading("Meldingen onder de Cyberbeveiligingswet (Cbw)", _H2, 50 * mm)
    if not any((c.significant, c.early_warnings, c.notifications, c.final_reports, c.late)):
        story.append(_sentence("Geen significante incidenten of meldingen onder de Cbw in dit kwartaal."))
    else:
        story.append(_figures_table([
            ("Significante incidenten", c.significant),
            ("Vroegtijdige waarschuwingen (binnen 24 uur)", c.early_warnings),
            ("Incidentmeldingen (binnen 72 uur)", c.notifications),
            ("Eindverslagen (binnen een maand)", c.final_reports),
            ("Na de termijn gedaan", c.late),
        ], width))
    return story


def _measure_section(m: MeasureFigures, width: float) -> list[Flowable]:
    story: list[Flowable] = _heading("3 Maatregelen", _H1, 50 * mm)
    if not any((m.opened, m.completed, m.overdue)):
        story.append(_sentence("Geen maatregelen geopend of afgerond in dit kwartaal, en geen maatregelen over de "
                               "termijn."))
        return story
    story.append(_figures_table([("Geopend in het kwartaal", m.opened), ("Afgerond in het kwartaal", m.completed),
                                 ("Over de termijn (open en over de streefdatum)", m.overdue)], width))
    if m.overdue:
        story.append(_sentence(f"{_plural(m.overdue, 'maatregel is', 'maatregelen zijn')} aan het eind van het "
                               "kwartaal nog open terwijl de streefdatum is verstreken."))
    return story


def _finding_section(f: FindingFigures, width: float) -> list[Flowable]:
    """Open findings per organisation at the end of the quarter, and those past their re-test date by name."""
    story: list[Flowable] = _heading("Bevindingen", _H2, 40 * mm)
    if not f.per_organisation:
        story.append(_sentence("Aan het eind van het kwartaal stonden er geen bevindingen open."))
        return story
    story.append(_sentence("Bevindingen uit ENSIA-assessments, audits, penetratietests en evaluaties die aan het eind "
                           "van het kwartaal open of in behandeling waren, per organisatie."))
    story.append(_table(["Organisatie", "Open", "Hertest verlopen"],
                        [[c.organisation, str(c.open), str(c.overdue)] for c in f.per_organisation],
                        [width * 0.56, width * 0.20, width * 0.24], numeric=[1, 2]))
    if f.overdue:
        story += _heading("Bevindingen met verlopen hertest", _H3)
        if len(f.per_organisation) == 1:  # one organisation: its name is in the table above
            rows = [[_shorten(line.title, 200), line.source, line.severity, line.retest_on]
                    for line in f.overdue[:MAX_FINDINGS]]
            story.append(_table(["Bevinding", "Bron", "Ernst", "Hertest"], rows,
                                [w * width for w in (0.50, 0.24, 0.11, 0.15)]))
        else:
            rows = [[line.organisation, _shorten(line.title, 200), line.source, line.severity, line.retest_on]
                    for line in f.overdue[:MAX_FINDINGS]]
            story.append(_table(["Organisatie", "Bevinding", "Bron", "Ernst", "Hertest"], rows,
                                [w * width for w in (0.20, 0.36, 0.20, 0.10, 0.14)]))
        if len(f.overdue) > MAX_FINDINGS:
            story.append(Paragraph(markup(f"De eerste {MAX_FINDINGS} van {len(f.overdue)} bevindingen met verlopen "
                                          "hertest zijn getoond."), _NOTE))
    return story


def _control_table(lines: Sequence[ControlLine], last: str, width: float) -> Table:
    return _table(["Code", "Beheersmaatregel", last], [[c.code, _shorten(c.title, 200), c.detail] for c in lines],
                  [width * 0.13, width * 0.60, width * 0.27], bold_first=True)


def aspects_sentence(a: AspectFigures) -> str:
    """"Van de 54 toepasselijke overheidsmaatregelen voldoet de opzet bij 30, het bestaan bij 25; de werking is
    aangetoond bij 12 (werking voldoet, met geldig bewijs)." plus the ones on expired evidence."""
    noun = a.kind if a.applicable == 1 else a.kind + "en"
    text = (f"Van de {a.applicable} toepasselijke {noun} voldoet de opzet bij {a.opzet} en het bestaan bij "
            f"{a.bestaan}; de werking is aangetoond bij {a.werking} (werking „voldoet”, met geldig bewijs)")
    if a.werking_expired:
        text += f"; bij {a.werking_expired} rust de werking op verlopen bewijs"
    return text + "."


def _compliance_block(c: ComplianceFigures, width: float) -> list[Flowable]:
    story: list[Flowable] = _heading(f"{c.organisation}: {c.catalog}", _H2, 70 * mm)
    text = f"Implementatiegraad {percentage(c.percentage)}"
    note = percentage_change(c.percentage, c.previous_percentage)
    if note:
        text += f"; bij de vorige rapportage {percentage(c.previous_percentage)} ({note})"
    story.append(_sentence(text + "."))
    if c.aspects is not None and c.aspects.applicable:
        story.append(_sentence(aspects_sentence(c.aspects)))
    if not c.groups:
        story.append(_sentence("Er zijn nog geen beoordelingen vastgelegd."))
    else:
        bars = [charts.ImplementationBar(f"{g.code} {g.title}", g.volledig, g.gedeeltelijk, g.niet,
                                         g.not_applicable, g.unassessed) for g in c.groups]
        story += [_chart(charts.implementation_chart(bars, width=width), width), Spacer(1, 3 * mm)]
        rows = [[g.code, g.title, str(g.volledig), str(g.gedeeltelijk), str(g.niet), str(g.unassessed),
                 percentage(g.percentage), percentage_change(g.percentage, g.previous_percentage) or EMPTY]
                for g in c.groups]
        story.append(_table(["Code", "Thema / hoofdstuk", "Volledig", "Gedeelt.", "Niet", "Niet beoord.",
                             "Percentage", "Verschil"], rows,
                            [w * width for w in (0.07, 0.29, 0.09, 0.09, 0.07, 0.10, 0.12, 0.17)],
                            numeric=range(2, 8), bold_first=True))
        story.append(Paragraph(markup("Percentage: volledig telt 1, gedeeltelijk ½, gedeeld door de beheersmaat"
                                      "regelen die van toepassing zijn. Verschil: in procentpunten sinds de vorige "
                                      "rapportage."), _NOTE))
    story += _heading("Grootste tekortkomingen", _H3)
    if c.largest_gaps:
        story += [_control_table(c.largest_gaps[:MAX_GAPS], "Stand", width),
                  *_more(MAX_GAPS, len(c.largest_gaps), "tekortkomingen")]
    else:
        story.append(_sentence("Geen tekortkomingen gevonden."))
    story += _heading("Beheersmaatregelen die het vaakst aan incidenten zijn gekoppeld", _H3)
    if c.most_linked:
        story += [_control_table(c.most_linked[:MAX_LINKED], "Gekoppeld", width),
                  *_more(MAX_LINKED, len(c.most_linked), "beheersmaatregelen")]
    else:
        story.append(_sentence("Geen incidenten aan beheersmaatregelen gekoppeld."))
    return story


def _compliance_section(report: QuarterlyReport, width: float) -> list[Flowable]:
    story: list[Flowable] = _heading("4 Compliance met de BIO", _H1, 80 * mm)
    if report.compliance_as_of:
        text = (f"De beoordelingen zoals ze er op {report.compliance_as_of} (het einde van het kwartaal) bij lagen; "
                "een beoordeling die later is vastgelegd telt hier niet mee")
        if report.compliance_previous_as_of:
            text += f". Vergeleken met de stand op {report.compliance_previous_as_of}"
        story.append(_sentence(text + "."))
    if not report.compliance:
        story.append(_sentence("Er is voor deze reikwijdte geen BIO-beoordeling vastgelegd"
                               + (f" op of vóór {report.compliance_as_of}." if report.compliance_as_of else ".")))
    for figures in report.compliance:
        story += _compliance_block(figures, width)
    return story


def _attention_section(report: QuarterlyReport) -> list[Flowable]:
    story: list[Flowable] = _heading("5 Aandachtspunten voor het management", _H1, 40 * mm)
    if not report.attention:
        story.append(_sentence("Er zijn geen openstaande punten die aandacht van het management vragen."))
        return story
    story += _bullets(report.attention[:MAX_ATTENTION], numbered=True)
    if len(report.attention) > MAX_ATTENTION:
        story.append(Paragraph(markup(f"De eerste {MAX_ATTENTION} van {len(report.attention)} punten zijn getoond."),
                               _NOTE))
    return story


def render_quarterly(report: QuarterlyReport) -> bytes:
    """The quarterly report (title page, summary, five chapters) as PDF bytes."""
    width = _frame_width()
    generated = generated_text(report.generated_at)
    intro = ("Deze rapportage is samengesteld uit het BIO-register: de beveiligingsincidenten en datalekken, de "
             "meldingen bij de Autoriteit Persoonsgegevens en onder de Cyberbeveiligingswet, de maatregelen en de "
             "stand van de implementatie van de Baseline Informatiebeveiliging Overheid (BIO).")
    story = _title_page(QUARTERLY_TITLE, report.scope, report.period_label, report.period, report.version, generated,
                        report.organisations, intro, width, report.audit_anchor)
    story += _quarterly_summary(report, width)
    story += _incident_section(report, width)
    story += _breach_section(report, width)
    story += _measure_section(report.measures, width)
    story += _finding_section(report.findings, width)
    story += _compliance_section(report, width)
    story += _attention_section(report)
    return _build(story, title=QUARTERLY_TITLE, scope=report.scope, period_label=report.period_label,
                  version=report.version, generated_at=report.generated_at, anchor=report.audit_anchor)


# --- the monthly report -----------------------------------------------------------------------------------

def _action_pieces(actions: Sequence[str]) -> list[str]:
    """The actions as bullet lines, grouped in pieces that each fit in one table row."""
    lines: list[str] = []
    for action in actions:
        parts = split(action, CHUNK, MAX_LINES)
        lines += [f"• {parts[0]}", *parts[1:]]
    pieces: list[str] = []
    current: list[str] = []
    for line in lines:
        size = sum(len(x) for x in current)
        if current and (size + len(line) > CHUNK or len(current) + line.count("\n") + 1 > MAX_LINES):
            pieces.append("\n".join(current))
            current = []
        current.append(line)
    if current:
        pieces.append("\n".join(current))
    return pieces


def _incident_rows(incidents: Sequence[MonthlyIncident]) -> tuple[list[list[Any]], list[tuple[Any, ...]]]:
    """Table rows for the incidents, with the span and shading commands; an incident with many
    actions continues on extra rows."""
    rows: list[list[Any]] = []
    commands: list[tuple[Any, ...]] = []
    for number, incident in enumerate(incidents):
        first = len(rows) + 1   # the header is row 0
        who = Paragraph(f"<b>{markup(_shorten(incident.reference, 40))}</b><br/>{markup(_shorten(incident.title, 200))}"
                        f"<br/><font color='#555555'>{markup(_shorten(incident.category, 80))}</font>", _CELL)
        state = Paragraph(f"{markup(incident.status)}<br/>ernst: {markup(incident.severity or EMPTY)}", _CELL)
        when = f"ontdekt<br/>{markup(incident.discovered)}"
        if incident.closed:
            when += f"<br/>afgesloten<br/>{markup(incident.closed)}"
        dates = Paragraph(when, _CELL)
        pieces = _action_pieces(incident.actions)
        # continuation rows may land on the next page: they name the incident again, quietly
        more = Paragraph(f"<font color='#555555'>{markup(_shorten(incident.reference, 40))} (vervolg)</font>", _CELL)
        if not pieces:
            rows.append([who, state, dates, Paragraph("<i>Geen acties vastgelegd.</i>", _CELL)])
        for index, piece in enumerate(pieces):
            rows.append([who, state, dates, Paragraph(markup(piece), _CELL)] if index == 0
                        else [more, "", "", Paragraph(markup(piece), _CELL)])
        last = len(rows)
        commands.append(("LINEBELOW", (0, last), (-1, last), 0.25, RULE))
        if number % 2:
            commands.append(("BACKGROUND", (0, first), (-1, last), SHADE))
    return rows, commands


def _incident_table(incidents: Sequence[MonthlyIncident], width: float) -> Table:
    header = [Paragraph(markup(h), _CELL_HEAD) for h in ("Incident", "Status", "Data", "Wat is er gedaan")]
    rows, commands = _incident_rows(incidents)
    style: list[tuple[Any, ...]] = [
        ("LINEBELOW", (0, 0), (-1, 0), 0.8, ACCENT),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("TOPPADDING", (0, 0), (-1, -1), 3),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
        ("LEFTPADDING", (0, 0), (-1, -1), 4),
        ("RIGHTPADDING", (0, 0), (-1, -1), 4),
        *commands,
    ]
    widths = [width * 0.30, width * 0.15, width * 0.17, width * 0.38]
    return Table([header, *rows], colWidths=widths, style=TableStyle(style), repeatRows=1, splitByRow=1,
                 hAlign="LEFT")


def _tally(values: Iterable[str]) -> list[list[str]]:
    counts = Counter(value or EMPTY for value in values)
    ordered = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    rows = [[label, str(count)] for label, count in ordered[:MAX_SUMMARY_ROWS]]
    rest = ordered[MAX_SUMMARY_ROWS:]
    if rest:
        rows.append([f"overige ({len(rest)})", str(sum(count for _, count in rest))])
    return rows


def _monthly_summary(report: MonthlyReport, width: float) -> list[Flowable]:
    story: list[Flowable] = [
        Paragraph("Samenvatting", _H1),
        _sentence(f"De beveiligingsincidenten van {report.scope} die in {report.period_label} zijn geregistreerd "
                  "of afgesloten, en de incidenten die aan het eind van de maand nog open zijn, met wat eraan is "
                  "gedaan (BIO2 5.24.04: incidenten worden maandelijks per organisatie opgevolgd)."),
        _tiles([(str(len(report.opened)), "Geregistreerd", f"in {report.period_label}"),
                (str(len(report.closed)), "Afgesloten", f"in {report.period_label}"),
                (str(len(report.still_open)), "Nog open", f"aan het eind van {report.period_label}")], width),
        Spacer(1, 5 * mm),
    ]
    half = (width - 6 * mm) / 2
    left: list[Flowable] = [Paragraph("Open incidenten per ernst", _H3)]
    right: list[Flowable] = [Paragraph("Geregistreerd per categorie", _H3)]
    left.append(_table(["Ernst", "Aantal"], _tally(i.severity for i in report.still_open), [half * 0.75, half * 0.25],
                       numeric=[1]) if report.still_open else _sentence("Geen open incidenten."))
    right.append(_table(["Categorie", "Aantal"], _tally(i.category for i in report.opened),
                        [half * 0.75, half * 0.25], numeric=[1]) if report.opened
                 else _sentence("Geen incidenten geregistreerd."))
    story.append(Table([[left, "", right]], colWidths=[half, 6 * mm, half], hAlign="LEFT",
                       style=TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (-1, -1), 0),
                                         ("RIGHTPADDING", (0, 0), (-1, -1), 0)])))

    story.append(Paragraph("Aandachtspunten", _H2))
    seen: dict[str, MonthlyIncident] = {}
    for incident in (*report.opened, *report.still_open):
        seen.setdefault(incident.reference, incident)
    still_open = {i.reference for i in report.still_open}
    bare = [i for i in seen.values() if not i.actions and i.reference in still_open]
    points: list[str] = []
    if bare:
        names = ", ".join(i.reference for i in bare[:10]) + (f" en nog {len(bare) - 10}" if len(bare) > 10 else "")
        points.append(f"{_plural(len(bare), 'open incident heeft', 'open incidenten hebben')} nog geen vastgelegde "
                      f"acties: {names}.")
    if report.still_open:
        points.append(f"{_plural(len(report.still_open), 'incident is', 'incidenten zijn')} aan het eind van de "
                      "maand nog open; zie hoofdstuk 3.")
    story += _bullets(points) if points else [_sentence("Geen open incidenten die aandacht vragen.")]
    story.append(PageBreak())
    return story


def render_monthly(report: MonthlyReport) -> bytes:
    """The monthly incident follow-up report (BIO2 5.24.04) as PDF bytes."""
    width = _frame_width()
    generated = generated_text(report.generated_at)
    intro = ("Deze maandrapportage is samengesteld uit het BIO-register. Per incident staan de status, de ernst, "
             "de data en wat eraan is gedaan: de stappen uit de tijdlijn en de maatregelen.")
    story = _title_page(MONTHLY_TITLE, report.scope, report.period_label, report.period, report.version, generated,
                        (), intro, width, report.audit_anchor)
    story += _monthly_summary(report, width)
    sections: list[tuple[str, Sequence[MonthlyIncident], str]] = [
        (f"1 Geregistreerd in {report.period_label}", report.opened,
         f"Geen incidenten geregistreerd in {report.period_label}."),
        (f"2 Afgesloten in {report.period_label}", report.closed,
         f"Geen incidenten afgesloten in {report.period_label}."),
        (f"3 Open aan het eind van {report.period_label}", report.still_open,
         f"Geen open incidenten aan het eind van {report.period_label}."),
    ]
    for title, incidents, empty in sections:
        story += _heading(title, _H1, 50 * mm)
        story.append(_incident_table(incidents, width) if incidents else _sentence(empty))
        story.append(Spacer(1, 4 * mm))
    return _build(story, title=MONTHLY_TITLE, scope=report.scope, period_label=report.period_label,
                  version=report.version, generated_at=report.generated_at, anchor=report.audit_anchor)


__all__ = ["MONTHLY_TITLE", "QUARTERLY_TITLE", "change", "generated_text", "markup", "percentage",
           "percentage_change", "render_monthly", "render_quarterly"]


# --- the annual accountability ----------------------------------------------------------------------------

def _aspect_cell(counts: AspectCounts) -> str:
    return f"{counts.voldoet}/{counts.gedeeltelijk}/{counts.niet}/{counts.niet_beoordeeld}"


def _annual_themes(report: AnnualAccountability, width: float) -> list[Flowable]:
    story: list[Flowable] = _heading("1 Opzet, bestaan en werking per thema", _H1, 60 * mm)
    story.append(_sentence(f"De beoordelingen van de maatregelen uit de BIO ({report.catalog}) zoals ze er op "
                           f"{report.as_of} bij lagen, per thema. Opzet, bestaan en werking tellen de toepasselijke "
                           "maatregelen."))
    if not report.themes:
        story.append(_sentence("De catalogus bevat geen maatregelen."))
        return story
    rows = [[t.code, t.title, str(t.total), str(t.applicable), f"{t.volledig}/{t.gedeeltelijk}/{t.niet}",
             _aspect_cell(t.opzet), _aspect_cell(t.bestaan), _aspect_cell(t.werking), str(t.not_applicable),
             str(t.unassessed)] for t in report.themes]
    points = (30, 91, 34, 44, 52, 48, 48, 48, 34, 52)   # no word broken at 8.5 pt (481 points in all)
    story.append(_table(["Code", "Thema", "Maatr.", "Toepas.", "Implem. v/g/n", "Opzet", "Bestaan", "Werking",
                         "N.v.t.", "Onbeoord."], rows, [p * width / sum(points) for p in points],
                        numeric=[2, 3, 8, 9], bold_first=True))
    story.append(Paragraph(markup("Maatr.: maatregelen in het thema; Toepas.: van toepassing; Implem.: volledig/"
                                  "gedeeltelijk/niet geïmplementeerd; Opzet, Bestaan, Werking: voldoet/voldoet "
                                  "gedeeltelijk/voldoet niet/niet beoordeeld; N.v.t.: niet van toepassing; Onbeoord.: "
                                  "nog niet beoordeeld. Werking „voldoet” vraagt om geldig bewijs: rust ze op "
                                  "verlopen of verwijderd bewijs, dan telt ze hier als niet beoordeeld."), _NOTE))
    return story


def _annual_exceptions(report: AnnualAccountability, width: float) -> list[Flowable]:
    story: list[Flowable] = _heading("2 Uitzonderingen", _H1, 50 * mm)
    story.append(_sentence("De maatregelen die niet van toepassing zijn verklaard of niet (volledig) zijn "
                           "geïmplementeerd, met de motivering en de verbetermaatregelen die eraan werken."))
    if not report.exceptions:
        story.append(_sentence("Er zijn geen uitzonderingen."))
    for heading, lines in report.exceptions:
        story += _heading(heading, _H2, 40 * mm)
        rows = [[e.code, _shorten(e.title, 200), e.state, _shorten(e.reason, CHUNK) or EMPTY,
                 _shorten("\n".join(e.measures[:10]), CHUNK) or EMPTY] for e in lines]
        story.append(_table(["Code", "Maatregel", "Stand", "Motivering / toelichting", "Verbetermaatregelen"], rows,
                            [w * width for w in (0.09, 0.24, 0.16, 0.26, 0.25)], bold_first=True))
    return story


def _annual_findings(report: AnnualAccountability, width: float) -> list[Flowable]:
    story: list[Flowable] = _heading("3 Bevindingen en hun opvolging", _H1, 50 * mm)
    story.append(_sentence(f"De bevindingen uit audits, assessments en testen die op {report.as_of} open stonden "
                           "of in het jaar zijn afgesloten; de status zoals die was toen deze verantwoording werd "
                           "gemaakt."))
    if not report.findings:
        story.append(_sentence("Er zijn geen bevindingen vastgelegd."))
        return story
    rows = [[_shorten(f.title, 200), f"{f.source}, {f.found_on}", f.severity, f.status, f.controls or EMPTY,
             _shorten(f.follow_up, CHUNK)] for f in report.findings]
    story.append(_table(["Bevinding", "Bron, datum", "Ernst", "Status", "Betreft", "Opvolging"], rows,
                        [w * width for w in (0.20, 0.18, 0.08, 0.13, 0.11, 0.30)], bold_first=True))
    return story


def render_annual(report: AnnualAccountability) -> bytes:
    """The annual accountability (title page, the draft jaarverslag paragraph, three chapters) as PDF bytes."""
    width = _frame_width()
    generated = generated_text(report.generated_at)
    intro = ("Ter onderbouwing van de collegeverklaring informatiebeveiliging en de In Control Verklaring (BIO2 "
             "5.36.01): per thema van de BIO de stand van opzet, bestaan en werking, de uitzonderingen, de "
             "bevindingen en hun opvolging. Samengesteld uit het BIO-register; het is geen oordeel van een auditor.")
    story = _title_page(ANNUAL_TITLE, report.scope, report.period_label, report.period, report.version, generated,
                        [], intro, width, report.audit_anchor)
    story.append(Paragraph("Samenvatting", _H1))
    if not report.complete_year:
        story.append(Paragraph(markup(f"Het jaar loopt nog: dit is de stand op {report.as_of}."), _NOTE))
    story.append(Paragraph("Concept voor de paragraaf bedrijfsvoering van het jaarverslag", _H2))
    story += [_sentence(text) for text in report.paragraph]
    story.append(PageBreak())
    story += _annual_themes(report, width)
    story += _annual_exceptions(report, width)
    story += _annual_findings(report, width)
    return _build(story, title=ANNUAL_TITLE, scope=report.scope, period_label=report.period_label,
                  version=report.version, generated_at=report.generated_at, anchor=report.audit_anchor)
