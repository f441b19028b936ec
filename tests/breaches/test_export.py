"""The datalekkenregister (art. 33 lid 5 AVG): every datalek with its facts, effects, measures, the
decision and its motivation, the meldnummer and the art. 34 decision, as CSV, XLSX and PDF."""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import io
import re
import zipfile
from typing import Any

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader
from sqlalchemy import select

from bio_register.breaches import export
from bio_register.breaches import services as breaches
from bio_register.extensions import db
from bio_register.incidents.models import Incident
from tests import factories

UTC = dt.UTC
AWARE = dt.datetime(2025, 3, 3, 9, 0, tzinfo=UTC)           # 10:00 in Amsterdam (winter time)
LATE = AWARE + dt.timedelta(hours=97)                       # 07-03-2025 11:00 local: after the 72 h
GENERATED = dt.datetime(2025, 7, 1, 10, 0, tzinfo=UTC)      # 12:00 in Amsterdam (summer time)

FULL_TITLE = "Jeugddossiers <b>& BSN naar verkeerde ontvanger"
FULL_FACTS = "Een consulent mailde een overzicht van jeugddossiers naar een externe partij.\nTweede regel: café."
FORMULA_TITLE = "=cmd|'/c calc'!A1"
MELDNUMMER = "M2025-001234"
MOTIVATION_NOTIFY = "Gezondheidsgegevens van kinderen: hoog risico, dus melden."
MOTIVATION_EARLIER = "Eerst ingeschat als laag risico."
MOTIVATION_NOT = "Versleutelde laptop, sleutel niet gecompromitteerd: geen risico voor betrokkenen."
LATE_REASON = "Pas na het weekend bleek het om gezondheidsgegevens te gaan."


@dataclasses.dataclass
class Register:
    full: Incident
    not_notified: Incident
    unassessed: Incident
    other: Incident

    @property
    def leaks(self) -> list[Incident]:
        return [self.full, self.not_notified, self.unassessed]


def _full_leak() -> Incident:
    fg = factories.fg_of("DIE")
    item = factories.incident(
        "DIE", title=FULL_TITLE, description=FULL_FACTS, is_datalek=True, category="email_verkeerde_ontvanger",
        occurred_at=AWARE - dt.timedelta(hours=2), discovered_at=AWARE - dt.timedelta(minutes=30),
        cause="Automatisch aanvullen van e-mailadressen", lessons_learned="Aanvullen uitgezet; vier-ogen bij bijlagen",
    )
    factories.assess(
        item, fg=fg, aware_at=AWARE, data_categories=["naw", "contact"], special_categories=["gezondheid"],
        bsn=True, criminal_data=False, subject_categories=["kinderen", "clienten_sociaal_domein"],
        subjects_count=120, records_count=340, nature_confidentiality=True, processor_involved=True,
        processor_name="Zorgportaal B.V.", likely_consequences="Stigmatisering; € schade door identiteitsfraude.",
        measures_taken="Ontvanger verzocht te verwijderen; verwijdering schriftelijk bevestigd.",
        enisa_dpc=4, enisa_ei="0.75", enisa_cb_confidentiality="0.25",
    )
    breaches.decide(fg, item, False, MOTIVATION_EARLIER, now=AWARE + dt.timedelta(hours=3))
    breaches.decide(fg, item, True, MOTIVATION_NOTIFY, now=AWARE + dt.timedelta(hours=25))
    breaches.record_notification(fg, item, "initial", LATE, MELDNUMMER, LATE_REASON, now=LATE)
    breaches.record_notification(fg, item, "follow_up", LATE + dt.timedelta(days=3), MELDNUMMER,
                                 now=LATE + dt.timedelta(days=3))
    breaches.decide_data_subjects(fg, item, True, explanation="Ouders per brief geïnformeerd.",
                                  notified_at=LATE + dt.timedelta(hours=22), channel="brief",
                                  now=LATE + dt.timedelta(days=1))
    db.session.commit()
    return item


def _not_notified_leak() -> Incident:
    fg = factories.fg_of("DIE")
    item = factories.incident("DIE", title=FORMULA_TITLE, description="Laptop gestolen uit een auto.",
                              is_datalek=True, discovered_at=dt.datetime(2025, 5, 10, 12, 0, tzinfo=UTC))
    factories.assess(item, fg=fg, unintelligible=True, data_categories=["naw"])
    breaches.decide(fg, item, False, MOTIVATION_NOT)
    breaches.decide_data_subjects(fg, item, False, ground="unintelligible")
    db.session.commit()
    return item


@pytest.fixture
def register() -> Register:
    full = _full_leak()
    other = factories.incident("DIE", title="Phishingpoging zonder gevolgen", is_datalek=False,
                               discovered_at=dt.datetime(2025, 4, 1, 8, 0, tzinfo=UTC))
    not_notified = _not_notified_leak()
    unassessed = factories.incident("DIE", title="Map met aanvragen kwijt", description="Map in de trein laten liggen.",
                                    is_datalek=True, discovered_at=dt.datetime(2025, 6, 2, 7, 15, tzinfo=UTC))
    return Register(full, not_notified, unassessed, other)


def rows_of(register: Register) -> list[export.RegisterRow]:
    return export.register_rows([register.full, register.other, register.not_notified, register.unassessed])


def read_csv(data: bytes) -> list[list[str]]:
    assert data.startswith(b"\xef\xbb\xbf"), "UTF-8 byte order mark, so Excel reads é correctly"
    return list(csv.reader(io.StringIO(data[3:].decode("utf-8"), newline=""), delimiter=";"))


def by_header(table: list[list[Any]]) -> list[dict[str, Any]]:
    return [dict(zip(table[0], row, strict=True)) for row in table[1:]]


def pdf_text(data: bytes) -> tuple[PdfReader, str]:
    reader = PdfReader(io.BytesIO(data))
    return reader, "\n".join(page.extract_text() for page in reader.pages)


def flat(text: str) -> str:
    return re.sub(r"\s+", " ", text)


# --- the rows --------------------------------------------------------------------------------------------

def test_columns_follow_the_row_and_the_pdf_layout_shows_every_field() -> None:
    names = [f.name for f in dataclasses.fields(export.RegisterRow) if f.name not in export.SUMMARY_FIELDS]
    assert [key for key, _ in export.COLUMNS] == names
    assert len(set(export.HEADERS)) == len(export.HEADERS)
    shown = [key for item in export.LAYOUT for key in item[1:]]
    assert sorted(shown) == sorted(set(names) - {"reference", "title"})  # those two head each block


def test_only_datalekken_in_the_given_order(register: Register) -> None:
    assert [r.reference for r in rows_of(register)] == [i.reference for i in register.leaks]
    assert export.register_rows([register.other]) == []
    assert export.register_rows([]) == []


def test_full_assessment_decision_and_late_notification(register: Register) -> None:
    row = rows_of(register)[0]
    assert row.organisation == "Gemeente Diemen"
    assert (row.title, row.description) == (FULL_TITLE, FULL_FACTS)
    assert row.category == "E-mail aan verkeerde ontvanger"
    assert row.status == "nieuw"
    # times in Amsterdam; the AP clock is 72 elapsed hours after awareness
    assert (row.discovered_at, row.aware_at, row.ap_deadline) == (
        "03-03-2025 09:30", "03-03-2025 10:00", "06-03-2025 10:00")
    assert row.data_categories == "NAW-gegevens (naam, adres, woonplaats), Contactgegevens (e-mail, telefoon)"
    assert row.special_categories == "Gezondheid"
    assert (row.bsn, row.criminal_data) == ("ja", "nee")
    assert row.subject_categories == "Kinderen, Cliënten sociaal domein"
    assert (row.subjects_count, row.records_count) == ("120", "340")
    assert row.nature == "vertrouwelijkheid"
    assert (row.unintelligible, row.processor, row.cross_border, row.ongoing) == (
        "nee", "ja: Zorgportaal B.V.", "nee", "nee")
    assert row.likely_consequences == "Stigmatisering; € schade door identiteitsfraude."
    assert row.measures_taken.startswith("Ontvanger verzocht")
    assert (row.cause, row.lessons_learned) == ("Automatisch aanvullen van e-mailadressen",
                                                "Aanvullen uitgezet; vier-ogen bij bijlagen")
    assert (row.enisa_score, row.enisa_band) == ("3,25", "hoog")  # 4 × 0,75 + 0,25
    # the decision in force, and the one it superseded
    assert (row.decision, row.motivation, row.decided_by, row.decided_at) == (
        "melden", MOTIVATION_NOTIFY, "FG DIE", "04-03-2025 11:00")
    assert row.earlier_decisions == f"1 (niet melden, 03-03-2025 13:00, FG DIE: {MOTIVATION_EARLIER})"
    assert row.meldnummers == (f"{MELDNUMMER} (eerste melding, 07-03-2025 11:00); "
                               f"{MELDNUMMER} (aanvulling, 10-03-2025 11:00)")
    assert row.notified_at == "07-03-2025 11:00"
    # past 48 hours in days and hours, as on screen
    assert row.on_time == f"te laat (4 dagen en 1 uur na bewustwording); reden: {LATE_REASON}"
    assert (row.subjects_informed, row.subjects_ground, row.subjects_informed_at, row.subjects_channel) == (
        "ja", "", "08-03-2025 09:00", "brief")
    assert row.subjects_explanation == "Ouders per brief geïnformeerd."


def test_decision_not_to_notify_and_unassessed_leak(register: Register) -> None:
    _full, not_notified, unassessed = rows_of(register)
    assert (not_notified.decision, not_notified.motivation) == ("niet melden", MOTIVATION_NOT)
    assert not_notified.meldnummers == not_notified.notified_at == ""
    assert not_notified.on_time == "n.v.t. (besloten niet te melden)"
    assert not_notified.earlier_decisions == ""
    assert (not_notified.unintelligible, not_notified.bsn, not_notified.processor) == ("ja", "nee", "nee")
    assert not_notified.enisa_score == not_notified.enisa_band == ""
    assert not_notified.subjects_informed == "nee"
    assert not_notified.subjects_ground.startswith("de gegevens waren onbegrijpelijk")

    assert unassessed.decision == "nog geen besluit"
    assert unassessed.motivation == unassessed.decided_by == unassessed.on_time == ""
    assert unassessed.aware_at == "" and unassessed.bsn == "" and unassessed.nature == ""
    assert unassessed.discovered_at == "02-06-2025 09:15"  # summer time
    assert unassessed.ap_deadline == "05-06-2025 09:15 (voorlopig, vanaf de ontdekking)"
    assert unassessed.subjects_informed == ""


def test_decided_to_notify_but_not_yet_notified() -> None:
    item = factories.incident("DIE", is_datalek=True)
    fg = factories.fg_of("DIE")
    factories.assess(item, fg=fg)
    breaches.decide(fg, item, True, "Hoog risico: melden bij de AP.")
    db.session.commit()
    row = export.register_rows([item])[0]
    assert (row.decision, row.meldnummers, row.on_time) == ("melden", "", "nog niet gemeld")


def test_notification_on_time() -> None:
    item = factories.incident("DIE", is_datalek=True, discovered_at=AWARE)
    fg = factories.fg_of("DIE")
    factories.assess(item, fg=fg)
    breaches.decide(fg, item, True, "Hoog risico: melden bij de AP.", now=AWARE + dt.timedelta(hours=1))
    breaches.record_notification(fg, item, "initial", AWARE + dt.timedelta(hours=72), "M-1",
                                 now=AWARE + dt.timedelta(hours=73))
    db.session.commit()
    row = export.register_rows([item])[0]
    assert (row.meldnummers, row.on_time) == ("M-1 (eerste melding, 06-03-2025 10:00)", "ja")


def test_queries_do_not_grow_with_the_number_of_datalekken(register: Register, count_queries: Any) -> None:
    def fresh(ids: list[int]) -> list[Incident]:
        db.session.expire_all()  # as a request would: nothing loaded yet
        return list(db.session.scalars(select(Incident).where(Incident.id.in_(ids)).order_by(Incident.id)))

    one = fresh([register.full.id])
    with count_queries() as single:
        assert len(export.register_rows(one)) == 1
    extra = [factories.incident("DIE", is_datalek=True) for _ in range(3)]
    for item in extra:
        factories.decide_not_to_notify(item)
    many = fresh([register.full.id, register.other.id] + [i.id for i in register.leaks[1:] + extra])
    with count_queries() as lots:
        rows = export.register_rows(many)
    assert len(rows) == 6
    assert rows[0].decided_by == "FG DIE" and rows[-1].decision == "niet melden"
    assert lots.count == single.count == 4, "\n".join(lots.statements)


# --- CSV and XLSX ------------------------------------------------------------------------------------------

def _check_register_table(records: list[dict[str, Any]], register: Register) -> None:
    """What art. 33(5) asks, per datalek: facts, effects, measures, decision and motivation."""
    assert [r["Referentie"] for r in records] == [i.reference for i in register.leaks]
    full, not_notified, unassessed = records
    assert full["Titel"] == FULL_TITLE
    assert full["Wat is er gebeurd (feiten)"] == FULL_FACTS
    assert full["Waarschijnlijke gevolgen"].startswith("Stigmatisering")
    assert full["Genomen maatregelen"].startswith("Ontvanger verzocht")
    assert (full["Besluit AP-melding"], full["Motivering"]) == ("melden", MOTIVATION_NOTIFY)
    assert full["AP-meldnummer(s)"].startswith(MELDNUMMER)
    assert full["Binnen 72 uur gemeld"].startswith("te laat")
    assert full["Betrokkenen geïnformeerd (art. 34)"] == "ja"
    assert full["Bijzondere persoonsgegevens (art. 9)"] == "Gezondheid" and full["BSN"] == "ja"
    assert not_notified["Titel"] == "'" + FORMULA_TITLE  # neutralised: never run as a formula
    assert (not_notified["Besluit AP-melding"], not_notified["Motivering"]) == ("niet melden", MOTIVATION_NOT)
    assert not_notified["Betrokkenen geïnformeerd (art. 34)"] == "nee"
    assert not_notified["Grond om niet te informeren"].startswith("de gegevens waren onbegrijpelijk")
    assert unassessed["Wat is er gebeurd (feiten)"] == "Map in de trein laten liggen."
    assert unassessed["Besluit AP-melding"] == "nog geen besluit"


def test_csv(register: Register) -> None:
    data = export.to_csv(rows_of(register))
    table = read_csv(data)
    assert table[0] == export.HEADERS
    assert data[3:].split(b"\r\n", 1)[0] == ";".join(export.HEADERS).encode()
    _check_register_table(by_header(table), register)
    assert not any(cell.startswith(("=", "+", "-", "@", "\t", "\r")) for row in table for cell in row)


def test_xlsx(register: Register) -> None:
    rows = rows_of(register)
    data = export.to_xlsx(rows)
    workbook = load_workbook(io.BytesIO(data))
    assert workbook.sheetnames == ["Datalekkenregister"]
    sheet = workbook["Datalekkenregister"]
    assert sheet.freeze_panes == "A2"
    assert all(cell.font.bold for cell in sheet[1])
    table = [[cell.value if cell.value is not None else "" for cell in row] for row in sheet.iter_rows()]
    assert table[0] == export.HEADERS
    _check_register_table(by_header(table), register)
    assert table == read_csv(export.to_csv(rows)), "the same cells as the CSV"
    cells = [cell for row in sheet.iter_rows() for cell in row]
    assert not [cell.coordinate for cell in cells if cell.data_type == "f"]
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        sheet_xml = archive.read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in sheet_xml and "<f " not in sheet_xml


def test_every_formula_trigger_is_neutralised(register: Register) -> None:
    row = dataclasses.replace(rows_of(register)[0], description="+31 20 123", motivation="-2+3",
                              measures_taken="@SUM(A1)", cause="\tcmd", title='=HYPERLINK("http://x")')
    csv_row = by_header(read_csv(export.to_csv([row])))[0]
    sheet = load_workbook(io.BytesIO(export.to_xlsx([row])))["Datalekkenregister"]
    xlsx_row = dict(zip(export.HEADERS, [c.value for c in sheet[2]], strict=True))
    for record in (csv_row, xlsx_row):
        assert record["Titel"] == "'" + '=HYPERLINK("http://x")'
        assert record["Wat is er gebeurd (feiten)"] == "'+31 20 123"
        assert record["Motivering"] == "'-2+3"
        assert record["Genomen maatregelen"] == "'@SUM(A1)"
        assert record["Oorzaak"] == "'\tcmd"


def test_empty_register_is_only_the_header() -> None:
    assert read_csv(export.to_csv([])) == [export.HEADERS]
    sheet = load_workbook(io.BytesIO(export.to_xlsx([])))["Datalekkenregister"]
    assert [[c.value for c in row] for row in sheet.iter_rows()] == [export.HEADERS]


# --- PDF ---------------------------------------------------------------------------------------------------

def test_pdf(register: Register) -> None:
    data = export.to_pdf(rows_of(register), organisation_label="Gemeente Diemen", generated_at=GENERATED)
    reader, text = pdf_text(data)
    page = reader.pages[0]
    assert float(page.mediabox.width) > float(page.mediabox.height), "A4 landscape"
    words = flat(text)
    assert export.TITLE in words
    assert "Reikwijdte: Gemeente Diemen" in words
    assert "01-07-2025 12:00" in words  # generation time in Amsterdam
    for item in register.leaks:
        assert item.reference in words
    assert register.other.reference not in words
    assert FULL_TITLE in words  # "<b>&" shown literally, not taken as markup
    assert FORMULA_TITLE in words  # the PDF is not a spreadsheet: no apostrophe
    for expected in (MELDNUMMER, MOTIVATION_NOTIFY, MOTIVATION_NOT, MOTIVATION_EARLIER, LATE_REASON,
                     "Stigmatisering; € schade", "Tweede regel: café.", "Cliënten sociaal domein",
                     "nog geen besluit", "niet melden", "de gegevens waren onbegrijpelijk"):
        assert expected in words, expected
    pages = len(reader.pages)
    for number, pdf_page in enumerate(reader.pages, start=1):
        page_text = flat(pdf_page.extract_text())
        assert f"pagina {number} van {pages}" in page_text
        assert "Gemeente Diemen" in page_text and "Gegenereerd op 01-07-2025 12:00" in page_text


def test_pdf_survives_markup_and_very_long_text(register: Register) -> None:
    long_words = " ".join(["lange tekst"] * 1800)  # 20 000 characters: many pages
    row = dataclasses.replace(
        rows_of(register)[0], title="<script>alert('x')</script> & <b>vet</b>", description=long_words,
        motivation="x" * 20_000, measures_taken="A < B && C > D\r\nregel <br/> </para>",
    )
    data = export.to_pdf([row], organisation_label="Duo+ <ICT> & Diemen", generated_at=GENERATED)
    reader, text = pdf_text(data)
    words = flat(text)
    assert len(reader.pages) >= 3
    assert "<script>alert('x')</script> & <b>vet</b>" in words
    assert "A < B && C > D" in words and "regel <br/> </para>" in words
    assert "Duo+ <ICT> & Diemen" in words
    assert f"pagina {len(reader.pages)} van {len(reader.pages)}" in words


def test_pdf_of_an_empty_selection() -> None:
    data = export.to_pdf([], organisation_label="Gemeente Uithoorn", generated_at=GENERATED)
    reader, text = pdf_text(data)
    assert len(reader.pages) == 1
    assert "Geen datalekken in deze selectie." in flat(text)
    assert "pagina 1 van 1" in flat(text)


@pytest.mark.parametrize(("text", "expected"), [
    ("<b>&</b>", "&lt;b&gt;&amp;&lt;/b&gt;"),
    ("regel 1\nregel 2\r\nregel 3", "regel 1<br/>regel 2<br/>regel 3"),
    ("", ""),
    (None, ""),
])
def test_markup_escapes_user_text(text: str | None, expected: str) -> None:
    assert export.markup(text) == expected
