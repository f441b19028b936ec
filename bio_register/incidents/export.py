"""The register as a spreadsheet: CSV (Dutch Excel) and XLSX, the incidents as filtered on screen.

No request globals: the caller passes the incidents (``services.filtered(user, flt)``). Every
text cell is neutralised so a spreadsheet never runs a value as a formula (OWASP, CSV
injection), and in the XLSX every cell is stored as a string, never as a formula.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from typing import Any

from bio_register import spreadsheet
from bio_register.incidents import labels
from bio_register.incidents.models import Incident
from bio_register.spreadsheet import neutralise
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
    ("original_reference", "Nummer oud register"),
]

HEADERS: list[str] = [header for _, header in COLUMNS]
SHEET_TITLE = "Incidenten"
DATETIME_FORMAT = "%d-%m-%Y %H:%M"

#: column widths in the XLSX (characters); others get the default
_WIDTHS = {"reference": 16, "organisation": 12, "title": 40, "description": 60, "category": 30,
           "occurred_at": 17, "discovered_at": 17, "closed_at": 17, "reporter": 20, "cause": 40,
           "lessons_learned": 40}


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
        "original_reference": _text(incident.original_reference),
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
    return spreadsheet.to_csv(HEADERS, rows(incidents, tz))


def to_xlsx(incidents: Iterable[Incident], tz: str = DEFAULT_TZ) -> bytes:
    """One sheet "Incidenten": a bold, frozen header row and a row per incident, all strings."""
    return spreadsheet.to_xlsx(SHEET_TITLE, COLUMNS, rows(incidents, tz), widths=_WIDTHS)


__all__ = ["COLUMNS", "HEADERS", "neutralise", "row", "rows", "to_csv", "to_xlsx"]
