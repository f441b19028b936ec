"""The jaarverslag paragraph and the annual accountability PDF (issue 21, item 6): the exact Dutch
text for an organisation and a year, singular and plural, the PDF generated and stored in the
archive, the pages and the API, and bad input (never a 500)."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pytest
from flask.testing import FlaskClient
from pypdf import PdfReader
from sqlalchemy import select

from bio_register.breaches import services as breaches
from bio_register.compliance import catalogs as catalog_import
from bio_register.compliance import services as compliance
from bio_register.compliance.models import ControlCatalog
from bio_register.errors import ValidationFailed
from bio_register.extensions import db
from bio_register.findings import services as findings
from bio_register.incidents import services as incidents
from bio_register.reporting import accountability, ensia
from bio_register.reporting import services as reporting
from bio_register.reporting.models import Report, ReportKind
from bio_register.timeutil import to_utc
from tests import factories
from tests.api.test_api_base import assert_problem, bearer
from tests.conftest import csrf_token, login, session_login

KEY = "BIO2-1.3"
NOW = to_utc(dt.datetime(2026, 6, 15, 12, 0))
#: the active overheidsmaatregelen of BIO2 1.3, which the paragraph counts (as the compliance overview)
MEASURES = 118


def at(*args: int) -> dt.datetime:
    return to_utc(dt.datetime(*args))


@pytest.fixture
def catalog() -> ControlCatalog:
    catalog_import.import_all(actor_label="test")
    db.session.commit()
    found = compliance.get_catalog(KEY)
    assert found is not None
    return found


def control(catalog: ControlCatalog, code: str) -> Any:
    found = compliance.find_control(catalog, code)
    assert found is not None, code
    return found


def log(org: str, discovered_at: dt.datetime, *, is_datalek: bool = False) -> Any:
    incident = incidents.create_incident(None, factories.organisation(org), {
        "title": "Incident", "description": "Omschrijving", "discovered_at": discovered_at,
        "is_datalek": is_datalek}, now=NOW, actor_label="test")
    db.session.commit()
    return incident


def notify(leak: Any) -> None:
    fg = factories.fg_of(leak.organisation.code)
    breaches.save_assessment(fg, leak, {"aware_at": leak.discovered_at}, now=NOW)
    breaches.decide(fg, leak, True, "Hoog risico voor betrokkenen.", now=NOW)
    breaches.record_notification(fg, leak, "initial", leak.discovered_at + dt.timedelta(hours=30), "M-1", now=NOW)
    db.session.commit()


@pytest.fixture
def diemen_2025(catalog: ControlCatalog) -> dict[str, Any]:
    """Diemen in 2025: 3 beveiligingsincidenten, 2 datalekken (1 notified); 4 measures assessed; 2 findings
    open at the year's end (1 hoog, its re-test overdue) and 1 resolved in it; 2 maatregelen open, 1 finished."""
    die = factories.organisation("DIE")
    for month in (2, 5, 9):
        log("DIE", at(2025, month, 3, 10, 0))
    leaks = [log("DIE", at(2025, 3, 1, 9, 0), is_datalek=True), log("DIE", at(2025, 7, 1, 9, 0), is_datalek=True)]
    notify(leaks[0])
    log("DIE", at(2026, 1, 2, 9, 0))                                   # another year
    ciso = factories.user([("ciso", "DIE")])
    for code, data in (
        ("5.24.01", {"applicable": True, "status": "volledig",
                     "werking": {"status": "voldoet", "assessed_on": "2025-02-01", "evidence": "Steekproef"}}),
        ("5.24.02", {"applicable": True, "status": "volledig"}),
        ("5.26.02", {"applicable": True, "status": "niet"}),
        ("8.01.01", {"applicable": False, "justification": "Geen eigen eindapparaten."}),
    ):
        compliance.assess(ciso, die, control(catalog, code), data, now=at(2025, 3, 1, 10, 0))
    db.session.commit()
    mfa = factories.measure("DIE", now=at(2025, 4, 1, 9, 0), title="MFA op alle beheeraccounts",
                            due_date=dt.date(2026, 3, 31), controls=[control(catalog, "5.26.02").id])
    factories.measure("DIE", now=at(2025, 4, 1, 9, 0), title="Meldpunt 24/7 bereikbaar",
                      due_date=dt.date(2025, 12, 1))
    factories.measure("DIE", now=at(2025, 5, 1, 9, 0), title="Phishingtest", status="gereed")
    factories.measure("DIE", now=at(2025, 5, 1, 9, 0), title="Vervallen plan", status="vervallen")
    open_finding = findings.create_finding(None, die, {
        "source": "ensia_digid", "found_on": dt.date(2025, 4, 20), "title": "Geen MFA op beheeraccounts",
        "severity": "hoog", "retest_on": dt.date(2025, 10, 1), "controls": [control(catalog, "5.26.02").id],
        "measures": [mfa.id]}, now=at(2025, 5, 1, 9, 0), actor_label="test")
    findings.create_finding(None, die, {"source": "pentest", "found_on": dt.date(2025, 6, 1),
                                        "title": "Verouderde TLS-instellingen", "severity": "midden"},
                            now=at(2025, 6, 2, 9, 0), actor_label="test")
    closed = findings.create_finding(None, die, {"source": "interne_audit", "found_on": dt.date(2025, 6, 1),
                                                 "title": "Logging niet bewaard", "severity": "laag"},
                                     now=at(2025, 6, 2, 9, 0), actor_label="test")
    findings.update_finding(None, closed, {"status": "opgelost"}, closed.version, now=at(2025, 11, 1, 9, 0))
    db.session.commit()
    return {"die": die, "finding": open_finding}


EXPECTED = [
    "In 2025 zijn er voor de gemeente Diemen 3 beveiligingsincidenten geregistreerd en 2 datalekken; in 1 geval "
    "is melding gedaan bij de Autoriteit Persoonsgegevens.",
    "Van de 3 toepasselijke maatregelen uit de BIO (BIO2 1.3) waren er op 31 december 2025 2 volledig, "
    "0 gedeeltelijk en 1 niet geïmplementeerd; dat is een implementatiegraad van 66,7%. Bij 1 daarvan is de "
    "werking aangetoond. 1 maatregel is niet van toepassing verklaard. "
    f"{MEASURES - 4} maatregelen zijn nog niet beoordeeld.",
    "Op 31 december 2025 stonden er 2 bevindingen uit audits, assessments en testen open, waarvan 1 met ernst "
    "hoog of kritiek; bij 1 daarvan is de datum van de hertest verstreken. In 2025 is 1 bevinding opgelost of "
    "met motivering geaccepteerd.",
    "Op 31 december 2025 liepen er 2 verbetermaatregelen; de belangrijkste: MFA op alle beheeraccounts "
    "(uiterlijk 31 maart 2026) en Meldpunt 24/7 bereikbaar (uiterlijk 1 december 2025). In 2025 is 1 maatregel "
    "afgerond.",
]


def test_the_jaarverslag_paragraph_for_diemen_in_2025(diemen_2025: dict[str, Any]) -> None:
    paragraph = reporting.jaarverslag(diemen_2025["die"], ensia.year_of(2025, now=NOW))
    assert paragraph.paragraphs == EXPECTED
    assert paragraph.text == "\n\n".join(EXPECTED)
    assert paragraph.complete_year


def test_the_paragraph_chooses_and_counts_the_main_maatregelen_as_the_full_state_does(
        diemen_2025: dict[str, Any]) -> None:
    """The paragraph reads only the main open maatregelen (chosen and counted in SQL); it names the same
    ones, in the same order, and counts the same as the annual PDF's full state: those resolving an open
    finding first, then by due date (none last), then by number; one finished after the year's end was
    still open on 31 December."""
    die = diemen_2025["die"]
    factories.measure("DIE", now=at(2025, 8, 1, 9, 0), title="Zonder datum")
    factories.measure("DIE", now=at(2025, 8, 1, 9, 0), title="Vroeg", due_date=dt.date(2025, 9, 1))
    later = factories.measure("DIE", now=at(2025, 8, 1, 9, 0), title="Na het jaar afgerond",
                              due_date=dt.date(2025, 10, 1), status="in_uitvoering")
    from bio_register.measures import services as measures
    from bio_register.measures.models import MeasureStatus

    measures.change_status(None, later, MeasureStatus.GEREED, later.version, now=at(2026, 2, 1, 9, 0))
    factories.measure("DIE", now=at(2026, 2, 1, 9, 0), title="Pas in 2026 begonnen", due_date=dt.date(2026, 2, 2))
    db.session.commit()
    year = ensia.year_of(2025, now=NOW)
    light = accountability.state(die, ensia.default_catalog(), year, full=False)
    full = accountability.state(die, ensia.default_catalog(), year)
    assert [m.title for m in light.open_measures] == [m.title for m in full.open_measures[:3]] == [
        "MFA op alle beheeraccounts", "Vroeg", "Na het jaar afgerond"]
    assert light.open_measure_count == full.open_measure_count == len(full.open_measures) == 5
    figures = reporting.annual_figures(die, 2025)
    assert accountability.jaarverslag(light, figures).paragraphs == accountability.jaarverslag(full, figures).paragraphs
    assert reporting.jaarverslag(die, year).paragraphs[3].startswith(
        "Op 31 december 2025 liepen er 5 verbetermaatregelen; de belangrijkste: MFA op alle beheeraccounts "
        "(uiterlijk 31 maart 2026), Vroeg (uiterlijk 1 september 2025) en Na het jaar afgerond (uiterlijk "
        "1 oktober 2025).")


def test_singular_and_plural(catalog: ControlCatalog) -> None:
    """One of everything reads "1 datalek", "1 bevinding", "liep er 1 verbetermaatregel"."""
    oa = factories.organisation("OA")
    log("OA", at(2024, 3, 1, 9, 0))
    notify(log("OA", at(2024, 4, 1, 9, 0), is_datalek=True))
    compliance.assess(None, oa, control(catalog, "5.24.01"), {"applicable": True, "status": "gedeeltelijk"},
                      now=at(2024, 3, 1, 10, 0), actor_label="test")
    factories.measure("OA", now=at(2024, 4, 1, 9, 0), title="Meldpunt inrichten")
    findings.create_finding(None, oa, {"source": "it_audit", "found_on": dt.date(2024, 4, 1), "title": "Geen meldpunt",
                                       "severity": "laag"}, now=at(2024, 4, 2, 9, 0), actor_label="test")
    db.session.commit()
    paragraph = reporting.jaarverslag(oa, ensia.year_of(2024, now=NOW))
    assert paragraph.paragraphs == [
        "In 2024 zijn er voor de gemeente Ouder-Amstel 1 beveiligingsincident geregistreerd en 1 datalek; in 1 "
        "geval is melding gedaan bij de Autoriteit Persoonsgegevens.",
        "Van de 1 toepasselijke maatregel uit de BIO (BIO2 1.3) waren er op 31 december 2024 0 volledig, "
        "1 gedeeltelijk en 0 niet geïmplementeerd; dat is een implementatiegraad van 50,0%. Bij 0 daarvan is de "
        f"werking aangetoond. {MEASURES - 1} maatregelen zijn nog niet beoordeeld.",
        "Op 31 december 2024 stond er 1 bevinding uit audits, assessments en testen open.",
        "Op 31 december 2024 liep er 1 verbetermaatregel: Meldpunt inrichten.",
    ]
    empty = reporting.jaarverslag(factories.organisation("UIT"), ensia.year_of(2023, now=NOW))
    assert empty.paragraphs[1:] == [
        f"Op 31 december 2023 was nog geen van de {MEASURES} maatregelen uit de BIO (BIO2 1.3) beoordeeld.",
        "Op 31 december 2023 stonden er geen bevindingen uit audits, assessments en testen open.",
        "Op 31 december 2023 liepen er geen verbetermaatregelen.",
    ]
    assert accountability.n(1, "datalek", "datalekken") == "1 datalek"
    assert accountability.n(2, "datalek", "datalekken") == "2 datalekken"


def pdf_text(data: bytes) -> str:
    return " ".join(" ".join((page.extract_text() or "").split()) for page in PdfReader(io.BytesIO(data)).pages)


def test_the_annual_accountability_is_generated_and_stored(diemen_2025: dict[str, Any]) -> None:
    cc = factories.user([("concern_control", "DUO")])
    report = reporting.generate("annual", "2025", "DIE", actor=cc, now=NOW)
    db.session.commit()
    stored = db.session.scalars(select(Report).where(Report.kind == ReportKind.ANNUAL)).one()
    assert (stored.id, stored.period, stored.scope, stored.version) == (report.id, "2025", "DIE", 1)
    assert stored.pdf.startswith(b"%PDF") and stored.size == len(stored.pdf)
    assert reporting.file_name(stored).startswith("jaarverantwoording-informatiebeveiliging-DIE-2025-v1-")
    text = pdf_text(stored.pdf)
    for expected in ("Jaarverantwoording informatiebeveiliging", "Gemeente Diemen", "In Control Verklaring",
                     "1 Opzet, bestaan en werking per thema", "2 Uitzonderingen", "3 Bevindingen en hun opvolging",
                     "Geen eigen eindapparaten.", "niet geïmplementeerd", "Geen MFA op beheeraccounts",
                     "MFA op alle beheeraccounts (gepland",
                     "Logging niet bewaard", "implementatiegraad van 66,7%"):
        assert expected in text, expected
    again = reporting.generate("annual", "2025", "DIE", actor=cc, now=NOW)
    assert again.version == 2
    # the data: per theme, the exceptions, the findings with their follow-up
    data = reporting.annual_accountability(reporting.resolve_scope("DIE"), reporting.parse_period("annual", "2025",
                                                                                                  now=NOW),
                                           version=1, generated_at=NOW)
    theme5 = next(t for t in data.themes if t.code == "5")
    assert (theme5.applicable, theme5.volledig, theme5.niet, theme5.werking.voldoet) == (3, 2, 1, 1)
    assert theme5.opzet.niet_beoordeeld == 3
    exceptions = {line.code: line for _heading, lines in data.exceptions for line in lines}
    assert exceptions["5.26.02"].state == "niet geïmplementeerd"
    assert exceptions["5.26.02"].measures == ["MFA op alle beheeraccounts (gepland, uiterlijk 31-03-2026; "
                                              "eigenaar: Teamleider ICT)"]
    assert exceptions["8.01.01"].reason == "Geen eigen eindapparaten."
    assert [f.title for f in data.findings] == ["Geen MFA op beheeraccounts", "Verouderde TLS-instellingen",
                                                "Logging niet bewaard"]
    assert data.findings[0].controls == "5.26.02" and "hertest 01-10-2025" in data.findings[0].follow_up


@pytest.mark.parametrize(("period", "scope", "field", "message"), [
    ("2027", "DIE", "period", "Het jaar 2027 is nog niet begonnen; kies 2026 of eerder."),
    ("1999", "DIE", "period", "Kies een jaar tussen 2000 en 2100."),
    ("25", "DIE", "period", "Geen geldig jaar: 25 (bijvoorbeeld 2026)."),
    ("2025-Q1", "DIE", "period", "Geen geldig jaar"),
    ("2025", "all", "scope", "Een jaarverantwoording gaat over één organisatie; kies een organisatie."),
])
def test_bad_input_is_refused_and_nothing_stored(catalog: ControlCatalog, period: str, scope: str, field: str,
                                                 message: str) -> None:
    factories.organisation("DIE")
    with pytest.raises(ValidationFailed) as caught:
        reporting.generate("annual", period, scope, actor_label="test", now=NOW)
    assert caught.value.field == field and caught.value.message.startswith(message)
    assert db.session.scalars(select(Report)).first() is None


def test_pages_and_api(client: FlaskClient, diemen_2025: dict[str, Any]) -> None:
    vo = factories.user([("verbindingsofficier", "DIE")])
    login(client, vo.email, factories.PASSWORD)
    page = client.get("/jaarcijfers?organisatie=DIE&jaar=2025").get_data(as_text=True)
    assert 'id="jaarverslag-paragraaf"' in page and "data-copy" in page and "js/ap-copy.js" in page
    assert "Op 31 december 2025 liepen er 2 verbetermaatregelen" in page
    future = client.get("/jaarcijfers?organisatie=DIE&jaar=2099")
    assert future.status_code == 200 and "nog niet begonnen" in future.get_data(as_text=True)
    assert 'id="jaarverslag-paragraaf"' not in future.get_data(as_text=True)

    headers = bearer(factories.token(vo))
    data = client.get("/api/v1/organisations/DIE/annual-report-paragraph?year=2025", headers=headers).get_json()
    assert data["paragraphs"][0] == EXPECTED[0] and data["sentence"] == EXPECTED[0]
    assert (data["organisation"], data["year"], data["complete_year"]) == ("DIE", 2025, True)
    assert len(data["paragraphs"]) == 4 and data["text"].count("\n\n") == 3
    for query in ("year=1999", "year=abc", "", "year=2099"):
        problem = assert_problem(client.get(f"/api/v1/organisations/DIE/annual-report-paragraph?{query}",
                                            headers=headers), 422)
        assert "year" in problem["errors"], query
    assert_problem(client.get("/api/v1/organisations/UIT/annual-report-paragraph?year=2025", headers=headers), 404)
    # the verbindingsofficier neither makes nor reads the archive's accountability
    assert_problem(client.post("/api/v1/reports", headers=headers,
                               json={"kind": "annual", "period": "2025", "scope": "DIE"}), 403)

    cc = factories.user([("concern_control", "DUO")])
    cc_headers = bearer(factories.token(cc))
    made = client.post("/api/v1/reports", headers=cc_headers, json={"kind": "annual", "period": "2025",
                                                                    "scope": "DIE"})
    assert made.status_code == 201 and made.get_json()["kind"] == "annual"
    problem = assert_problem(client.post("/api/v1/reports", headers=cc_headers,
                                         json={"kind": "annual", "period": "2025", "scope": "all"}), 422)
    assert "scope" in problem["errors"]
    ciso = bearer(factories.token(factories.user([("ciso", "DIE")])))
    assert [r["kind"] for r in client.get("/api/v1/reports?kind=annual", headers=ciso).get_json()] == ["annual"]
    pdf = client.get(f"/api/v1/reports/{made.get_json()['id']}/pdf", headers=ciso)
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    assert "jaarverantwoording-informatiebeveiliging-DIE-2025-v1-" in pdf.headers["Content-Disposition"]

    session_login(client, cc)
    archive = "/rapportages"
    assert "jaarverantwoording" in client.get(archive).get_data(as_text=True)
    wrong = client.post(archive, data={"csrf_token": csrf_token(client, archive), "kind": "annual",
                                       "period": "2026-Q1", "scope": "DIE"})
    assert wrong.status_code == 422 and "een jaar voor een jaarverantwoording" in wrong.get_data(as_text=True)
    good = client.post(archive, data={"csrf_token": csrf_token(client, archive), "kind": "annual",
                                      "period": str(dt.date.today().year - 1), "scope": "DIE"})
    assert good.status_code == 302


def test_the_paragraph_issues_a_fixed_number_of_queries(catalog: ControlCatalog, diemen_2025: dict[str, Any],
                                                        count_queries: Any) -> None:
    year = ensia.year_of(2025, now=NOW)
    die = diemen_2025["die"]
    db.session.expire_all()
    assert die.code == "DIE"
    with count_queries() as few:
        reporting.jaarverslag(die, year)
    for index, c in enumerate([c for c in compliance.controls_of(catalog) if c.status == "active"][10:16]):
        compliance.assess(None, die, c, {"applicable": True, "status": "niet"}, now=at(2025, 3, 2, 9, 0),
                          actor_label="test")
        measure = factories.measure("DIE", now=at(2025, 4, 1, 9, 0), title=f"Maatregel {index}", controls=[c.id])
        findings.create_finding(None, die, {"source": "pentest", "found_on": dt.date(2025, 4, 1),
                                            "title": f"Bevinding {index}", "severity": "hoog", "controls": [c.id],
                                            "measures": [measure.id]}, now=at(2025, 4, 2, 9, 0), actor_label="test")
        log("DIE", at(2025, 6, 1 + index, 9, 0), is_datalek=True)
    db.session.commit()
    db.session.expire_all()
    assert die.code == "DIE"
    with count_queries() as many:
        reporting.jaarverslag(die, year)
    assert many.count == few.count


def test_werking_on_expired_evidence_is_not_shown(catalog: ControlCatalog) -> None:
    """Werking "voldoet" counts as shown only with evidence valid on 31 December (issue 21.2)."""
    from bio_register.attachments import evidence as evidence_life

    oa = factories.organisation("OA")
    ciso = factories.user([("ciso", "OA")])
    c = control(catalog, "5.24.01")
    report = factories.control_attachment("OA", c, filename="testrapport.pdf", actor=ciso)
    report.uploaded_at = at(2025, 1, 10, 9, 0)
    compliance.assess(ciso, oa, c, {"applicable": True, "status": "volledig",
                                    "werking": {"status": "voldoet", "assessed_on": "2025-02-01",
                                                "attachments": [report.id]}}, now=at(2025, 2, 1, 10, 0),
                      today=dt.date(2025, 2, 1))
    life = evidence_life.by_attachment([report.id])[report.id]
    life.evidence_date, life.review_date = dt.date(2025, 1, 10), dt.date(2025, 12, 30)
    db.session.commit()
    year = ensia.year_of(2025, now=NOW)
    assert "Bij 0 daarvan is de werking aangetoond. Bij 1 maatregel rust de werking op verlopen bewijs." in \
        reporting.jaarverslag(oa, year).paragraphs[1]
    data = reporting.annual_accountability(reporting.resolve_scope("OA"), reporting.parse_period("annual", "2025",
                                                                                                 now=NOW),
                                           version=1, generated_at=NOW)
    assert next(t for t in data.themes if t.code == "5").werking == accountability.rd.AspectCounts(0, 0, 0, 1)
    life.review_date = dt.date(2025, 12, 31)        # valid up to and including 31 December
    db.session.commit()
    assert "Bij 1 daarvan is de werking aangetoond." in reporting.jaarverslag(oa, year).paragraphs[1]
