"""A datalek linked to the verwerkingen it affected, the proposal from them, and templates for
recurring datalekken (issue 20, items 4 and 7)."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pytest
from flask.testing import FlaskClient
from openpyxl import load_workbook

from bio_register.audit.models import AuditEvent
from bio_register.breaches import affected, export, recurring
from bio_register.breaches import services as breaches
from bio_register.database import utcnow
from bio_register.errors import NotFound, ValidationFailed
from bio_register.extensions import db
from bio_register.incidents.models import Incident
from tests import factories
from tests.api.test_api_base import assert_problem, bearer
from tests.conftest import csrf_token, login


def _two_activities() -> tuple[Any, Any]:
    centric = factories.processor("DIE", name="Centric")
    brp = factories.processing_activity("DIE", processors=[centric.id])
    jeugd = factories.processing_activity(
        "DIE", name="Jeugdhulp", purpose="Toegang tot jeugdhulp.", legal_basis="algemeen_belang",
        subject_categories=["kinderen", "inwoners"], data_categories=["naw", "contact"],
        special_categories=["gezondheid"], art9_ground="zorg", bsn=False)
    return brp, jeugd


# --- the link and the proposal ------------------------------------------------------------------------------

def test_the_proposal_is_the_union_of_the_linked_verwerkingen() -> None:
    brp, jeugd = _two_activities()
    leak = factories.incident("DIE", is_datalek=True)
    vo = factories.user([("verbindingsofficier", "DIE")])
    affected.set_links(vo, leak, [jeugd.id, brp.id])
    db.session.commit()
    proposal = affected.proposal_for(leak)
    assert [a.name for a in proposal.activities] == ["Basisregistratie Personen", "Jeugdhulp"]
    assert proposal.data_categories == ["naw", "contact", "geslacht_geboorte"]
    assert set(proposal.subject_categories) == {"inwoners", "kinderen"}
    assert proposal.special_categories == ["gezondheid"] and proposal.bsn is True
    assert proposal.legal_bases == ["wettelijke_verplichting", "algemeen_belang"]
    assert proposal.art9_grounds == ["zorg"]
    assert proposal.processor_involved and proposal.processor_name == "Centric"
    event = db.session.query(AuditEvent).filter_by(entity="incident", entity_id=str(leak.id),
                                                   action="link_processing").one()
    assert "Jeugdhulp" in event.changes


def test_taking_the_proposal_over_never_replaces_what_the_fg_filled_in() -> None:
    brp, _jeugd = _two_activities()
    leak = factories.incident("DIE", is_datalek=True)
    assessment = factories.assess(leak, data_categories=["financieel"], processor_involved=True,
                                  processor_name="Drukkerij")
    proposal = affected.propose([brp])
    merged = affected.merge({name: getattr(assessment, name) for name in (
        "data_categories", "special_categories", "subject_categories", "legal_bases", "art9_grounds", "bsn",
        "processor_involved", "processor_name")}, proposal)
    assert merged["data_categories"] == ["naw", "financieel", "geslacht_geboorte"]
    assert merged["processor_name"] == "Drukkerij" and merged["bsn"] is True
    assert "processor_name" not in proposal.adds_to(assessment)
    # the stored assessment itself is untouched until the FG saves
    assert breaches.assessment_of(leak).data_categories == ["financieel"]


def test_another_organisations_verwerking_cannot_be_linked() -> None:
    uit = factories.processing_activity("UIT")
    leak = factories.incident("DIE", is_datalek=True)
    with pytest.raises(NotFound) as refused:
        affected.set_links(factories.fg_of("DIE"), leak, [uit.id])
    assert refused.value.field == "processing_activity_ids"
    with pytest.raises(NotFound):
        affected.set_links(factories.fg_of("DIE"), leak, [999_999])
    with pytest.raises(ValidationFailed):
        affected.set_links(factories.fg_of("DIE"), leak, ["een"])
    assert affected.linked(leak) == []


def test_the_fg_links_through_the_assessment_api(client: FlaskClient) -> None:
    brp, jeugd = _two_activities()
    uit = factories.processing_activity("UIT")
    leak = factories.incident("DIE", is_datalek=True)
    fg = factories.fg_of("DIE")
    headers = bearer(factories.token(fg))
    base = f"/api/v1/incidents/{leak.id}/breach"
    aware = leak.discovered_at.isoformat()
    refused = client.put(base, headers=headers, json={"aware_at": aware, "processing_activity_ids": [uit.id]})
    assert_problem(refused, 404)
    assert "processing_activity_ids" in refused.get_data(as_text=True)
    assert breaches.assessment_of(leak) is None  # nothing saved
    assert client.put(base, headers=headers, json={"aware_at": aware, "processing_activity_ids": ["x"]}
                      ).status_code == 422
    ok = client.put(base, headers=headers, json={"aware_at": aware, "processing_activity_ids": [brp.id, jeugd.id],
                                                 "legal_bases": ["wettelijke_verplichting"]})
    assert ok.status_code == 200, ok.get_json()
    assert sorted(ok.get_json()["processing_activity_ids"]) == sorted([brp.id, jeugd.id])
    assert ok.get_json()["legal_bases"] == ["wettelijke_verplichting"]
    proposal = client.get(f"{base}/proposal", headers=headers).get_json()
    assert proposal["processors"] == ["Centric"] and proposal["bsn"] is True
    assert proposal["adds"]["legal_bases"] == ["wettelijke_verplichting", "algemeen_belang"]
    # left out, the links stay as they are
    again = client.put(base, headers=headers, json={"aware_at": aware, "version": ok.get_json().get("version")})
    assert sorted(again.get_json()["processing_activity_ids"]) == sorted([brp.id, jeugd.id])
    assert client.get(f"{base}/proposal", headers=bearer(factories.token(
        factories.user([("fg", "UIT")])))).status_code == 404


def test_the_verbindingsofficier_links_on_the_datalek_page(client: FlaskClient) -> None:
    _brp, jeugd = _two_activities()
    uit = factories.processing_activity("UIT")
    leak = factories.incident("DIE", is_datalek=True)
    vo = factories.user([("verbindingsofficier", "DIE")])
    login(client, vo.email, factories.PASSWORD)
    page = client.get(f"/incidenten/{leak.id}/datalek").get_data(as_text=True)
    assert "Verwerkingen koppelen" in page and "Jeugdhulp" in page
    url = f"/incidenten/{leak.id}/datalek/verwerkingen"
    token = csrf_token(client, f"/incidenten/{leak.id}/datalek")
    foreign = client.post(url, data={"csrf_token": token, "activities": [str(uit.id)]})
    assert foreign.status_code == 422 and affected.linked(leak) == []
    done = client.post(url, data={"csrf_token": token, "activities": [str(jeugd.id)]}, follow_redirects=True)
    assert done.status_code == 200
    body = done.get_data(as_text=True)
    assert "Voorstel uit de verwerkingen" in body and "Jeugdhulp" in body
    assert [a.id for a in affected.linked(leak)] == [jeugd.id]
    # the verwerking lists its datalekken
    detail = client.get(f"/verwerkingen/{jeugd.id}").get_data(as_text=True)
    assert leak.reference in detail and "DPIA" in detail


def test_the_fg_takes_the_proposal_over_into_the_form(client: FlaskClient) -> None:
    brp, _jeugd = _two_activities()
    leak = factories.incident("DIE", is_datalek=True)
    fg = factories.fg_of("DIE")
    factories.assess(leak, fg=fg, processor_involved=True, processor_name="Drukkerij")
    affected.set_links(fg, leak, [brp.id])
    db.session.commit()
    login(client, fg.email, factories.PASSWORD)
    page = client.get(f"/incidenten/{leak.id}/datalek").get_data(as_text=True)
    assert "Voorstel overnemen" in page
    taken = client.get(f"/incidenten/{leak.id}/datalek?voorstel=overnemen").get_data(as_text=True)
    assert 'value="Drukkerij"' in taken  # what the FG filled in stays
    assert '<input checked id="data_categories-0" name="data_categories" type="checkbox" value="naw">' in taken
    assert 'name="legal_bases" type="checkbox" value="wettelijke_verplichting">' in taken
    assert '<input checked id="data_categories-0"' not in page  # only when asked


# --- templates ------------------------------------------------------------------------------------------------

def test_a_datalek_made_from_a_template_carries_its_values_and_is_marked() -> None:
    brp, _jeugd = _two_activities()
    template = factories.breach_template("DIE", processing_activity_ids=[brp.id])
    vo = factories.user([("verbindingsofficier", "DIE")])
    leak = recurring.log_from_template(vo, template, {"description": "Brief aan Dorpsstraat 3 i.p.v. 33."})
    db.session.commit()
    assert leak.is_datalek and leak.breach_template_id == template.id
    assert leak.title == "Brief naar verkeerd adres verstuurd" and leak.category.value == "post_verkeerde_ontvanger"
    assert leak.description == "Brief aan Dorpsstraat 3 i.p.v. 33."
    assessment = breaches.assessment_of(leak)
    assert assessment.data_categories == ["naw"] and assessment.bsn is True
    assert assessment.measures_taken == "Ontvanger gevraagd de brief te vernietigen."
    assert assessment.aware_at == leak.discovered_at
    assert [a.id for a in affected.linked(leak)] == [brp.id]
    fg = factories.fg_of("DIE")
    rows = export.register_rows(breaches.register_datalekken(fg, leak.organisation_id))
    assert rows[-1].from_template == "Brief naar verkeerd adres"
    # archiving the template keeps the datalek and its mark
    recurring.archive_template(fg, template)
    db.session.commit()
    assert db.session.get(Incident, leak.id).breach_template_id == template.id
    assert recurring.list_templates(fg).total == 0 and recurring.list_templates(fg, archived=True).total == 1
    with pytest.raises(ValidationFailed):
        recurring.log_from_template(vo, template, {})


def test_a_template_needs_a_name_and_its_own_verwerkingen() -> None:
    with pytest.raises(ValidationFailed) as empty:
        recurring.create_template(None, factories.organisation("DIE"), {"name": "  "})
    assert "name" in empty.value.errors
    uit = factories.processing_activity("UIT")
    with pytest.raises(NotFound):
        recurring.create_template(None, factories.organisation("DIE"),
                                  {"name": "X", "processing_activity_ids": [uit.id]})


def test_saving_a_datalek_as_template_and_logging_the_next_on_the_pages(client: FlaskClient) -> None:
    brp, _jeugd = _two_activities()
    leak = factories.incident("DIE", is_datalek=True, category="post_verkeerde_ontvanger")
    fg = factories.fg_of("DIE")
    factories.assess(leak, fg=fg, data_categories=["naw"], measures_taken="Brief teruggehaald.")
    affected.set_links(fg, leak, [brp.id])
    db.session.commit()
    login(client, fg.email, factories.PASSWORD)
    token = csrf_token(client, f"/incidenten/{leak.id}/datalek")
    empty = client.post(f"/incidenten/{leak.id}/datalek/sjabloon", data={"csrf_token": token, "name": ""})
    assert empty.status_code == 422
    saved = client.post(f"/incidenten/{leak.id}/datalek/sjabloon", data={"csrf_token": token, "name": "Verkeerd adres"},
                        follow_redirects=True)
    assert saved.status_code == 200 and "Verkeerd adres" in saved.get_data(as_text=True)
    template = recurring.list_templates(fg).items[0].template
    assert template.measures_taken == "Brief teruggehaald." and [a.id for a in template.activities] == [brp.id]
    form = client.get(f"/datalekken/sjablonen/{template.id}/nieuw").get_data(as_text=True)
    assert leak.title in form  # the report form is prefilled
    discovered = (utcnow() - dt.timedelta(minutes=5)).astimezone(dt.timezone(dt.timedelta(hours=1)))
    made = client.post(f"/datalekken/sjablonen/{template.id}/nieuw", data={
        "csrf_token": token, "title": "Weer een brief naar een verkeerd adres", "description": "Zelfde soort fout.",
        "discovered_at": discovered.strftime("%Y-%m-%dT%H:%M")}, follow_redirects=True)
    assert made.status_code == 200, made.get_data(as_text=True)[:2000]
    new = db.session.query(Incident).filter_by(title="Weer een brief naar een verkeerd adres").one()
    assert new.breach_template_id == template.id
    assert "uit sjabloon: Verkeerd adres" in made.get_data(as_text=True)
    timeline = client.get(f"/incidenten/{new.id}").get_data(as_text=True)
    assert "Vastgelegd uit het sjabloon „Verkeerd adres”" in timeline
    assert "Getroffen verwerkingen: Basisregistratie Personen" in timeline
    overview = client.get("/datalekken?alle=1").get_data(as_text=True)
    assert "sjabloon" in overview
    csv = client.get("/datalekken/register.csv?organisation=DIE").get_data(as_text=True)
    assert "Uit sjabloon" in csv and "Verkeerd adres" in csv
    pdf = client.get("/datalekken/register.pdf?organisation=DIE")
    assert pdf.status_code == 200


def test_templates_through_the_api(client: FlaskClient) -> None:
    brp, _jeugd = _two_activities()
    uit = factories.processing_activity("UIT")
    vo = factories.user([("verbindingsofficier", "DIE")])
    headers = bearer(factories.token(vo))
    base = "/api/v1/organisations/DIE/breach-templates"
    assert_problem(client.post(base, headers=headers, json={"name": ""}), 422)
    foreign = client.post(base, headers=headers, json={"name": "X", "processing_activity_ids": [uit.id]})
    assert_problem(foreign, 404)
    assert_problem(client.post(base, headers=headers, json={"name": "X", "category": "onzin"}), 422)
    created = client.post(base, headers=headers, json={
        "name": "Verkeerde ontvanger e-mail", "category": "email_verkeerde_ontvanger", "data_categories": ["contact"],
        "subject_categories": ["inwoners"], "processing_activity_ids": [brp.id], "legal_bases": ["algemeen_belang"],
        "measures_taken": "Ontvanger gevraagd de e-mail te verwijderen.",
        "description": "Mail naar verkeerde ontvanger."})
    assert created.status_code == 201, created.get_json()
    template = created.get_json()
    assert template["processing_activities"] == [{"id": brp.id, "name": brp.name}]
    listed = client.get(base, headers=headers).get_json()
    assert listed["total"] == 1 and listed["items"][0]["used"] == 0
    made = client.post(f"{base}/{template['id']}/incidents", headers=headers, json={"reporter": "Balie"})
    assert made.status_code == 201, made.get_json()
    incident = made.get_json()
    assert incident["is_datalek"] is True and incident["category"] == "email_verkeerde_ontvanger"
    assert incident["breach_template_id"] == template["id"]
    fg_headers = bearer(factories.token(factories.fg_of("DIE")))
    assessment = client.get(f"/api/v1/incidents/{incident['id']}/breach", headers=fg_headers).get_json()
    assert assessment["data_categories"] == ["contact"] and assessment["processing_activity_ids"] == [brp.id]
    assert client.get(base, headers=headers).get_json()["items"][0]["used"] == 1
    # another organisation's template under this organisation's path: 404
    uit_template = factories.breach_template("UIT")
    assert_problem(client.post(f"{base}/{uit_template.id}/incidents", headers=headers, json={}), 404)
    bad = client.post(f"{base}/{template['id']}/incidents", headers=headers, json={"discovered_at": "gisteren"})
    assert bad.status_code == 422


# --- speed ------------------------------------------------------------------------------------------------------

def test_the_template_list_issues_a_fixed_number_of_queries(client: FlaskClient, count_queries: Any) -> None:
    fg = factories.fg_of("DIE")
    brp, jeugd = _two_activities()
    for n in range(2):
        factories.breach_template("DIE", name=f"Sjabloon {n}", processing_activity_ids=[brp.id])
    login(client, fg.email, factories.PASSWORD)
    headers = bearer(factories.token(fg))
    urls = ("/datalekken/sjablonen", "/api/v1/organisations/DIE/breach-templates")
    counts = []
    for url in urls:
        with count_queries() as counter:
            assert client.get(url, headers=headers if "/api/" in url else {}).status_code == 200
        counts.append(counter.count)
    for n in range(2, 12):
        template = factories.breach_template("DIE", name=f"Sjabloon {n}", processing_activity_ids=[brp.id, jeugd.id])
        recurring.log_from_template(fg, template, {})
    db.session.commit()
    for url, before in zip(urls, counts, strict=True):
        with count_queries() as counter:
            response = client.get(url, headers=headers if "/api/" in url else {})
            assert response.status_code == 200
        assert counter.count <= before, (url, counter.statements)
    assert "Sjabloon 11" in client.get(urls[0]).get_data(as_text=True)


def test_the_register_export_stays_at_a_fixed_number_of_queries_with_templates(count_queries: Any) -> None:
    fg = factories.fg_of("DIE")
    templates = [factories.breach_template("DIE", name=f"S{n}") for n in range(3)]
    for template in templates:
        recurring.log_from_template(fg, template, {})
    db.session.commit()
    leaks = breaches.register_datalekken(fg, factories.organisation("DIE").id)
    with count_queries() as counter:
        rows = export.register_rows(leaks)
    assert {r.from_template for r in rows} == {"S0", "S1", "S2"}
    assert counter.count == 5, counter.statements


def test_the_xlsx_register_has_the_template_column() -> None:
    fg = factories.fg_of("DIE")
    recurring.log_from_template(fg, factories.breach_template("DIE"), {})
    db.session.commit()
    rows = export.register_rows(breaches.register_datalekken(fg, factories.organisation("DIE").id))
    sheet = load_workbook(io.BytesIO(export.to_xlsx(rows))).active
    headers = [c.value for c in sheet[1]]
    assert "Uit sjabloon" in headers
