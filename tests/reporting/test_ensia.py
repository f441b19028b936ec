"""The ENSIA werkbestand (issue 21, item 5): the workbook read back with openpyxl and checked cell by
cell against what was recorded, the same rows in the API, the year as it stood, and bad input."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pytest
from flask.testing import FlaskClient
from openpyxl import load_workbook

from bio_register.attachments import evidence as evidence_life
from bio_register.compliance import catalogs as catalog_import
from bio_register.compliance import services as compliance
from bio_register.compliance.models import ControlCatalog
from bio_register.database import utcnow
from bio_register.errors import ValidationFailed
from bio_register.extensions import db
from bio_register.findings import services as findings
from bio_register.reporting import ensia
from bio_register.timeutil import to_local, to_utc
from tests import factories
from tests.api.test_api_base import assert_problem, bearer
from tests.conftest import login

KEY = "BIO2-1.3"
#: "now" for the service tests: the year 2025 is over, 2026 is running
NOW = to_utc(dt.datetime(2026, 6, 15, 12, 0))
HEADERS = ["Nummer", "Soort", "Thema / hoofdstuk", "Titel", "Antwoord", "Reden niet van toepassing", "Opzet",
           "Bestaan", "Werking", "Toelichting", "Eigenaar", "Bewijs", "Geldigheid bewijs", "Open bevindingen",
           "Verbetermaatregelen",
           "Beoordeeld op", "Aandachtspunten"]


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


@pytest.fixture
def recorded(catalog: ControlCatalog) -> dict[str, Any]:
    """DIE in 2025: 5.24.01 volledig with opzet/bestaan/werking, evidence text, a link and a file, an
    open finding and a maatregel; 5.26.02 gedeeltelijk; 5.26 niet; 8.01.01 not applicable. In 2026
    5.24.01 is reassessed as gedeeltelijk (the 2025 file must still say geïmplementeerd)."""
    die = factories.organisation("DIE")
    ciso = factories.user([("ciso", "DIE")], name="Carel Smit")
    c24, c25, c26, c81 = (control(catalog, code) for code in ("5.24.01", "5.26.02", "5.26", "8.01.01"))
    compliance.assess(ciso, die, c24, {
        "applicable": True, "status": "volledig", "owner": "Teamleider ICT",
        "justification": "Meldpunt op intranet en via de servicedesk.",
        "evidence": "Procedure melden incidenten v2", "evidence_links": ["https://intranet.example.nl/melden"],
        "opzet": {"status": "voldoet", "assessed_on": "2025-02-10", "assessed_by": "J. Jansen"},
        "bestaan": {"status": "voldoet", "assessed_on": "2025-02-11", "assessed_by": "J. Jansen"},
        "werking": {"status": "voldoet_gedeeltelijk", "assessed_on": "2025-02-12", "assessed_by": "A. de Auditor",
                    "evidence": "Steekproef van tien meldingen"},
    }, now=at(2025, 3, 1, 10, 0))
    compliance.assess(ciso, die, c25, {"applicable": True, "status": "gedeeltelijk", "owner": "CISO"},
                      now=at(2025, 3, 1, 10, 5))
    compliance.assess(ciso, die, c26, {"applicable": True, "status": "niet"}, now=at(2025, 3, 1, 10, 10))
    compliance.assess(ciso, die, c81, {"applicable": False, "justification": "Geen eigen eindapparaten."},
                      now=at(2025, 3, 1, 10, 15))
    # the 2026 reassessment, after the year's end
    compliance.assess(ciso, die, c24, {"applicable": True, "status": "gedeeltelijk", "owner": "Teamleider ICT"},
                      now=at(2026, 2, 1, 9, 0))
    db.session.commit()
    policy = factories.control_attachment("DIE", c24, filename="procedure-melden.pdf", actor=ciso)
    policy.uploaded_at = at(2025, 1, 20, 14, 0)
    # its life (issue 21.2): dated 20 January, to be reviewed by 15 December: expired on 31 December
    life = evidence_life.by_attachment([policy.id])[policy.id]
    life.evidence_date, life.review_date = dt.date(2025, 1, 20), dt.date(2025, 12, 15)
    late = factories.control_attachment("DIE", c24, filename="na-het-jaar.pdf", actor=ciso)
    late.uploaded_at = at(2026, 1, 5, 9, 0)
    db.session.commit()
    measure = factories.measure("DIE", now=at(2025, 4, 1, 9, 0), title="Meldpunt 24/7 bereikbaar",
                                owner="Teamleider ICT", due_date=dt.date(2026, 3, 31), controls=[c24.id])
    finished_before = factories.measure("DIE", now=at(2024, 4, 1, 9, 0), title="Oude maatregel",
                                        controls=[c24.id], status="gereed")
    finished_before.completed_at = at(2024, 12, 1, 9, 0)
    db.session.commit()
    finding = findings.create_finding(None, die, {
        "source": "it_audit", "found_on": dt.date(2025, 4, 20), "title": "Meldpunt 's nachts onbereikbaar",
        "severity": "midden", "retest_on": dt.date(2025, 10, 1), "controls": [c24.id]},
        now=at(2025, 5, 1, 9, 0), actor_label="test")
    closed = findings.create_finding(None, die, {
        "source": "pentest", "found_on": dt.date(2025, 4, 20), "title": "Opgelost in het jaar",
        "severity": "laag", "controls": [c24.id]}, now=at(2025, 5, 1, 9, 0), actor_label="test")
    findings.update_finding(None, closed, {"status": "opgelost"}, closed.version, now=at(2025, 9, 1, 9, 0))
    db.session.commit()
    return {"die": die, "c24": c24, "c25": c25, "c26": c26, "c81": c81, "measure": measure, "finding": finding,
            "policy": policy}


def expected_rows(catalog: ControlCatalog, r: dict[str, Any]) -> dict[str, list[str]]:
    """What the 2025 workbook must hold for the four assessed measures, cell by cell."""

    def start(c: Any) -> list[str]:
        kind = "overheidsmaatregel" if c.kind.value == "measure" else "beheersmaatregel"
        return [c.code, kind, f"{c.group_code} {c.group_title_nl}", c.title_nl]

    return {
        "5.24.01": [*start(r["c24"]), "geïmplementeerd", "", "voldoet (10-02-2025, J. Jansen)",
                    "voldoet (11-02-2025, J. Jansen)", "voldoet gedeeltelijk (12-02-2025, A. de Auditor)",
                    "Meldpunt op intranet en via de servicedesk.", "Teamleider ICT",
                    "tekst: Procedure melden incidenten v2 (01-03-2025)\n"
                    "link: https://intranet.example.nl/melden (01-03-2025; eigenaar Carel Smit; herzien uiterlijk "
                    "01-03-2026)\n"
                    "bestand: procedure-melden.pdf (20-01-2025; eigenaar Carel Smit; herzien uiterlijk 15-12-2025)",
                    "verlopen op 31-12-2025: procedure-melden.pdf",
                    "Meldpunt 's nachts onbereikbaar (IT-audit, 20-04-2025, ernst midden, open; hertest 01-10-2025)",
                    "Meldpunt 24/7 bereikbaar (eigenaar: Teamleider ICT; uiterlijk 31-03-2026; gepland)",
                    "01-03-2025 10:00", ""],
        "5.26.02": [*start(r["c25"]), "gedeeltelijk", "", "niet beoordeeld", "niet beoordeeld", "niet beoordeeld",
                    "", "CISO", "", "", "", "", "01-03-2025 10:05", ""],
        "5.26": [*start(r["c26"]), "niet", "", "niet beoordeeld", "niet beoordeeld", "niet beoordeeld", "", "", "",
                 "", "", "", "01-03-2025 10:10", ""],
        "8.01.01": [*start(r["c81"]), "niet van toepassing", "Geen eigen eindapparaten.", "", "", "", "", "", "",
                    "", "", "", "01-03-2025 10:15", ""],
    }


def read_back(data: bytes) -> tuple[list[list[str]], list[list[str]]]:
    workbook = load_workbook(io.BytesIO(data))
    assert workbook.sheetnames == ["ENSIA 2025", "Toelichting"]
    sheet = [["" if v is None else str(v) for v in row] for row in workbook["ENSIA 2025"].iter_rows(values_only=True)]
    notes = [["" if v is None else str(v) for v in row] for row in workbook["Toelichting"].iter_rows(values_only=True)]
    return sheet, notes


def test_the_workbook_read_back_matches_the_data_cell_by_cell(catalog: ControlCatalog,
                                                                recorded: dict[str, Any]) -> None:
    book = ensia.werkbestand(recorded["die"], catalog, ensia.year_of(2025, now=NOW))
    sheet, notes = read_back(ensia.xlsx(book))
    assert sheet[0] == HEADERS
    active = [c for c in compliance.controls_of(catalog) if c.status == "active"]
    # every active control and overheidsmaatregel once, in catalog order
    assert [row[0] for row in sheet[1:]] == [c.code for c in active]
    expected = expected_rows(catalog, recorded)
    by_code = {row[0]: row for row in sheet[1:]}
    for code, cells in expected.items():
        assert by_code[code] == cells, code
    # the rest: not yet assessed, nothing else filled in
    for c in active:
        if c.code not in expected:
            assert by_code[c.code][4:] == ["nog niet beoordeeld"] + [""] * 12, c.code
    assert ["Let op", "Een werkbestand uit het BIO-register om de ENSIA-zelfevaluatie in te vullen; geen officieel "
            "importformaat van ENSIA."] in notes
    assert ["Stand", "de stand op 31-12-2025 om middernacht"] in notes
    assert [header for header, _meaning in notes[5:]] == HEADERS
    counts = book.counts()
    assert (counts["geïmplementeerd"], counts["gedeeltelijk"], counts["niet"], counts["niet van toepassing"]) == \
        (1, 1, 1, 1)
    assert counts["nog niet beoordeeld"] == len(active) - 4


def test_a_running_year_shows_the_state_of_now(catalog: ControlCatalog, recorded: dict[str, Any]) -> None:
    book = ensia.werkbestand(recorded["die"], catalog, ensia.year_of(2026, now=NOW))
    row = next(r for r in book.rows if r.control.code == "5.24.01")
    assert row.answer == "gedeeltelijk"
    # the 2026 assessment carried opzet/bestaan/werking over; the late file counts now
    assert [e.text for e in row.evidence if e.kind == "bestand"] == ["procedure-melden.pdf", "na-het-jaar.pdf"]
    # the maatregel still runs; the one finished in 2024 is not in it
    assert [m.title for m in row.measures] == ["Meldpunt 24/7 bereikbaar"]
    assert [f.title for f in row.findings] == ["Meldpunt 's nachts onbereikbaar"]
    notes = [list(row) for row in load_workbook(io.BytesIO(ensia.xlsx(book)))["Toelichting"].iter_rows(
        values_only=True)]
    assert ["Stand", "de stand van nu (15-06-2026 12:00); het jaar loopt nog"] in notes, notes[:5]


def test_a_warning_for_a_proposal_and_a_contradiction(catalog: ControlCatalog) -> None:
    die = factories.organisation("DIE")
    c = control(catalog, "5.24.02")
    compliance.assess(None, die, c, {"applicable": True, "status": "volledig",
                                     "opzet": {"status": "voldoet_niet", "assessed_on": "2025-01-02"}},
                      proposed=True, now=at(2025, 1, 3, 9, 0), actor_label="test")
    db.session.commit()
    row = next(r for r in ensia.werkbestand(die, catalog, ensia.year_of(2025, now=NOW)).rows if r.control.id == c.id)
    assert row.warnings == ["Voorstel uit de overgang naar BIO2, nog niet bevestigd.",
                            "„Volledig geïmplementeerd”, maar opzet „voldoet niet”."]


def test_werking_on_expired_evidence_is_pointed_out(catalog: ControlCatalog) -> None:
    die = factories.organisation("DIE")
    ciso = factories.user([("ciso", "DIE")])
    c = control(catalog, "5.24.03")
    report = factories.control_attachment("DIE", c, filename="testrapport.pdf", actor=ciso)
    compliance.assess(ciso, die, c, {"applicable": True, "status": "volledig",
                                     "werking": {"status": "voldoet", "attachments": [report.id]}})
    db.session.commit()
    now = utcnow()
    year = ensia.year_of(to_local(now).year, now=now)

    def the_row() -> Any:
        return next(r for r in ensia.werkbestand(die, catalog, year).rows if r.control.id == c.id)

    assert the_row().warnings == [] and the_row().expired == []
    life = evidence_life.by_attachment([report.id])[report.id]
    life.review_date = to_local(now).date() - dt.timedelta(days=1)
    db.session.commit()
    row = the_row()
    assert [e.text for e in row.expired] == ["testrapport.pdf"]
    assert row.warnings == ["De werking rust op bewijs dat verlopen of verwijderd is."]
    assert ensia.validity_text(row, to_local(now).date()) == f"verlopen op {to_local(now):%d-%m-%Y}: testrapport.pdf"


@pytest.mark.parametrize(("year", "message"), [
    (1999, "Kies een jaar tussen 2000 en 2100."),
    (2101, "Kies een jaar tussen 2000 en 2100."),
    (2027, "Het jaar 2027 is nog niet begonnen; kies 2026 of eerder."),
    ("2025", "Geef een jaar als getal, bijvoorbeeld 2026."),
])
def test_a_year_out_of_range_is_refused(year: Any, message: str) -> None:
    with pytest.raises(ValidationFailed) as caught:
        ensia.year_of(year, now=NOW)
    assert (caught.value.field, caught.value.message) == ("year", message)


def test_download_from_the_compliance_page_and_the_api(client: FlaskClient, catalog: ControlCatalog,
                                                       recorded: dict[str, Any]) -> None:
    vo = factories.user([("verbindingsofficier", "DIE")])
    login(client, vo.email, factories.PASSWORD)
    page = client.get(f"/compliance/DIE/{KEY}").get_data(as_text=True)
    assert f'action="/compliance/DIE/{KEY}/ensia.xlsx"' in page and "ENSIA-werkbestand" in page
    download = client.get(f"/compliance/DIE/{KEY}/ensia.xlsx?jaar=2025")
    assert download.status_code == 200
    assert download.headers["Content-Disposition"] == 'attachment; filename="ensia-werkbestand-DIE-2025.xlsx"'
    sheet, _notes = read_back(download.data)
    by_code = {row[0]: row for row in sheet[1:]}
    assert by_code["5.24.01"] == expected_rows(catalog, recorded)["5.24.01"]
    for bad, message in (("1999", "Kies een jaar tussen 2000 en 2100."), ("3000", "Kies een jaar tussen"),
                         ("twee", "Geef een jaar als getal")):
        refused = client.get(f"/compliance/DIE/{KEY}/ensia.xlsx?jaar={bad}")
        assert refused.status_code == 422 and message in refused.get_data(as_text=True)
    # outside the scope: as if it did not exist
    assert client.get(f"/compliance/UIT/{KEY}/ensia.xlsx?jaar=2025").status_code == 404

    headers = bearer(factories.token(vo))
    data = client.get("/api/v1/organisations/DIE/ensia?year=2025", headers=headers).get_json()
    assert (data["organisation"], data["year"], data["catalog"], data["complete_year"]) == ("DIE", 2025, KEY, True)
    rows = {row["control"]: row for row in data["rows"]}
    assert [row["control"] for row in data["rows"]] == [row[0] for row in sheet[1:]]
    first = rows["5.24.01"]
    assert first["answer"] == "geïmplementeerd" and first["owner"] == "Teamleider ICT"
    assert first["werking"] == {"status": "voldoet_gedeeltelijk", "assessed_on": "2025-02-12",
                                "assessed_by": "A. de Auditor"}
    assert first["evidence"][2] == {"kind": "bestand", "text": "procedure-melden.pdf", "date": "2025-01-20",
                                    "attachment_id": recorded["policy"].id, "owner": "Carel Smit",
                                    "review_date": "2025-12-15", "valid": False}
    assert first["evidence"][0]["valid"] is None and first["evidence"][1]["valid"] is True
    assert [f["id"] for f in first["open_findings"]] == [recorded["finding"].id]
    assert first["measures"] == [{"id": recorded["measure"].id, "title": "Meldpunt 24/7 bereikbaar",
                                  "owner": "Teamleider ICT", "due_date": "2026-03-31", "status": "gepland"}]
    assert rows["8.01.01"]["answer"] == "niet van toepassing"
    assert rows["8.01.01"]["not_applicable_reason"] == "Geen eigen eindapparaten."
    assert rows["8.01.01"]["opzet"] is None
    assert data["counts"]["geïmplementeerd"] == 1
    for query, field in (("year=1999", "year"), ("year=abc", "year"), ("", "year"), ("year=2099", "year"),
                         ("year=2025&catalog=BIO9", "catalog")):
        problem = assert_problem(client.get(f"/api/v1/organisations/DIE/ensia?{query}", headers=headers), 422)
        assert field in problem["errors"], query
    assert_problem(client.get("/api/v1/organisations/UIT/ensia?year=2025", headers=headers), 404)


def test_the_werkbestand_issues_a_fixed_number_of_queries(catalog: ControlCatalog, recorded: dict[str, Any],
                                                          count_queries: Any) -> None:
    year = ensia.year_of(2025, now=NOW)
    die, key = recorded["die"].code, catalog.key
    db.session.expire_all()
    assert (recorded["die"].code, catalog.key) == (die, key)
    with count_queries() as few:
        ensia.xlsx(ensia.werkbestand(recorded["die"], catalog, year))
    taken = {"5.24.01", "5.26.02", "5.26", "8.01.01"}
    for c in [c for c in compliance.controls_of(catalog) if c.status == "active" and c.code not in taken][:4]:
        code = c.code
        compliance.assess(None, recorded["die"], c, {"applicable": True, "status": "niet"}, now=at(2025, 3, 2, 9, 0),
                          actor_label="test")
        factories.measure("DIE", now=at(2025, 4, 1, 9, 0), title=f"Maatregel {code}", controls=[c.id])
        findings.create_finding(None, recorded["die"], {"source": "pentest", "found_on": dt.date(2025, 4, 1),
                                                        "title": f"Bevinding {code}", "severity": "hoog",
                                                        "controls": [c.id]}, now=at(2025, 4, 2, 9, 0),
                                actor_label="test")
        factories.control_attachment("DIE", c, filename=f"{code}.pdf").uploaded_at = at(2025, 4, 3, 9, 0)
    db.session.commit()
    db.session.expire_all()
    assert (recorded["die"].code, catalog.key) == (die, key)   # loaded again before counting, as before
    with count_queries() as many:
        ensia.xlsx(ensia.werkbestand(recorded["die"], catalog, year))
    assert many.count == few.count
