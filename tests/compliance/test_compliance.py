from __future__ import annotations

import datetime as dt
import io
import re
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from openpyxl import Workbook, load_workbook
from pypdf import PdfReader
from sqlalchemy import func, select

from bio_register.compliance import catalogs as catalog_import
from bio_register.compliance import services
from bio_register.compliance.models import Control, ControlAssessment, ControlCatalog, ControlKind, ControlMapping
from bio_register.database import utcnow
from bio_register.errors import ValidationFailed
from bio_register.extensions import db
from bio_register.measures.models import Measure
from tests import factories
from tests.api.test_api_base import assert_problem, bearer
from tests.conftest import csrf_token, login


@pytest.fixture
def bio() -> dict[str, ControlCatalog]:
    catalog_import.import_all(actor_label="test")
    db.session.commit()
    return {c.key: c for c in services.catalogs()}


def control(catalog: ControlCatalog, code: str) -> Control:
    found = services.find_control(catalog, code)
    assert found is not None, code
    return found


def test_import_is_idempotent_and_counts_are_right(bio) -> None:
    before = db.session.scalar(select(func.count()).select_from(Control))
    assert [created for _key, created in catalog_import.import_all(actor_label="test")] == [False, False]
    assert db.session.scalar(select(func.count()).select_from(Control)) == before
    old, new = bio["BIO-1.04"], bio["BIO2-1.3"]
    assert len(services.controls_of(old, kind=ControlKind.CONTROL)) == 114
    bio2 = services.controls_of(new, kind=ControlKind.CONTROL)
    assert len(bio2) == 93
    assert sorted({c.group_code for c in bio2}) == ["5", "6", "7", "8"]
    assert [sum(c.group_code == t for c in bio2) for t in "5678"] == [37, 8, 14, 34]
    assert control(new, "5.24.03").parent_code == "5.24" and control(new, "5.24.03").title_nl
    assert db.session.scalar(select(func.count()).select_from(ControlMapping)) > 100


def test_a_new_catalog_version_stands_beside_the_old(bio) -> None:
    from controls import loader

    catalog = loader.load_catalog("BIO2-1.3")
    import dataclasses

    newer = dataclasses.replace(catalog, key="BIO2-1.4", name="BIO2 1.4", version="1.4")
    row, created = catalog_import.import_catalog(newer, actor_label="test")
    assert created and row.key == "BIO2-1.4"
    assert {c.key for c in services.catalogs()} == {"BIO-1.04", "BIO2-1.3", "BIO2-1.4"}
    assert control(bio["BIO2-1.3"], "5.24.03").catalog.key == "BIO2-1.3"


def test_assessment_rules_and_history(bio) -> None:
    ciso = factories.user([("ciso", "DIE")])
    die = factories.organisation("DIE")
    c = control(bio["BIO2-1.3"], "5.24.01")
    with pytest.raises(ValidationFailed) as caught:
        services.assess(ciso, die, c, {"applicable": False})
    assert "justification" in caught.value.errors
    with pytest.raises(ValidationFailed) as caught:
        services.assess(ciso, die, c, {"applicable": True, "status": "bijna"})
    assert "status" in caught.value.errors
    with pytest.raises(ValidationFailed) as caught:
        services.assess(ciso, die, c, {"applicable": True, "status": "volledig", "evidence_links": ["javascript:x"]})
    assert "evidence_links" in caught.value.errors
    db.session.rollback()
    services.assess(ciso, die, c, {"applicable": True, "status": "gedeeltelijk", "owner": "Teamleider ICT"})
    services.assess(ciso, die, c, {"applicable": True, "status": "volledig", "evidence": "Procedure v2 vastgesteld"})
    db.session.commit()
    history = services.assessment_history(die, c)
    assert [h.status.value for h in history] == ["volledig", "gedeeltelijk"]
    assert services.current_assessments(die, bio["BIO2-1.3"])[c.id].status.value == "volledig"


@pytest.mark.parametrize(("roles", "status"), [
    ([("verbindingsofficier", "DIE")], 403), ([("fg", "DIE")], 403), ([("concern_control", "DUO")], 403),
    ([("ciso", "UIT")], 404), ([("ciso", "DIE")], 302),
])
def test_only_the_ciso_of_the_organisation_assesses(client: FlaskClient, bio, roles, status: int) -> None:
    """Who reads the organisation's compliance but may not assess gets 403, on the page and in the API;
    who cannot read it gets 404."""
    factories.organisation("DIE")
    user = factories.user(roles)
    login(client, user.email, factories.PASSWORD)
    token = csrf_token(client, "/account")
    assessed = client.post("/compliance/DIE/BIO2-1.3/5.24.01", data={
        "csrf_token": token, "applicable": "ja", "status": "niet"})
    assert assessed.status_code == status
    proposed = client.post("/compliance/DIE/BIO2-1.3/voorstel", data={"csrf_token": token})
    assert proposed.status_code == status
    api = client.post("/api/v1/organisations/DIE/assessments", headers=bearer(factories.token(user)), json={
        "catalog": "BIO2-1.3", "control": "5.24.01", "applicable": True, "status": "niet"})
    assert api.status_code == (201 if status == 302 else status)
    expected = 2 if status == 302 else 0
    assert db.session.scalar(select(func.count()).select_from(ControlAssessment)) == expected


def test_compliance_percentages_and_gaps_from_known_assessments(bio) -> None:
    ciso = factories.user([("ciso", "DIE")])
    die = factories.organisation("DIE")
    catalog = bio["BIO2-1.3"]
    measures = [m for m in services.controls_of(catalog, kind=ControlKind.MEASURE) if m.status == "active"]
    theme5 = [m for m in measures if m.group_code == "5"][:4]
    statuses = [("volledig", True), ("gedeeltelijk", True), ("niet", True), (None, False)]
    for m, (status, applicable) in zip(theme5, statuses, strict=True):
        data = {"applicable": applicable, "status": status} if applicable else {
            "applicable": False, "justification": "Geen eigen datacenter."}
        services.assess(ciso, die, m, data)
    # an incident linked to the 'niet' gap through a maatregel makes it the first gap
    incident = factories.incident("DIE")
    measure = Measure(organisation_id=die.id, title="Procedure herzien")
    measure.controls.append(theme5[2])
    measure.incidents.append(incident)
    db.session.add(measure)
    db.session.commit()
    result = services.compliance(die, catalog)
    group = next(g for g in result.groups if g.code == "5")
    assert (group.assessed, group.applicable, group.volledig, group.gedeeltelijk, group.niet) == (4, 3, 1, 1, 1)
    assert group.percentage == 50.0          # (1 + ½) / 3
    assert [g.control.code for g in result.gaps] == [theme5[2].code, theme5[1].code]
    assert result.gaps[0].incidents_12m == 1
    assert [m.title for m in result.gaps[0].open_measures] == ["Procedure herzien"]
    assert len(result.unassessed) == len(measures) - 4


def test_gap_incidents_and_maatregelen_equal_the_straightforward_count(bio) -> None:
    """The gaps' incidents of the last 12 months are counted in SQL (maatregel links joined directly);
    they equal a count over the maatregelen's own links: each incident once, of this organisation,
    discovered within the 12 months; the open maatregelen only. Asked for the figures alone, the same
    figures come without those details."""
    ciso = factories.user([("ciso", "DIE")])
    die = factories.organisation("DIE")
    catalog = bio["BIO2-1.3"]
    measures = [m for m in services.controls_of(catalog, kind=ControlKind.MEASURE) if m.status == "active"][:6]
    for i, m in enumerate(measures):
        services.assess(ciso, die, m, {"applicable": True, "status": ("niet", "gedeeltelijk", "volledig")[i % 3]})
    now = utcnow()
    recent = [factories.incident("DIE") for _ in range(3)]
    old = factories.incident("DIE", discovered_at=now - dt.timedelta(days=400))
    other = factories.incident("OA")
    links = [(measures[0], [*recent, old], "gepland"), (measures[0], recent[:1], "gereed"),
             (measures[1], [recent[1], other], "in_uitvoering"), (measures[3], recent[2:], "gepland"),
             (measures[2], recent, "gepland")]           # measures[2] is "volledig": no gap
    for control, incidents, status in links:
        measure = Measure(organisation_id=die.id, title=f"Maatregel {control.code} {status}", status=status)
        measure.controls.append(control)
        measure.incidents.extend(incidents)
        db.session.add(measure)
    db.session.commit()
    result = services.compliance(die, catalog, now=now)
    assert {g.control.code for g in result.gaps} == {m.code for i, m in enumerate(measures) if i % 3 != 2}
    linked = list(db.session.scalars(select(Measure).where(Measure.organisation_id == die.id)))
    for gap in result.gaps:
        expected = {i.id for m in linked if gap.control in m.controls for i in m.incidents
                    if i.organisation_id == die.id and i.discovered_at >= now - dt.timedelta(days=365)}
        assert gap.incidents_12m == len(expected), gap.control.code
        assert sorted(m.title for m in gap.open_measures) == sorted(
            m.title for m in linked if gap.control in m.controls and m.status.value in ("gepland", "in_uitvoering"))
    assert [g.incidents_12m for g in result.gaps][:3] == [3, 1, 1]      # not all alike: the check above bites
    figures = services.compliance_of_many([die], catalog, now=now, with_measures=False, with_incidents=False)[0]
    assert (figures.total, figures.groups, figures.unassessed) == (result.total, result.groups, result.unassessed)
    assert {g.control.id for g in figures.gaps} == {g.control.id for g in result.gaps}
    assert all(g.incidents_12m == 0 and g.open_measures == [] for g in figures.gaps)
    counted = services.compliance_of_many([die], catalog, now=now, with_measures=False)[0]
    assert [(g.control.id, g.incidents_12m) for g in counted.gaps] == [
        (g.control.id, g.incidents_12m) for g in result.gaps]


def test_proposal_from_bio_104_is_marked_and_confirmed(bio) -> None:
    ciso = factories.user([("ciso", "DIE")])
    die = factories.organisation("DIE")
    old, new = bio["BIO-1.04"], bio["BIO2-1.3"]
    services.assess(ciso, die, control(old, "16.1.2"), {"applicable": True, "status": "volledig"})
    services.assess(ciso, die, control(old, "16.1.3"), {"applicable": True, "status": "gedeeltelijk"})
    db.session.commit()
    created = services.propose_from_mapping(ciso, die, old, new)
    db.session.commit()
    assert created and all(a.proposed for a in created)
    target = {a.control.code: a for a in created}
    assert "6.8" in target and target["6.8"].status.value == "gedeeltelijk"   # weakest of the sources
    assert "Te bevestigen" in target["6.8"].justification
    # running it again proposes nothing new; confirming turns the proposal into an assessment
    assert services.propose_from_mapping(ciso, die, old, new) == []
    services.assess(ciso, die, target["6.8"].control, {"applicable": True, "status": "volledig"})
    assert services.current_assessments(die, new)[target["6.8"].control_id].proposed is False


def test_one_proposal_is_announced_in_the_singular(client: FlaskClient, bio) -> None:
    ciso = factories.user([("ciso", "DIE")])
    die = factories.organisation("DIE")
    services.assess(ciso, die, control(bio["BIO-1.04"], "16.1.3"), {"applicable": True, "status": "volledig"})
    db.session.commit()
    login(client, ciso.email, factories.PASSWORD)
    page = "/compliance/DIE/BIO2-1.3"
    html = client.post(f"{page}/voorstel", data={"csrf_token": csrf_token(client, page)},
                       follow_redirects=True).get_data(as_text=True)
    assert "1 voorstel gemaakt uit BIO 1.04; bevestig het of wijs het af." in html


def test_soa_exports_contain_every_applicable_control(bio) -> None:
    from bio_register.compliance import export

    ciso = factories.user([("ciso", "DIE")])
    die = factories.organisation("DIE")
    catalog = bio["BIO2-1.3"]
    services.assess(ciso, die, control(catalog, "5.24.01"), {"applicable": True, "status": "volledig"})
    services.assess(ciso, die, control(catalog, "8.1.01") if services.find_control(catalog, "8.1.01") else
                    control(catalog, "5.24.02"), {"applicable": True, "status": "niet", "owner": "=cmd()"})
    db.session.commit()
    rows = services.statement_of_applicability(die, catalog)
    sheet = load_workbook(io.BytesIO(export.soa_xlsx(die, catalog, rows))).active
    values = list(sheet.iter_rows(values_only=True))
    codes = [v[0] for v in values[1:]]
    assert len(codes) == len(rows) and "5.24.01" in codes
    assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)
    assert any(v[11] == "'=cmd()" for v in values)
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(export.soa_pdf(die, catalog, rows))).pages)
    assert "Verklaring van Toepasselijkheid" in text and "5.24.01" in text
    pages = len(PdfReader(io.BytesIO(export.soa_pdf(die, catalog, rows))).pages)
    assert pages > 1 and f"pagina 1 van {pages}" in text and f"pagina {pages} van {pages}" in text
    # no word broken over two lines: the column headers and the kinds come out whole
    for word in ("Implementatie", "beheersmaatregel", "overheidsmaatregel", "Eigenaar"):
        assert word in text, word
    # a moved or withdrawn measure says so in Dutch
    assert "verplaatst naar" in text and "vervallen" in text
    assert "moved" not in text and "withdrawn" not in text


def test_soa_page_shows_status_in_dutch(bio, client: FlaskClient) -> None:
    factories.user([("ciso", "DIE")], email="ciso@die.example")
    die = factories.organisation("DIE")
    db.session.commit()
    login(client, "ciso@die.example", factories.PASSWORD)
    page = client.get(f"/compliance/{die.code}/BIO2-1.3/vvt").get_data(as_text=True)
    assert "verplaatst naar 5." in page and "vervallen" in page
    assert "moved" not in page and "withdrawn" not in page


def test_import_texts_all_or_nothing(bio, tmp_path: Path) -> None:
    good = tmp_path / "teksten.csv"
    good.write_text("id;text\n5.24.01;Eigen tekst uit de licentie.\n5.24.02;Nog een tekst.\n", encoding="utf-8")
    assert catalog_import.import_texts("BIO2-1.3", good) == 2
    assert control(bio["BIO2-1.3"], "5.24.01").full_text == "Eigen tekst uit de licentie."
    book = Workbook()
    sheet = book.active
    sheet.append(["id", "text"])
    sheet.append(["5.24.03", "Goed"])
    sheet.append(["9.99", "Bestaat niet"])
    sheet.append(["5.24.04", ""])
    bad = tmp_path / "teksten.xlsx"
    book.save(bad)
    with pytest.raises(ValidationFailed) as caught:
        catalog_import.import_texts("BIO2-1.3", bad)
    assert "rij 3, kolom id" in caught.value.message and "rij 4, kolom text" in caught.value.message
    db.session.rollback()
    assert control(bio["BIO2-1.3"], "5.24.03").full_text is None
    missing = tmp_path / "kolommen.csv"
    missing.write_text("nummer,tekst\n5.24.01,x\n", encoding="utf-8")
    with pytest.raises(ValidationFailed, match="ontbreken"):
        catalog_import.import_texts("BIO2-1.3", missing)


def test_import_catalog_command(app: Flask, bio, tmp_path: Path) -> None:
    runner = app.test_cli_runner()
    result = runner.invoke(args=["bio", "import-catalog", "--catalog", "BIO2-1.3"])
    assert result.exit_code == 0 and "al aanwezig" in result.output
    bad = tmp_path / "x.csv"
    bad.write_text("id,text\nonzin,tekst\n", encoding="utf-8")
    result = runner.invoke(args=["bio", "import-catalog", "--catalog", "BIO2-1.3", "--texts", str(bad)])
    assert result.exit_code != 0 and "rij 2" in result.output and "Traceback" not in result.output


def test_pages_for_the_ciso_and_concern_control(client: FlaskClient, bio) -> None:
    ciso = factories.user([("ciso", "DIE")])
    factories.organisation("UIT")
    login(client, ciso.email, factories.PASSWORD)
    html = client.get("/compliance/DIE/BIO2-1.3").get_data(as_text=True)
    assert "Implementatie per thema" in html and 'role="img"' in html
    # BIO2 counts its overheidsmaatregelen, and says so: "maatregel" is what is done after an incident
    assert re.search(r"\d+ overheidsmaatregelen zijn nog niet beoordeeld", html)
    assert '<th scope="col">Overheidsmaatregelen</th>' in html and '<th scope="col">Maatregelen</th>' not in html
    svg = client.get("/compliance/DIE/BIO2-1.3/chart.svg")
    assert svg.mimetype == "image/svg+xml" and b"<svg" in svg.data
    page = "/compliance/DIE/BIO2-1.3/5.24.01"
    response = client.post(page, data={"csrf_token": csrf_token(client, page), "applicable": "nee",
                                       "justification": ""})
    assert response.status_code == 422 and "Motiveer" in response.get_data(as_text=True)
    response = client.post(page, data={"csrf_token": csrf_token(client, page), "applicable": "ja",
                                       "status": "volledig", "owner": "ISO"})
    assert response.status_code == 302
    assert "volledig" in client.get("/compliance/DIE/BIO2-1.3/vvt").get_data(as_text=True)
    assert client.get("/compliance/UIT/BIO2-1.3").status_code == 404
    assert client.get("/compliance/DIE/BIO-9").status_code == 404
    assert client.get("/compliance/DIE/BIO2-1.3/99.99").status_code == 404


def test_api_assessments_and_compliance(client: FlaskClient, bio) -> None:
    headers = bearer(factories.token(factories.user([("ciso", "DIE")])))
    created = client.post("/api/v1/organisations/DIE/assessments", headers=headers, json={
        "catalog": "BIO2-1.3", "control": "5.24.01", "applicable": True, "status": "gedeeltelijk"})
    assert created.status_code == 201, created.get_json()
    unknown = client.post("/api/v1/organisations/DIE/assessments", headers=headers, json={
        "catalog": "BIO2-1.3", "control": "5.99.99", "applicable": True, "status": "niet"})
    assert "control" in assert_problem(unknown, 422)["errors"]
    body = client.get("/api/v1/organisations/DIE/compliance?catalog=BIO2-1.3", headers=headers).get_json()
    assert body["total"]["gedeeltelijk"] == 1 and body["gaps"][0]["control"] == "5.24.01"
    controls = client.get("/api/v1/catalogs/BIO2-1.3/controls?kind=control", headers=headers).get_json()
    assert len(controls) == 93
    assert [c["key"] for c in client.get("/api/v1/catalogs", headers=headers).get_json()] == ["BIO-1.04", "BIO2-1.3"]
    cc = bearer(factories.token(factories.user([("concern_control", "DUO")])))
    assert assert_problem(client.post("/api/v1/organisations/DIE/assessments", headers=cc, json={
        "catalog": "BIO2-1.3", "control": "5.24.01", "applicable": True, "status": "volledig"}), 403)
    assert client.get("/api/v1/organisations/DIE/assessments?catalog=BIO2-1.3", headers=cc).status_code == 200

