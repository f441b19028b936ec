"""The register as a spreadsheet: CSV (Dutch Excel) and XLSX, the incidents as filtered on screen.

No request globals: the caller passes the incidents (``services.filtered(user, flt)``). Every
text cell is neutralised so a spreadsheet never runs a value as a formula (OWASP, CSV
injection), and in the XLSX every cell is stored as a string, never as a formula.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable, Iterator
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from bio_register.incidents import labels
from bio_register.incidents.models import Incident
from bio_register.timeutil import DEFAULT_TZ, to_local

#: (key, Dutch header) in column order
COLUMNS: list[tuple[str, str]] = [
    ("reference", "Referentie"),
    ("organisation", "Organisatie"),
    ("title", "Titel"),
    ("description", "Omschrijving"),
    ("category", "Categorie"),
    ("severity", "Ernst"),
    ("status", "Status"),
    ("is_datalek", "Datalek"),
    ("is_significant_cbw", "Significant (Cbw)"),
    ("impact_confidentiality", "Vertrouwelijkheid geraakt"),
    ("impact_integrity", "Integriteit geraakt"),
    ("impact_availability", "Beschikbaarheid geraakt"),
    ("occurred_at", "Opgetreden op"),
    ("discovered_at", "Ontdekt op"),
    ("reporter", "Melder"),
    ("cause", "Oorzaak"),
    ("lessons_learned", "Geleerde lessen"),
    ("closed_at", "Afgesloten op"),
]

HEADERS: list[str] = [header for _, header in COLUMNS]
SHEET_TITLE = "Incidenten"
DATETIME_FORMAT = "%d-%m-%Y %H:%M"

#: a value starting with one of these may be run as a formula by a spreadsheet
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")

#: column widths in the XLSX (characters); others get the default
_WIDTHS = {"reference": 16, "organisation": 12, "title": 40, "description": 60, "category": 30,
           "occurred_at": 17, "discovered_at": 17, "closed_at": 17, "reporter": 20, "cause": 40,
           "lessons_learned": 40}


def neutralise(value: Any) -> Any:
    """A string that a spreadsheet would read as a formula gets a leading apostrophe."""
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


def _yes_no(value: bool | None) -> str:
    return "ja" if value else "nee"


def _when(value: dt.datetime | None, tz: str) -> str:
    return to_local(value, tz).strftime(DATETIME_FORMAT) if value is not None else ""


def _label(mapping: dict[Any, Any], value: Any) -> str:
    return str(mapping[value]) if value is not None else ""


def _text(value: str | None) -> str:
    return value or ""


def _values(incident: Incident, tz: str) -> dict[str, Any]:
    return {
        "reference": incident.reference,
        "organisation": incident.organisation.code,
        "title": incident.title,
        "description": incident.description,
        "category": _label(labels.CATEGORY, incident.category),
        "severity": _label(labels.SEVERITY, incident.severity),
        "status": _label(labels.STATUS, incident.status),
        "is_datalek": _yes_no(incident.is_datalek),
        "is_significant_cbw": _yes_no(incident.is_significant_cbw),
        "impact_confidentiality": _yes_no(incident.impact_confidentiality),
        "impact_integrity": _yes_no(incident.impact_integrity),
        "impact_availability": _yes_no(incident.impact_availability),
        "occurred_at": _when(incident.occurred_at, tz),
        "discovered_at": _when(incident.discovered_at, tz),
        "reporter": _text(incident.reporter),
        "cause": _text(incident.cause),
        "lessons_learned": _text(incident.lessons_learned),
        "closed_at": _when(incident.closed_at, tz),
    }


def row(incident: Incident, tz: str = DEFAULT_TZ) -> list[Any]:
    """One incident's cells in :data:`COLUMNS` order, neutralised."""
    values = _values(incident, tz)
    return [neutralise(values[key]) for key, _ in COLUMNS]


def rows(incidents: Iterable[Incident], tz: str = DEFAULT_TZ) -> Iterator[list[Any]]:
    """The cells of each incident (no header), every one neutralised."""
    for incident in incidents:
        yield row(incident, tz)


def to_csv(incidents: Iterable[Incident], tz: str = DEFAULT_TZ) -> bytes:
    """UTF-8 with a byte order mark and ``;`` between fields, as Dutch Excel expects."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n")
    writer.writerow(HEADERS)
    writer.writerows(rows(incidents, tz))
    return buffer.getvalue().encode("utf-8-sig")


def _string_cell(sheet: Any, value: Any, font: Font | None = None) -> WriteOnlyCell:
    text = ILLEGAL_CHARACTERS_RE.sub("", "" if value is None else str(value))
    cell = WriteOnlyCell(sheet, value=neutralise(text))
    cell.data_type = "s"  # a string, never a formula, whatever the text looks like
    if font is not None:
        cell.font = font
    return cell


def to_xlsx(incidents: Iterable[Incident], tz: str = DEFAULT_TZ) -> bytes:
    """One sheet "Incidenten": a bold, frozen header row and a row per incident, all strings."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(SHEET_TITLE)
    sheet.freeze_panes = "A2"
    for index, (key, _) in enumerate(COLUMNS, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = _WIDTHS.get(key, 14)
    bold = Font(bold=True)
    sheet.append([_string_cell(sheet, header, bold) for header in HEADERS])
    for cells in rows(incidents, tz):
        sheet.append([_string_cell(sheet, value) for value in cells])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


__all__ = ["COLUMNS", "HEADERS", "neutralise", "row", "rows", "to_csv", "to_xlsx"]
