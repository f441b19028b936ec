"""The register export: what a user sees when opening the CSV or XLSX in a spreadsheet."""

from __future__ import annotations

import csv
import datetime as dt
import io
from typing import Any

import pytest
from openpyxl import load_workbook

from bio_register.extensions import db
from bio_register.incidents import export
from bio_register.incidents import services as incidents
from bio_register.incidents.models import Incident, Status
from tests import factories

UTC = dt.UTC
NOW = dt.datetime(2026, 11, 22, 12, 0, tzinfo=UTC)

HEADERS = [
    "Referentie", "Organisatie", "Titel", "Omschrijving", "Categorie", "Ernst", "Status", "Datalek",
    "Significant (Cbw)", "Vertrouwelijkheid geraakt", "Integriteit geraakt", "Beschikbaarheid geraakt",
    "Opgetreden op", "Ontdekt op", "Melder", "Oorzaak", "Geleerde lessen", "Afgesloten op", "Nummer oud register",
]

DANGEROUS = ['=HYPERLINK("http://x","klik")', "+31 20 123", "-2+3", "@SUM(A1)"]


def log(org: str = "DIE", **data: Any) -> Incident:
    values: dict[str, Any] = {
        "title": "Brief naar verkeerd adres",
        "description": "Een brief met privé-gegevens ging naar de buren.",
        "discovered_at": NOW - dt.timedelta(days=1),
        "is_datalek": False,
    }
    values.update(data)
    incident = incidents.create_incident(None, factories.organisation(org), values, now=NOW,
                                         actor_label="test")
    db.session.commit()
    return incident


@pytest.fixture
def summer_incident() -> Incident:
    incident = log(
        title="Phishingmail; \"dringend\" wachtwoord wijzigen",
        description="Meerdere medewerkers klikten.\nEén vulde haar wachtwoord in (café-wifi).",
        category="phishing", severity="hoog", is_datalek=True, is_significant_cbw=False,
        impact_confidentiality=True, impact_integrity=False, impact_availability=True,
        occurred_at=dt.datetime(2026, 1, 15, 10, 0, tzinfo=UTC),      # winter: UTC+1
        discovered_at=dt.datetime(2026, 7, 1, 10, 0, tzinfo=UTC),     # summer: UTC+2
        reporter="Servicedesk", cause="Geen MFA", lessons_learned="MFA voor iedereen",
    )
    incidents.change_status(None, incident, Status.IN_BEHANDELING, incident.version, now=NOW)
    factories.decide_not_to_notify(incident)  # a datalek closes only after the FG's decision
    incidents.change_status(None, incident, Status.AFGEHANDELD, incident.version,
                            now=dt.datetime(2026, 11, 22, 8, 30, tzinfo=UTC))
    db.session.commit()
    return incident


EXPECTED_ROW = [
    "DIE-2026-0001", "DIE", "Phishingmail; \"dringend\" wachtwoord wijzigen",
    "Meerdere medewerkers klikten.\nEén vulde haar wachtwoord in (café-wifi).",
    "Phishing", "hoog", "afgehandeld", "ja", "nee", "ja", "nee", "ja",
    "15-01-2026 11:00", "01-07-2026 12:00", "Servicedesk", "Geen MFA", "MFA voor iedereen",
    "22-11-2026 09:30", "",
]


def read_csv(data: bytes) -> list[list[str]]:
    assert data.startswith(b"\xef\xbb\xbf"), "UTF-8 byte order mark, so Excel reads é correctly"
    text = data[3:].decode("utf-8")
    return list(csv.reader(io.StringIO(text, newline=""), delimiter=";"))


def read_xlsx(data: bytes) -> list[list[Any]]:
    sheet = load_workbook(io.BytesIO(data))["Incidenten"]
    return [[cell.value for cell in row] for row in sheet.iter_rows()]


def test_columns_are_the_dutch_headers() -> None:
    assert [header for _, header in export.COLUMNS] == HEADERS


def test_csv_has_header_and_values_as_shown(summer_incident: Incident) -> None:
    table = read_csv(export.to_csv([summer_incident]))
    assert table[0] == HEADERS
    assert table[1] == EXPECTED_ROW
    assert len(table) == 2


def test_csv_uses_semicolons_and_minimal_quoting(summer_incident: Incident) -> None:
    data = export.to_csv([summer_incident])
    first_line = data[3:].split(b"\r\n", 1)[0].decode()
    assert first_line == ";".join(HEADERS)
    # only fields that need it are quoted: the title (has ; and ") and the multi-line description
    assert b'"Phishingmail; ""dringend"" wachtwoord wijzigen"' in data
    assert '"Meerdere medewerkers klikten.\nEén'.encode() in data
    assert data[3:].split(b"\r\n")[1].startswith(b"DIE-2026-0001;DIE;")


def test_xlsx_has_bold_frozen_header_and_values_as_shown(summer_incident: Incident) -> None:
    data = export.to_xlsx([summer_incident])
    workbook = load_workbook(io.BytesIO(data))
    assert workbook.sheetnames == ["Incidenten"]
    sheet = workbook["Incidenten"]
    assert sheet.freeze_panes == "A2"
    assert all(cell.font.bold for cell in sheet[1])
    table = read_xlsx(data)
    assert table[0] == HEADERS
    assert ["" if v is None else v for v in table[1]] == EXPECTED_ROW  # an empty cell reads as None
    assert all(cell.data_type == "s" for row in sheet.iter_rows() for cell in row if cell.value is not None)


def test_times_are_amsterdam_time_on_both_sides_of_dst() -> None:
    winter = log(discovered_at=dt.datetime(2026, 1, 10, 23, 30, tzinfo=UTC))   # 00:30 next day
    summer = log(discovered_at=dt.datetime(2026, 7, 1, 10, 0, tzinfo=UTC))
    discovered = [r[HEADERS.index("Ontdekt op")] for r in read_csv(export.to_csv([winter, summer]))[1:]]
    assert discovered == ["11-01-2026 00:30", "01-07-2026 12:00"]


def test_empty_optional_fields_are_empty_cells() -> None:
    incident = log()
    row = read_csv(export.to_csv([incident]))[1]
    by_header = dict(zip(HEADERS, row, strict=True))
    for header in ("Categorie", "Ernst", "Opgetreden op", "Melder", "Oorzaak", "Geleerde lessen",
                   "Afgesloten op"):
        assert by_header[header] == "", header
    assert by_header["Status"] == "nieuw"
    assert by_header["Datalek"] == "nee"


def test_no_incidents_gives_only_the_header() -> None:
    assert read_csv(export.to_csv([])) == [HEADERS]
    assert read_xlsx(export.to_xlsx([])) == [HEADERS]


def test_rows_follow_the_given_order_and_are_neutralised() -> None:
    first = log(title="=1+1")
    second = log(title="Gewoon")
    assert [r[:3] for r in export.rows([second, first])] == [
        ["DIE-2026-0002", "DIE", "Gewoon"], ["DIE-2026-0001", "DIE", "'=1+1"]]


@pytest.mark.parametrize(("value", "expected"), [
    ('=HYPERLINK("http://x","klik")', '\'=HYPERLINK("http://x","klik")'),
    ("+31 20 123", "'+31 20 123"),
    ("-2+3", "'-2+3"),
    ("@SUM(A1)", "'@SUM(A1)"),
    ("\tcmd", "'\tcmd"),
    ("\rcmd", "'\rcmd"),
    ("Gewone tekst = geen formule", "Gewone tekst = geen formule"),
    ("", ""),
    (None, None),
    (42, 42),
])
def test_neutralise(value: Any, expected: Any) -> None:
    assert export.neutralise(value) == expected


@pytest.fixture
def dangerous_incidents() -> list[Incident]:
    return [log(title=title, description=title, reporter=title, cause=title) for title in DANGEROUS]


def test_csv_never_starts_a_field_with_a_formula(dangerous_incidents: list[Incident]) -> None:
    table = read_csv(export.to_csv(dangerous_incidents))[1:]
    for row, title in zip(table, DANGEROUS, strict=True):
        by_header = dict(zip(HEADERS, row, strict=True))
        for header in ("Titel", "Omschrijving", "Melder", "Oorzaak"):
            assert by_header[header] == "'" + title
    assert not any(field.startswith(("=", "+", "-", "@")) for row in table for field in row)


def test_xlsx_stores_no_formula(dangerous_incidents: list[Incident]) -> None:
    data = export.to_xlsx(dangerous_incidents)
    sheet = load_workbook(io.BytesIO(data))["Incidenten"]
    cells = [cell for row in sheet.iter_rows(min_row=2) for cell in row]
    assert cells
    assert not [cell.coordinate for cell in cells if cell.data_type == "f"]
    titles = [row[HEADERS.index("Titel")].value for row in sheet.iter_rows(min_row=2)]
    assert titles == ["'" + title for title in DANGEROUS]
    assert all(title.startswith("'") for title in titles)
    # and the raw sheet XML holds no <f> (formula) element at all
    import zipfile

    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        sheet_xml = archive.read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in sheet_xml and "<f " not in sheet_xml


def test_export_of_the_filtered_register() -> None:
    """What the screen shows (services.filtered) is what is exported, in that order."""
    log(title="Eerste datalek", is_datalek=True)
    log(title="Geen datalek")
    log(title="Tweede datalek", is_datalek=True)
    viewer = factories.user([("verbindingsofficier", "DIE")])
    shown = db.session.scalars(incidents.filtered(viewer, incidents.IncidentFilter(
        datalek=True, sort="reference", descending=False))).all()
    table = read_xlsx(export.to_xlsx(shown))
    assert [r[2] for r in table[1:]] == ["Eerste datalek", "Tweede datalek"]
