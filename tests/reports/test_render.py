"""reports.render and reports.charts: plain dataclasses in, PDF bytes and SVG out. No database."""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from pypdf import PdfReader
from reportlab.graphics import renderPDF

from reports import charts, render
from reports.data import (
    AspectFigures,
    BreachFigures,
    CbwFigures,
    ComplianceFigures,
    ComplianceGroup,
    ControlLine,
    Count,
    MeasureFigures,
    MonthlyIncident,
    MonthlyReport,
    QuarterlyReport,
    TrendPoint,
)

ROOT = Path(__file__).resolve().parents[2]
# 07:15 UTC on 3 October 2026 is 09:15 in Amsterdam (summer time)
GENERATED = dt.datetime(2026, 10, 3, 7, 15, tzinfo=dt.UTC)
PERIODS = ["2024-Q4", "2025-Q1", "2025-Q2", "2025-Q3", "2025-Q4", "2026-Q1", "2026-Q2", "2026-Q3"]
SCOPE = "Gemeente Diëmen & <script>"


def quarterly(**changes: object) -> QuarterlyReport:
    report = QuarterlyReport(
        scope=SCOPE,
        period="2026-Q3",
        period_label="3e kwartaal 2026 (1 juli – 30 september 2026)",
        generated_at=GENERATED,
        version=2,
        incidents=Count("Beveiligingsincidenten", 17, 14),
        datalekken=Count("Datalekken", 9, 11),
        by_category=[Count("Phishing", 6, 4), Count("Verlies of diefstal", 4, 4),
                     Count("Verkeerd geadresseerd <script>&", 5, 2), Count("Malware", 2, None)],
        by_severity=[Count("Laag", 8, 6), Count("Middel", 6, 5), Count("Hoog", 3, 3)],
        by_status=[Count("Gesloten", 12, 10), Count("In behandeling", 5, 4)],
        trend=[TrendPoint(p, 4 + i, 2 + i % 3) for i, p in enumerate(PERIODS[:-1])] + [TrendPoint("2026-Q3", 8, 9)],
        breaches=BreachFigures(datalekken=9, notified=2, notified_on_time=1, notified_late=1, not_notified=6,
                               undecided=1, subjects_informed=3),
        cbw=CbwFigures(significant=1, early_warnings=1, notifications=1, final_reports=0, late=0),
        measures=MeasureFigures(opened=7, completed=5, overdue=4),
        compliance=[ComplianceFigures(
            organisation="Gemeente Diëmen", catalog="BIO2 1.3", percentage=62.5, previous_percentage=59.4,
            groups=[ComplianceGroup("5", "Organisatorische beheersmaatregelen", 37, 20, 8, 5, 2, 2, 65.7, 60.0),
                    ComplianceGroup("6", "Mensgerichte beheersmaatregelen", 8, 6, 1, 1, 0, 0, 81.25, 81.25),
                    ComplianceGroup("7", "Fysieke beheersmaatregelen", 14, 5, 3, 2, 4, 0, 65.0, None),
                    ComplianceGroup("8", "Technologische beheersmaatregelen", 34, 12, 10, 8, 1, 3, 56.5, 58.0)],
            largest_gaps=[ControlLine(f"8.{n}", f"Beheersmaatregel {n} met € en ë", "niet geïmplementeerd")
                          for n in range(1, 21)],
            most_linked=[ControlLine("5.24", "Planning en voorbereiding incidentbeheer", "4 incidenten"),
                         ControlLine("6.3", "Bewustwording <b>niet vet</b>", "3 incidenten")])],
        attention=["Twee datalekken wachten langer dan twee weken op een besluit van de FG.",
                   "Maatregel M-2026-004 (€ 12.000) is drie maanden over de termijn <script>alert(1)</script>.",
                   "De implementatie van hoofdstuk 8 is gedaald."],
        organisations=["Diemen", "Ouder-Amstel", "Uithoorn"],
    )
    return dataclasses.replace(report, **changes)


def incident(n: int, actions: list[str] | None = None, closed: str | None = None) -> MonthlyIncident:
    return MonthlyIncident(
        reference=f"INC-2026-{n:04d}", title=f"Incident {n}: laptop kwijt <script>&amp;", status="In behandeling",
        severity="Middel", category="Verlies of diefstal", discovered="03-10-2026 14:05", closed=closed,
        actions=actions if actions is not None else [f"Actie {n}a: wachtwoord gereset", f"Actie {n}b: melding € ë"],
    )


def monthly(**changes: object) -> MonthlyReport:
    report = MonthlyReport(
        scope=SCOPE, period="2026-10", period_label="oktober 2026", generated_at=GENERATED, version=2,
        opened=[incident(1), incident(2, actions=[])],
        closed=[incident(3, closed="20-10-2026 10:00")],
        still_open=[incident(1), incident(2, actions=[]), incident(4)],
    )
    return dataclasses.replace(report, **changes)


def svg_texts(svg: str) -> list[str | None]:
    """The text elements of an SVG we drew ourselves; parsing fails unless it is well-formed."""
    root = ET.fromstring(svg)  # noqa: S314 (our own output, not untrusted input)
    return [element.text for element in root.iter() if element.tag.endswith("text")]


def pages(pdf: bytes) -> list[str]:
    reader = PdfReader(io.BytesIO(pdf))
    return [" ".join((page.extract_text() or "").split()) for page in reader.pages]


# --- the quarterly report -----------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def quarterly_pages() -> list[str]:
    pdf = render.render_quarterly(quarterly())
    assert pdf.startswith(b"%PDF")
    return pages(pdf)


def test_quarterly_title_page(quarterly_pages: list[str]) -> None:
    first = quarterly_pages[0]
    assert "Kwartaalrapportage informatiebeveiliging" in first
    assert SCOPE in first
    assert "3e kwartaal 2026 (1 juli – 30 september 2026)" in first
    assert "Vertrouwelijk" in first
    assert "3 oktober 2026 om 09:15" in first            # Europe/Amsterdam, not UTC
    assert "Diemen, Ouder-Amstel, Uithoorn" in first
    assert f"pagina 1 van {len(quarterly_pages)}" in first


def test_every_page_has_footer_and_later_pages_the_scope_and_period(quarterly_pages: list[str]) -> None:
    total = len(quarterly_pages)
    for number, text in enumerate(quarterly_pages, start=1):
        assert f"pagina {number} van {total}" in text
        assert "versie 2, gegenereerd op 3 oktober 2026 om 09:15" in text
        if number > 1:
            assert SCOPE in text
            assert "3e kwartaal 2026" in text


def test_summary_is_page_two_with_the_headline_numbers(quarterly_pages: list[str]) -> None:
    summary = quarterly_pages[1]
    assert "Samenvatting" in summary
    assert "17" in summary and "+3 t.o.v. vorig kwartaal (14)" in summary
    assert "9" in summary and "\u22122 t.o.v. vorig kwartaal (11)" in summary
    assert "Meldingen bij de AP" in summary and "1 binnen 72 uur, 1 te laat" in summary
    assert "62,5%" in summary and "+3,1 procentpunt" in summary
    for item in quarterly().attention:
        assert item in summary
    assert "Samenvatting" not in quarterly_pages[2]


def test_quarterly_sections(quarterly_pages: list[str]) -> None:
    text = " ".join(quarterly_pages[2:])
    for heading in ("1 Incidenten en datalekken", "2 Datalekken en meldingen", "3 Maatregelen",
                    "4 Compliance met de BIO", "5 Aandachtspunten voor het management"):
        assert heading in text
    for period in PERIODS:
        assert period in text
    assert "Verkeerd geadresseerd <script>&" in text      # shown literally, not as markup
    assert "Bewustwording <b>niet vet</b>" in text
    assert "Maatregel M-2026-004 (€ 12.000)" in text
    assert "De 15 grootste van 20 tekortkomingen zijn getoond" in text
    assert "8.15" in text and "8.16 " not in text
    assert "Planning en voorbereiding incidentbeheer" in text
    assert "Let op: 1 melding is later dan 72 uur" in text


def test_a_duo_scope_fits_the_running_header() -> None:
    scope = "Duo+ (Diemen, Ouder-Amstel, Uithoorn)"
    texts = pages(render.render_quarterly(quarterly(scope=scope)))
    for text in texts[1:]:
        assert scope in text and "3e kwartaal 2026 (1 juli – 30 september 2026)" in text


def test_empty_lists_become_sentences() -> None:
    report = quarterly(
        incidents=Count("Beveiligingsincidenten", 0, 0), datalekken=Count("Datalekken", 0, None),
        by_category=[], by_severity=[], by_status=[], trend=[],
        breaches=BreachFigures(0, 0, 0, 0, 0, 0, 0), cbw=CbwFigures(0, 0, 0, 0, 0),
        measures=MeasureFigures(0, 0, 0), compliance=[], attention=[], organisations=[])
    text = " ".join(pages(render.render_quarterly(report)))
    assert "Geen datalekken in dit kwartaal." in text
    assert "Geen significante incidenten of meldingen onder de Cbw" in text
    assert "Geen gegevens over eerdere kwartalen." in text
    assert "Geen incidenten in dit kwartaal." in text
    assert "geen BIO-beoordeling vastgelegd" in text
    assert "Er zijn geen openstaande punten" in text
    assert "gelijk" in text


def test_empty_compliance_parts_and_many_attention_items() -> None:
    figures = ComplianceFigures("Uithoorn", "BIO2 1.3", None, None, [], [], [])
    attention = [f"Aandachtspunt nummer {n}." for n in range(1, 61)]
    texts = pages(render.render_quarterly(quarterly(compliance=[figures], attention=attention)))
    text = " ".join(texts)
    assert "Er zijn nog geen beoordelingen vastgelegd." in text
    assert "Geen tekortkomingen gevonden." in text
    assert "En nog 52 punten; zie hoofdstuk 5." in texts[1]
    assert "Aandachtspunt nummer 40." in text and "Aandachtspunt nummer 41." not in text


def test_long_text_and_many_categories_still_render() -> None:
    categories = [Count(f"Categorie {n} " + "lang " * 20, n, n - 1) for n in range(30)]
    report = quarterly(scope="Duo+ " + "(Diemen, Ouder-Amstel, Uithoorn) " * 10, by_category=categories,
                       attention=["Lange tekst " * 400])
    assert len(pages(render.render_quarterly(report))) > 3


# --- the monthly report -------------------------------------------------------------------------------------

def test_monthly_report() -> None:
    report = monthly()
    texts = pages(render.render_monthly(report))
    assert "Maandrapportage incidentopvolging (BIO2 5.24.04)" in texts[0]
    assert SCOPE in texts[0] and "oktober 2026" in texts[0] and "Vertrouwelijk" in texts[0]
    assert f"pagina 1 van {len(texts)}" in texts[0]
    assert "Samenvatting" in texts[1]
    text = " ".join(texts)
    assert "versie 2" in text
    for item in (*report.opened, *report.closed, *report.still_open):
        assert item.reference in text
        assert item.title in text                         # "&amp;" shown literally
        for action in item.actions:
            assert action in text
    assert "Geen acties vastgelegd." in text
    assert "afgesloten 20-10-2026 10:00" in text and "ontdekt 03-10-2026 14:05" in text
    assert "1 open incident heeft nog geen vastgelegde acties: INC-2026-0002." in texts[1]


def test_monthly_empty() -> None:
    text = " ".join(pages(render.render_monthly(monthly(opened=[], closed=[], still_open=[]))))
    assert "Geen incidenten geregistreerd in oktober 2026." in text
    assert "Geen incidenten afgesloten in oktober 2026." in text
    assert "Geen open incidenten aan het eind van oktober 2026." in text


def test_monthly_with_300_incidents_and_long_actions() -> None:
    many = [incident(n) for n in range(300)]
    long_one = incident(999, actions=["Heel lange actie " * 300] + [f"stap {n}" for n in range(80)])
    texts = pages(render.render_monthly(monthly(opened=many, still_open=[*many, long_one])))
    assert len(texts) > 3
    text = " ".join(texts)
    assert "INC-2026-0299" in text and "stap 79" in text


# --- charts -------------------------------------------------------------------------------------------------

def test_trend_chart_svg_and_pdf() -> None:
    drawing = charts.trend_chart(quarterly().trend)
    svg = charts.to_svg(drawing)
    assert "<svg" in svg
    texts = svg_texts(svg)
    for period in PERIODS:
        assert period in texts
    assert "datalekken" in svg
    assert renderPDF.drawToString(drawing).startswith(b"%PDF")


def test_breakdown_chart_svg_and_pdf() -> None:
    drawing = charts.breakdown_chart(quarterly().by_category, "Per categorie")
    svg = charts.to_svg(drawing)
    assert "<svg" in svg and "Per categorie" in svg
    texts = svg_texts(svg)                                # well-formed: the label is escaped
    assert "Verkeerd geadresseerd <script>&" in texts
    assert "vorig kwartaal" in texts
    assert renderPDF.drawToString(drawing).startswith(b"%PDF")


def test_breakdown_chart_limits_and_empty() -> None:
    counts = [Count(f"c{n}", n) for n in range(20)]
    texts = svg_texts(charts.to_svg(charts.breakdown_chart(counts, "x")))
    assert "overige (6)" in texts and "c19" in texts and "c5" not in texts
    assert "vorig kwartaal" not in texts                  # nothing to compare
    assert "Geen gegevens" in charts.to_svg(charts.breakdown_chart([], "Leeg"))
    assert "Geen gegevens" in charts.to_svg(charts.trend_chart([]))


def test_implementation_chart_still_works() -> None:
    bar = charts.ImplementationBar("5 Organisatorisch", 3, 2, 1, 1, 1)
    assert "<svg" in charts.to_svg(charts.implementation_chart([bar], title="BIO"))


def test_change_and_percentages() -> None:
    assert render.change(17, 14) == "+3"
    assert render.change(9, 11) == "\u22122"
    assert render.change(4, 4) == "gelijk"
    assert render.change(4, None) == ""
    assert render.percentage(62.5) == "62,5%"
    assert render.percentage(None) == "—"
    assert render.percentage_change(62.5, 59.4) == "+3,1 procentpunt"
    assert render.percentage_change(50.0, 50.04) == "gelijk"
    assert render.percentage_change(None, 50.0) == ""
    assert render.generated_text(dt.datetime(2026, 1, 5, 23, 30, tzinfo=dt.UTC)) == "6 januari 2026 om 00:30"


def test_reports_imports_no_flask_database_or_app() -> None:
    code = ("import sys, reports.render, reports.charts, reports.data\n"
            "bad = sorted(m for m in sys.modules if m.split('.')[0] in {'flask', 'sqlalchemy', 'bio_register',"
            " 'flask_sqlalchemy'})\n"
            "print(','.join(bad))")
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True,  # noqa: S603
                            check=True)
    assert result.stdout.strip() == ""


def test_the_quarterly_report_states_how_it_counts_and_the_bio_reference_date() -> None:
    """Issue 19: the quarterly report counts incidents including datalekken, Jaarcijfers without;
    the BIO section says which day's assessments it shows."""
    report = quarterly(compliance_as_of="30 september 2026", compliance_previous_as_of="30 juni 2026")
    text = " ".join(pages(render.render_quarterly(report)))
    assert "Telling: elk beveiligingsincident dat in het kwartaal is ontdekt, datalekken" in text
    assert "De Jaarcijfers voor de jaarrekening tellen anders" in text
    assert "op 30 september 2026 (het einde van het kwartaal)" in text
    assert "Vergeleken met de stand op 30 juni 2026" in text
    empty = " ".join(pages(render.render_quarterly(dataclasses.replace(report, compliance=[]))))
    assert "geen BIO-beoordeling vastgelegd op of vóór 30 september 2026" in empty
    assert "(en)" not in text and "(ken)" not in text


def test_the_compliance_block_states_opzet_bestaan_and_shown_werking() -> None:
    aspects = AspectFigures(applicable=54, opzet=30, bestaan=25, werking=12, werking_expired=2,
                            kind="overheidsmaatregel")
    figures = ComplianceFigures("Uithoorn", "BIO2 1.3", 62.5, None, [], [], [], aspects)
    text = " ".join(pages(render.render_quarterly(quarterly(compliance=[figures]))))
    assert ("Van de 54 toepasselijke overheidsmaatregelen voldoet de opzet bij 30 en het bestaan bij 25; de "
            "werking is aangetoond bij 12 (werking „voldoet”, met geldig bewijs); bij 2 rust de werking op "
            "verlopen bewijs.") in text
    one = render.aspects_sentence(AspectFigures(applicable=1, opzet=1, bestaan=0, werking=0))
    assert one.startswith("Van de 1 toepasselijke beheersmaatregel voldoet") and "verlopen" not in one
