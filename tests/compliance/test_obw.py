"""Opzet, bestaan and werking per assessment (issue 21, item 1): set on the control page and through
the API, "werking: voldoet" refused without evidence, the implementation level kept beside them with
a contradiction warning, history and audit, the statement of applicability's indication and filter,
the exports, the figures, and the migration of existing assessments."""

from __future__ import annotations

import datetime as dt
import importlib.util
import io
import json
import re
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient
from flask_migrate import downgrade, upgrade
from openpyxl import load_workbook
from pypdf import PdfReader
from sqlalchemy import func, select, text

from bio_register import MIGRATIONS_DIR
from bio_register.audit.models import AuditEvent
from bio_register.compliance import catalogs as catalog_import
from bio_register.compliance import export, services
from bio_register.compliance.models import AspectStatus, ControlAssessment, ControlCatalog
from bio_register.errors import ValidationFailed
from bio_register.extensions import db
from tests import dbutil, factories
from tests.api.test_api_base import assert_problem, bearer
from tests.conftest import csrf_token, login, make_app

KEY = "BIO2-1.3"
PAGE = f"/compliance/DIE/{KEY}/5.24.01"
TODAY = dt.date(2026, 12, 4)


@pytest.fixture
def catalog() -> ControlCatalog:
    catalog_import.import_all(actor_label="test")
    db.session.commit()
    found = services.get_catalog(KEY)
    assert found is not None
    return found


def _control(catalog: ControlCatalog, code: str) -> Any:
    found = services.find_control(catalog, code)
    assert found is not None, code
    return found


def _count() -> int:
    return db.session.scalar(select(func.count()).select_from(ControlAssessment)) or 0


def _form(**values: str) -> dict[str, Any]:
    data: dict[str, Any] = {"applicable": "ja", "status": "volledig"}
    for aspect in ("opzet", "bestaan", "werking"):
        data[f"{aspect}_status"] = "niet_beoordeeld"
    data.update(values)
    return data


# --- the rules ---------------------------------------------------------------------------------------

def test_werking_voldoet_needs_evidence_and_aspects_take_defaults(catalog: ControlCatalog) -> None:
    ciso = factories.user([("ciso", "DIE")], name="Carel Smit")
    die = factories.organisation("DIE")
    c = _control(catalog, "5.24.01")
    with pytest.raises(ValidationFailed) as caught:
        services.assess(ciso, die, c, {"applicable": True, "status": "volledig",
                                       "werking": {"status": "voldoet"}}, today=TODAY)
    assert "werking.evidence" in caught.value.errors
    assert "bewijs" in caught.value.errors["werking.evidence"][0]
    # opzet and bestaan "voldoet" need no evidence of their own; a day in the future is refused
    with pytest.raises(ValidationFailed) as caught:
        services.assess(ciso, die, c, {"applicable": True, "status": "volledig",
                                       "opzet": {"status": "voldoet", "assessed_on": "2026-12-05"},
                                       "bestaan": {"status": "misschien"}}, today=TODAY)
    assert set(caught.value.errors) == {"opzet.assessed_on", "bestaan.status"}
    db.session.rollback()
    assert _count() == 0

    row = services.assess(ciso, die, c, {
        "applicable": True, "status": "volledig",
        "opzet": {"status": "voldoet"},
        "bestaan": {"status": "voldoet_gedeeltelijk", "assessed_on": "2026-11-12", "assessed_by": "IT-auditor Jansen"},
        "werking": {"status": "voldoet", "evidence": "Steekproef 25 wijzigingen, alle goedgekeurd"}}, today=TODAY)
    db.session.commit()
    # a judgement without a day or an assessor is today's, by the one who records it
    assert (row.opzet.status, row.opzet.assessed_on, row.opzet.assessed_by) == (AspectStatus.VOLDOET, TODAY,
                                                                               "Carel Smit")
    assert (row.bestaan.assessed_on, row.bestaan.assessed_by) == (dt.date(2026, 11, 12), "IT-auditor Jansen")
    assert row.werking.evidence == "Steekproef 25 wijzigingen, alle goedgekeurd"

    # a client that does not send them leaves opzet, bestaan and werking as they were
    kept = services.assess(ciso, die, c, {"applicable": True, "status": "volledig", "owner": "ISO"}, today=TODAY)
    assert [a.status for a in kept.aspects] == [AspectStatus.VOLDOET, AspectStatus.VOLDOET_GEDEELTELIJK,
                                                AspectStatus.VOLDOET]
    # not applicable: nothing to judge
    gone = services.assess(ciso, die, c, {"applicable": False, "justification": "Geen eigen incidentbeheer.",
                                          "werking": {"status": "voldoet", "evidence": "x"}}, today=TODAY)
    assert all(a.status == AspectStatus.NIET_BEOORDEELD and a.assessed_on is None for a in gone.aspects)


def test_werking_evidence_may_be_an_attachment_of_the_control(catalog: ControlCatalog) -> None:
    c, other = _control(catalog, "5.24.01"), _control(catalog, "5.25.01")
    ciso = factories.user([("ciso", "DIE")])
    die = factories.organisation("DIE")
    mine = factories.control_attachment("DIE", c, filename="logboek-q3.pdf", actor=ciso)
    elsewhere = factories.control_attachment("DIE", other, filename="ander.pdf", actor=ciso)
    with pytest.raises(ValidationFailed) as caught:
        services.assess(ciso, die, c, {"applicable": True, "status": "volledig",
                                       "werking": {"status": "voldoet", "attachments": [elsewhere.id]}})
    assert "werking.attachments" in caught.value.errors
    db.session.rollback()
    row = services.assess(ciso, die, c, {"applicable": True, "status": "volledig",
                                         "werking": {"status": "voldoet", "attachments": [mine.id]}})
    assert row.werking.attachment_ids == [mine.id] and row.werking.evidence is None


def test_contradictions_are_named_not_refused(catalog: ControlCatalog) -> None:
    ciso = factories.user([("ciso", "DIE")])
    die = factories.organisation("DIE")
    row = services.assess(ciso, die, _control(catalog, "5.24.01"), {
        "applicable": True, "status": "volledig", "werking": {"status": "voldoet_niet"}})
    assert services.contradictions(row) == ["„Volledig geïmplementeerd”, maar werking „voldoet niet”."]
    row = services.assess(ciso, die, _control(catalog, "5.24.02"), {
        "applicable": True, "status": "niet", "bestaan": {"status": "voldoet_niet"},
        "werking": {"status": "voldoet", "evidence": "Rapport"}})
    found = services.contradictions(row)
    assert len(found) == 2 and "Niet geïmplementeerd" in found[0] and "kan niet werken" in found[1]
    agreeing = services.assess(ciso, die, _control(catalog, "5.26"), {
        "applicable": True, "status": "gedeeltelijk", "opzet": {"status": "voldoet"},
        "bestaan": {"status": "voldoet_gedeeltelijk"}})
    assert services.contradictions(agreeing) == []
    assert services.compliance(die, catalog).contradictions == 2


# --- the control page --------------------------------------------------------------------------------

def test_the_ciso_sets_opzet_bestaan_werking_on_the_control_page(client: FlaskClient,
                                                                  catalog: ControlCatalog) -> None:
    ciso = factories.user([("ciso", "DIE")], email="ciso@die.example", name="Carel Smit")
    factories.organisation("DIE")
    evidence = factories.control_attachment("DIE", _control(catalog, "5.24.01"), filename="logboek-q3.pdf",
                                            actor=ciso)
    login(client, "ciso@die.example", factories.PASSWORD)
    page = client.get(PAGE).get_data(as_text=True)
    assert "Opzet" in page and "Bestaan" in page and "Werking" in page and "logboek-q3.pdf" in page

    refused = client.post(PAGE, data={"csrf_token": csrf_token(client, PAGE), **_form(werking_status="voldoet")})
    body = refused.get_data(as_text=True)
    assert refused.status_code == 422 and "vraagt om bewijs" in body
    assert _count() == 0

    saved = client.post(PAGE, data={"csrf_token": csrf_token(client, PAGE), **_form(
        opzet_status="voldoet", opzet_evidence="Procedure incidentbeheer v3",
        bestaan_status="voldoet", bestaan_assessed_on="12-11-2026", bestaan_assessed_by="IT-auditor Jansen",
        werking_status="voldoet", werking_attachments=str(evidence.id))})
    assert saved.status_code == 302, saved.get_data(as_text=True)
    row = db.session.scalars(select(ControlAssessment)).one()
    assert [a.status.value for a in row.aspects] == ["voldoet", "voldoet", "voldoet"]
    assert row.bestaan.assessed_on == dt.date(2026, 11, 12) and row.bestaan.assessed_by == "IT-auditor Jansen"
    assert row.werking.attachment_ids == [evidence.id] and row.opzet.assessed_by == "Carel Smit"
    page = client.get(PAGE).get_data(as_text=True)
    assert "Procedure incidentbeheer v3" in page and "IT-auditor Jansen" in page and "12-11-2026" in page
    assert "Tegenstrijdig" not in page
    # the form comes back filled: saving it again without changes keeps everything
    assert 'value="IT-auditor Jansen"' in page
    assert re.search(rf'<input checked id="werking_attachments-0" name="werking_attachments" type="checkbox" '
                     rf'value="{evidence.id}">', page)


def test_the_control_page_and_the_statement_warn_of_a_contradiction(client: FlaskClient,
                                                                     catalog: ControlCatalog) -> None:
    ciso = factories.user([("ciso", "DIE")], email="ciso@die.example")
    die = factories.organisation("DIE")
    services.assess(ciso, die, _control(catalog, "5.24.01"), {
        "applicable": True, "status": "volledig", "werking": {"status": "voldoet_niet"}})
    services.assess(ciso, die, _control(catalog, "5.25.01"), {"applicable": True, "status": "volledig"})
    db.session.commit()
    login(client, "ciso@die.example", factories.PASSWORD)
    page = client.get(PAGE).get_data(as_text=True)
    assert "Tegenstrijdig:" in page and "„Volledig geïmplementeerd”, maar werking „voldoet niet”." in page
    soa = client.get(f"/compliance/DIE/{KEY}/vvt").get_data(as_text=True)
    assert "tegenstrijdig" in soa and "Werking: voldoet niet" in soa and "Opzet: niet beoordeeld" in soa
    only = client.get(f"/compliance/DIE/{KEY}/vvt?tegenstrijdig=1").get_data(as_text=True)
    assert "5.24.01" in only and "5.25.01" not in only
    overview = client.get(f"/compliance/DIE/{KEY}").get_data(as_text=True)
    assert "werking aangetoond" in overview and "tegenstrijdig" in overview


def test_the_statement_filters_on_opzet_bestaan_werking(catalog: ControlCatalog) -> None:
    ciso = factories.user([("ciso", "DIE")])
    die = factories.organisation("DIE")
    services.assess(ciso, die, _control(catalog, "5.24.01"), {
        "applicable": True, "status": "volledig", "werking": {"status": "voldoet", "evidence": "Rapport"}})
    services.assess(ciso, die, _control(catalog, "5.25.01"), {
        "applicable": True, "status": "gedeeltelijk", "opzet": {"status": "voldoet"}})
    db.session.commit()

    def codes(**args: Any) -> list[str]:
        flt = services.SoaFilter.build(**args)
        return [r.control.code for r in services.filtered_statement(die, catalog, flt).rows]

    assert codes(werking="voldoet") == ["5.24.01"]
    assert codes(opzet="voldoet") == ["5.25.01"]
    assert "5.26" in codes(werking="niet_beoordeeld") and "5.24.01" not in codes(werking="niet_beoordeeld")
    assert services.SoaFilter.build(werking="prima").werking is None
    assert services.SoaFilter.build(werking="voldoet", contradiction="1").args() == {"werking": "voldoet",
                                                                                     "tegenstrijdig": "1"}


# --- the API -----------------------------------------------------------------------------------------

def test_api_reads_and_writes_opzet_bestaan_werking(client: FlaskClient, catalog: ControlCatalog) -> None:
    headers = bearer(factories.token(factories.user([("ciso", "DIE")], name="Carel Smit")))
    url = "/api/v1/organisations/DIE/assessments"
    base = {"catalog": KEY, "control": "5.24.01", "applicable": True, "status": "volledig"}
    refused = client.post(url, headers=headers, json={**base, "werking": {"status": "voldoet"}})
    problem = assert_problem(refused, 422)
    assert "werking.evidence" in problem["errors"] and "bewijs" in problem["detail"]
    bad = client.post(url, headers=headers, json={**base, "opzet": {"status": "prima"}})
    assert bad.status_code == 422 and "opzet" in json.dumps(bad.get_json())
    assert _count() == 0

    created = client.post(url, headers=headers, json={
        **base, "opzet": {"status": "voldoet", "assessed_on": "2026-11-01"},
        "werking": {"status": "voldoet_niet", "assessed_by": "IT-auditor Jansen", "evidence": "3 van 25 fout"}})
    assert created.status_code == 201, created.get_json()
    body = created.get_json()
    assert body["opzet"] == {"status": "voldoet", "assessed_on": "2026-11-01", "assessed_by": "Carel Smit",
                             "evidence": None, "attachments": []}
    assert body["bestaan"]["status"] == "niet_beoordeeld" and body["bestaan"]["assessed_on"] is None
    assert body["werking"]["assessed_by"] == "IT-auditor Jansen"
    assert body["contradictions"] == ["„Volledig geïmplementeerd”, maar werking „voldoet niet”."]

    # left out: kept
    again = client.post(url, headers=headers, json={**base, "owner": "ISO"}).get_json()
    assert again["werking"]["status"] == "voldoet_niet" and again["opzet"]["assessed_on"] == "2026-11-01"
    listed = client.get(f"{url}?catalog={KEY}", headers=headers).get_json()
    assert listed[0]["werking"]["evidence"] == "3 van 25 fout"
    history = client.get(f"{url}?catalog={KEY}&control=5.24.01", headers=headers).get_json()
    assert len(history) == 2
    figures = client.get(f"/api/v1/organisations/DIE/compliance?catalog={KEY}", headers=headers).get_json()
    assert figures["total"]["opzet_voldoet"] == 1 and figures["total"]["werking_voldoet"] == 0
    assert figures["total"]["werking_percentage"] == 0.0 and figures["contradictions"] == 1


# --- history and audit -------------------------------------------------------------------------------

def test_every_change_is_kept_and_audited(catalog: ControlCatalog) -> None:
    ciso = factories.user([("ciso", "DIE")])
    die = factories.organisation("DIE")
    c = _control(catalog, "5.24.01")
    first = services.assess(ciso, die, c, {"applicable": True, "status": "gedeeltelijk"})
    second = services.assess(ciso, die, c, {"applicable": True, "status": "volledig",
                                            "werking": {"status": "voldoet", "evidence": "Rapport Q3"}},
                             today=TODAY)
    db.session.commit()
    assert [r.werking.status.value for r in services.assessment_history(die, c)] == ["voldoet", "niet_beoordeeld"]
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.entity == "control_assessment",
                                                        AuditEvent.entity_id == str(second.id))).one()
    changes = json.loads(event.changes)
    assert changes["werking_status"] == {"before": "niet_beoordeeld", "after": "voldoet"}
    assert changes["werking_evidence"] == {"before": None, "after": "Rapport Q3"}
    assert changes["werking_assessed_on"]["after"] == "2026-12-04"
    assert "opzet_status" not in changes
    created = db.session.scalars(select(AuditEvent).where(AuditEvent.entity == "control_assessment",
                                                         AuditEvent.entity_id == str(first.id))).one()
    assert json.loads(created.changes)["werking_status"]["after"] == "niet_beoordeeld"


# --- exports and figures -----------------------------------------------------------------------------

def test_exports_carry_opzet_bestaan_werking(catalog: ControlCatalog) -> None:
    ciso = factories.user([("ciso", "DIE")])
    die = factories.organisation("DIE")
    c = _control(catalog, "5.24.01")
    evidence = factories.control_attachment("DIE", c, filename="logboek-q3.pdf", actor=ciso)
    services.assess(ciso, die, c, {
        "applicable": True, "status": "volledig",
        "bestaan": {"status": "voldoet_gedeeltelijk", "assessed_on": "2026-11-12", "assessed_by": "Jansen"},
        "werking": {"status": "voldoet_niet", "attachments": [evidence.id]}}, today=TODAY)
    db.session.commit()
    rows = services.statement_of_applicability(die, catalog)
    files = services.evidence_file_names(die, [r.control.id for r in rows if r.assessment])
    sheet = load_workbook(io.BytesIO(export.soa_xlsx(die, catalog, rows, files))).active
    values = list(sheet.iter_rows(values_only=True))
    header = list(values[0])
    for name in ("Opzet", "Bestaan", "Werking", "Tegenstrijdig"):
        assert name in header, name
    line = next(v for v in values if v[0] == "5.24.01")
    cell = dict(zip(header, line, strict=True))
    assert cell["Opzet"] == "niet beoordeeld"
    assert cell["Bestaan"] == "voldoet gedeeltelijk (12-11-2026, Jansen)"
    assert cell["Werking"].startswith("voldoet niet (04-12-2026") and "bewijs: logboek-q3.pdf" in cell["Werking"]
    assert "Volledig geïmplementeerd" in cell["Tegenstrijdig"]
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(export.soa_pdf(die, catalog, rows))).pages)
    text = " ".join(text.split())
    assert "Opzet, bestaan, werking" in text and "werking: voldoet niet" in text


def test_werking_aangetoond_in_the_figures(catalog: ControlCatalog) -> None:
    ciso = factories.user([("ciso", "DIE")])
    die, duo = factories.organisation("DIE"), factories.organisation("DUO")
    services.assess(ciso, die, _control(catalog, "5.24.01"), {
        "applicable": True, "status": "volledig", "werking": {"status": "voldoet", "evidence": "Rapport"}})
    services.assess(ciso, die, _control(catalog, "5.24.02"), {
        "applicable": True, "status": "volledig", "opzet": {"status": "voldoet"},
        "werking": {"status": "voldoet_gedeeltelijk"}})
    services.assess(ciso, die, _control(catalog, "5.24.03"), {"applicable": False, "justification": "N.v.t."})
    db.session.commit()
    total = services.compliance(die, catalog).total
    assert (total.applicable, total.werking_voldoet, total.opzet_voldoet, total.werking_percentage) == (2, 1, 1, 50.0)
    # the aggregate the overview of hundreds of organisations uses counts the same
    counted = services.summaries([die.id, duo.id], catalog)
    assert counted[die.id].total == total and counted[duo.id].total.werking_percentage is None
    history = services.implementation_history(die, catalog, [None])
    assert history[0].werking_voldoet == 1


# --- the migration -----------------------------------------------------------------------------------

def _migration() -> Any:
    path = next((MIGRATIONS_DIR / "versions").glob("*_opzet_bestaan_werking.py"))
    spec = importlib.util.spec_from_file_location("obw_migration", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.committed
def test_migration_leaves_existing_assessments_niet_beoordeeld(tmp_path: Path) -> None:
    migration = _migration()
    with dbutil.fresh_database(tmp_path) as url:
        app = make_app(url, str(tmp_path))
        with app.app_context():
            upgrade(directory=str(MIGRATIONS_DIR), revision=migration.down_revision)
            with db.engine.begin() as conn:
                conn.execute(text("INSERT INTO organisations (code, name, reference_prefix, created_at) "
                                  "VALUES ('DIE', 'Diemen', 'DIE', :now)"), {"now": dt.datetime(2026, 11, 1)})
                conn.execute(text("INSERT INTO control_catalogs (key, name, version, imported_at) "
                                  "VALUES ('BIO2-1.3', 'BIO2 1.3', '1.3', :now)"), {"now": dt.datetime(2026, 11, 1)})
                conn.execute(text(
                    "INSERT INTO controls (catalog_id, code, kind, group_code, group_title_nl, title_nl, categories, "
                    "status, sort_key) SELECT id, '5.24.01', 'measure', '5', 'Organisatorisch', 'Plan', '[]', "
                    "'active', '005.024.001' FROM control_catalogs"))
                for status, applicable in (("volledig", True), ("gedeeltelijk", True), (None, False)):
                    conn.execute(text(
                        "INSERT INTO control_assessments (organisation_id, control_id, applicable, justification, "
                        "status, evidence, evidence_links, owner, proposed, assessed_at) "
                        "SELECT o.id, c.id, :applicable, 'Toelichting', :status, 'Bewijs', '[]', 'ISO', :f, :at "
                        "FROM organisations o, controls c"),
                        {"applicable": applicable, "status": status, "f": False, "at": dt.datetime(2026, 11, 2)})
            upgrade(directory=str(MIGRATIONS_DIR), revision=migration.revision)
            with db.engine.connect() as conn:
                rows = conn.execute(text(
                    "SELECT status, evidence, opzet_status, bestaan_status, werking_status, opzet_assessed_on, "
                    "bestaan_assessed_by, werking_evidence, werking_attachment_ids FROM control_assessments "
                    "ORDER BY id")).all()
            assert [r[0] for r in rows] == ["volledig", "gedeeltelijk", None]  # the level is untouched
            assert all(r[1] == "Bewijs" for r in rows)
            for row in rows:
                assert row[2:5] == ("niet_beoordeeld", "niet_beoordeeld", "niet_beoordeeld")
                assert row[5:8] == (None, None, None)
                assert (json.loads(row[8]) if isinstance(row[8], str) else row[8]) == []
            downgrade(directory=str(MIGRATIONS_DIR), revision=migration.down_revision)
            with db.engine.connect() as conn:
                assert conn.execute(text("SELECT count(*) FROM control_assessments")).scalar_one() == 3
            db.engine.dispose()


def test_the_quarterly_report_counts_opzet_bestaan_and_shown_werking(catalog: ControlCatalog) -> None:
    from bio_register.reporting import services as reporting

    ciso = factories.user([("ciso", "DIE")], name="Carel Smit")
    die = factories.organisation("DIE")
    services.assess(ciso, die, _control(catalog, "5.24.01"), {
        "applicable": True, "status": "volledig", "opzet": {"status": "voldoet"}, "bestaan": {"status": "voldoet"},
        "werking": {"status": "voldoet", "evidence": "Steekproef 25 wijzigingen"}}, today=TODAY)
    services.assess(ciso, die, _control(catalog, "5.24.02"), {
        "applicable": True, "status": "gedeeltelijk", "opzet": {"status": "voldoet"}}, today=TODAY)
    db.session.commit()
    period = reporting.parse_period("quarterly", "2026-Q4", now=dt.datetime(2027, 1, 5, tzinfo=dt.UTC))
    previous = reporting.parse_period("quarterly", "2026-Q3", now=dt.datetime(2027, 1, 5, tzinfo=dt.UTC))
    [figures] = reporting.compliance_figures([die], period, previous)
    assert figures.aspects is not None
    assert (figures.aspects.applicable, figures.aspects.opzet, figures.aspects.bestaan, figures.aspects.werking,
            figures.aspects.kind) == (2, 2, 1, 1, "overheidsmaatregel")
