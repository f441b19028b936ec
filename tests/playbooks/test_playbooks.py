"""Playbooks per category of incident (issue 22, item 2): the shipped defaults, an organisation's own
copy (copy-on-edit, inherited below it), applying one to an incident as tasks, ticking them (in the
timeline and the audit log), the refusals, the weekly digest and the query counts."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from bio_register.audit.models import AuditEvent
from bio_register.database import utcnow
from bio_register.errors import Conflict, NotPermitted, ValidationFailed
from bio_register.extensions import db
from bio_register.incidents import timeline
from bio_register.incidents.models import Category, TaskState
from bio_register.notifications import digest
from bio_register.playbooks import defaults, services
from tests import factories
from tests.api.test_api_base import assert_problem, bearer
from tests.conftest import csrf_token, login

MAIL = Category.WRONG_RECIPIENT_EMAIL


def _leak(org: str = "DIE", **overrides: Any) -> Any:
    return factories.incident(org, is_datalek=True, category=MAIL.value, **overrides)


# --- defaults and copy-on-edit ----------------------------------------------------------------------------

def test_the_shipped_playbooks_cover_the_everyday_categories_in_dutch() -> None:
    org = factories.organisation("DIE")
    found = {view.category: view for view in services.list_playbooks(org)}
    for category in (MAIL, Category.WRONG_RECIPIENT_POST, Category.LOST_STOLEN_DEVICE, Category.PHISHING,
                     Category.MALWARE_RANSOMWARE, Category.PUBLISHED_BY_MISTAKE, Category.EXCESSIVE_ACCESS):
        assert found[category].source == services.SOURCE_DEFAULT and len(found[category].steps) >= 5
    mail = found[MAIL].steps
    assert mail[0].startswith("Vraag de onbedoelde ontvanger de e-mail") and "te bevestigen" in mail[0]
    assert any("FG" in step for step in mail) and any("art. 34" in step for step in mail)
    assert any("soorten persoonsgegevens" in step for step in mail)
    assert any("24 uur" in step and "NCSC" in step for step in found[Category.MALWARE_RANSOMWARE].steps)
    assert Category.TEST not in found  # no playbook for a test
    assert all(len(str(step)) <= services.MAX_STEP for steps in defaults.DEFAULTS.values() for step in steps)


def test_an_organisations_own_playbook_overrides_the_default_and_is_inherited_below() -> None:
    duo, die = factories.organisation("DUO"), factories.organisation("DIE", parent="DUO")
    uit = factories.organisation("UIT", parent="DUO")
    ciso = factories.user([("ciso", "DIE")])
    beheerder = factories.user([("beheerder", "DUO")])
    services.save_playbook(beheerder, duo, MAIL, ["Stap van Duo+", "Tweede stap"])
    db.session.commit()
    assert services.playbook_for(uit.id, MAIL).steps == ["Stap van Duo+", "Tweede stap"]
    assert services.playbook_for(uit.id, MAIL).source == services.SOURCE_INHERITED
    view = services.save_playbook(ciso, die, MAIL, ["  Eigen stap Diemen  "])
    db.session.commit()
    assert view.source == services.SOURCE_OWN and view.steps == ["Eigen stap Diemen"] and view.version == 1
    assert services.playbook_for(die.id, MAIL).steps == ["Eigen stap Diemen"]
    assert services.playbook_for(uit.id, MAIL).source_organisation == "DUO"
    # a second edit changes the own copy; a stale version is refused
    services.save_playbook(ciso, die, MAIL, ["Eigen stap Diemen", "Nog een"], version=1)
    db.session.commit()
    with pytest.raises(Conflict):
        services.save_playbook(ciso, die, MAIL, ["X"], version=1)
    events = list(db.session.scalars(select(AuditEvent).where(AuditEvent.entity == "playbook")
                                     .order_by(AuditEvent.seq)))
    assert [e.action for e in events] == ["create", "create", "update"]
    assert '"after": "DUO"' in events[1].changes  # copied from Duo+'s
    assert services.reset_playbook(ciso, die, MAIL)
    db.session.commit()
    assert services.playbook_for(die.id, MAIL).steps == ["Stap van Duo+", "Tweede stap"]


def test_a_step_without_text_is_refused_naming_it() -> None:
    die = factories.organisation("DIE")
    with pytest.raises(ValidationFailed) as caught:
        services.save_playbook(None, die, MAIL, ["Eerste", "   ", "Derde"])
    assert caught.value.errors == {"steps.1": ["Vul de tekst van stap 2 in."]}
    with pytest.raises(ValidationFailed) as caught:
        services.save_playbook(None, die, MAIL, [])
    assert "steps" in caught.value.errors


# --- applying and ticking ------------------------------------------------------------------------------------

def test_a_playbook_applied_puts_its_steps_on_the_incident_and_in_the_timeline() -> None:
    vo = factories.user([("verbindingsofficier", "DIE")], name="Vera Verbinding")
    leak = _leak()
    tasks = services.apply_playbook(vo, leak)
    db.session.commit()
    expected = services.playbook_for(leak.organisation_id, MAIL).steps
    assert [t.text for t in tasks] == expected and [t.position for t in tasks] == list(range(1, len(expected) + 1))
    assert all(t.state == TaskState.OPEN for t in tasks)
    services.update_tasks(vo, leak, [{"id": tasks[0].id, "state": "gedaan"},
                                     {"id": tasks[1].id, "state": "niet_van_toepassing", "note": "Intern adres"}])
    db.session.commit()
    stored = services.tasks_of(leak)
    assert stored[0].state == TaskState.DONE and stored[0].changed_by.name == "Vera Verbinding"
    assert stored[0].changed_at is not None and stored[1].note == "Intern adres"
    titles = [item.title for item in timeline.timeline(vo, leak)]
    assert f"Draaiboek „E-mail aan verkeerde ontvanger” toegepast: {len(expected)} stappen" in titles
    assert f"Stap „{expected[0]}”: gedaan" in titles
    assert f"Stap „{expected[1]}”: niet van toepassing" in titles
    actions = list(db.session.scalars(select(AuditEvent.action).where(
        AuditEvent.entity == "incident", AuditEvent.entity_id == str(leak.id))))
    assert actions.count("task") == 2 and actions.count("playbook_apply") == 1


def test_applying_twice_is_refused_and_adds_nothing() -> None:
    vo = factories.user([("verbindingsofficier", "DIE")])
    leak = _leak()
    first = services.apply_playbook(vo, leak)
    db.session.commit()
    with pytest.raises(Conflict):
        services.apply_playbook(vo, leak)
    assert len(services.tasks_of(leak)) == len(first)
    # another category's playbook is added after the steps there are
    more = services.apply_playbook(vo, leak, Category.PHISHING)
    assert more[len(first)].position == len(first) + 1


def test_no_category_or_no_playbook_or_closed_is_422() -> None:
    vo = factories.user([("verbindingsofficier", "DIE")])
    bare = factories.incident("DIE")
    with pytest.raises(ValidationFailed) as caught:
        services.apply_playbook(vo, bare)
    assert caught.value.field == "category"
    with pytest.raises(ValidationFailed):
        services.apply_playbook(vo, factories.incident("DIE", category=Category.TEST.value))
    with pytest.raises(ValidationFailed) as caught:
        services.apply_playbook(vo, factories.incident("DIE", category=MAIL.value, status="ingetrokken"))
    assert caught.value.field == "status"


def test_the_fg_handles_the_steps_of_datalekken_only() -> None:
    fg = factories.fg_of("DIE")
    ciso = factories.user([("ciso", "DIE")])
    leak = _leak()
    assert services.apply_playbook(fg, leak)
    with pytest.raises(NotPermitted):
        services.apply_playbook(fg, factories.incident("DIE", category=Category.PHISHING.value))
    assert not services.may_handle(ciso, leak)


# --- the API -----------------------------------------------------------------------------------------------

def test_the_api_lists_applies_and_ticks(client: FlaskClient) -> None:
    vo = factories.user([("verbindingsofficier", "DIE")])
    headers = bearer(factories.token(vo))
    leak = _leak()
    listed = client.get("/api/v1/organisations/DIE/playbooks", headers=headers).get_json()
    assert listed["total"] == len(listed["items"]) and listed["items"][0]["category"] == MAIL.value
    assert listed["items"][0]["source"] == "standaard"
    applied = client.post(f"/api/v1/incidents/{leak.id}/playbook", headers=headers, json={})
    assert applied.status_code == 201
    body = applied.get_json()
    assert body["open"] == len(body["items"]) and body["items"][0]["state"] == "open"
    again = assert_problem(client.post(f"/api/v1/incidents/{leak.id}/playbook", headers=headers, json={}), 409)
    assert "al toegepast" in again["detail"]
    first = body["items"][0]["id"]
    patched = client.patch(f"/api/v1/incidents/{leak.id}/tasks", headers=headers,
                           json={"tasks": [{"id": first, "state": "gedaan"}]})
    assert patched.status_code == 200 and patched.get_json()["items"][0]["state"] == "gedaan"
    assert patched.get_json()["open"] == body["open"] - 1
    bad = assert_problem(client.patch(f"/api/v1/incidents/{leak.id}/tasks", headers=headers,
                                      json={"tasks": [{"id": 999999, "state": "gedaan"}]}), 422)
    assert "tasks.0.id" in bad["errors"]
    bad = assert_problem(client.patch(f"/api/v1/incidents/{leak.id}/tasks", headers=headers,
                                      json={"tasks": [{"id": first, "state": "klaar"}]}), 422)
    assert "tasks.0.state" in bad["errors"]
    listed = client.get(f"/api/v1/incidents/{leak.id}/tasks", headers=headers).get_json()
    assert listed["items"][0]["changed_by"] == vo.name


def test_the_api_saves_a_playbook_and_names_an_empty_step(client: FlaskClient) -> None:
    ciso = factories.user([("ciso", "DIE")])
    headers = bearer(factories.token(ciso))
    bad = assert_problem(client.put(f"/api/v1/organisations/DIE/playbooks/{MAIL.value}", headers=headers,
                                    json={"steps": ["Eerste", ""]}), 422)
    assert bad["errors"] == {"steps.1": ["Vul de tekst van stap 2 in."]}
    saved = client.put(f"/api/v1/organisations/DIE/playbooks/{MAIL.value}", headers=headers,
                       json={"steps": ["Eerste", "Tweede"]})
    assert saved.status_code == 200 and saved.get_json()["source"] == "eigen" and saved.get_json()["version"] == 1
    stale = client.put(f"/api/v1/organisations/DIE/playbooks/{MAIL.value}", headers=headers,
                       json={"steps": ["X"], "version": 7})
    assert_problem(stale, 409)
    vo_headers = bearer(factories.token(factories.user([("verbindingsofficier", "DIE")])))
    assert_problem(client.put(f"/api/v1/organisations/DIE/playbooks/{MAIL.value}", headers=vo_headers,
                              json={"steps": ["X"]}), 403)


# --- the pages -------------------------------------------------------------------------------------------

def test_the_incident_page_offers_the_playbook_and_ticks_a_step(client: FlaskClient) -> None:
    vo = factories.user([("verbindingsofficier", "DIE")])
    leak = _leak()
    login(client, vo.email, factories.PASSWORD)
    page = client.get(f"/incidenten/{leak.id}").get_data(as_text=True)
    assert "Draaiboek toepassen" in page
    token = csrf_token(client, f"/incidenten/{leak.id}")
    response = client.post(f"/incidenten/{leak.id}/draaiboek", data={"csrf_token": token,
                                                                      "category": MAIL.value})
    assert response.status_code == 302
    page = client.get(f"/incidenten/{leak.id}").get_data(as_text=True)
    assert "Draaiboek toepassen" not in page and "Vraag de onbedoelde ontvanger" in page
    task = services.tasks_of(leak)[0]
    client.post(f"/incidenten/{leak.id}/stappen/{task.id}", data={"csrf_token": token, "state": "gedaan"})
    page = client.get(f"/incidenten/{leak.id}").get_data(as_text=True)
    assert "badge-task-gedaan" in page and "Weer openzetten" in page
    again = client.post(f"/incidenten/{leak.id}/draaiboek", data={"csrf_token": token, "category": MAIL.value})
    assert again.status_code == 409 and "al toegepast" in again.get_data(as_text=True)


def test_the_edit_page_names_an_empty_step_in_dutch(client: FlaskClient) -> None:
    ciso = factories.user([("ciso", "DIE")])
    login(client, ciso.email, factories.PASSWORD)
    url = f"/draaiboeken/DIE/{MAIL.value}"
    form = client.get(url).get_data(as_text=True)
    assert "Vraag de onbedoelde ontvanger" in form and "opslaan maakt een eigen kopie" in form
    token = csrf_token(client, url)
    bad = client.post(url, data={"csrf_token": token, "step": ["Eerste", "", "Derde", ""]})
    assert bad.status_code == 422 and "Vul de tekst van stap 2 in." in bad.get_data(as_text=True)
    ok = client.post(url, data={"csrf_token": token, "step": ["Eerste", "Tweede", "Weg", "", ""], "remove": "2"})
    assert ok.status_code == 302
    assert services.playbook_for(factories.organisation("DIE").id, MAIL).steps == ["Eerste", "Tweede"]
    listing = client.get("/draaiboeken?organisation=DIE").get_data(as_text=True)
    assert "eigen draaiboek" in listing and "Terug naar standaard" in listing


# --- the weekly digest -------------------------------------------------------------------------------------------

def test_the_digest_shows_the_open_steps_to_who_handles_the_incident(app: Flask) -> None:
    now = utcnow()
    vo = factories.user([("verbindingsofficier", "DIE")])
    fg = factories.fg_of("DIE")
    other = factories.user([("verbindingsofficier", "UIT")])
    leak = _leak(title="Mail naar verkeerde afdeling", discovered_at=now - dt.timedelta(hours=2))
    phishing = factories.incident("DIE", category=Category.PHISHING.value, title="Phishing bij burgerzaken",
                                  discovered_at=now - dt.timedelta(hours=3))
    services.apply_playbook(vo, leak)
    services.apply_playbook(vo, phishing)
    for task in services.tasks_of(phishing):
        services.update_tasks(vo, phishing, [{"id": task.id, "state": "gedaan"}])
    db.session.commit()
    open_count = sum(1 for t in services.tasks_of(leak) if t.state == TaskState.OPEN)
    vo_digest = digest.digest_for(vo, now, now.date())
    assert vo_digest.open_steps == [(leak, open_count)]  # the phishing's steps are all done
    subject, body = digest.text_of(vo_digest, lambda i: f"https://register/incidenten/{i.id}", "https://register")
    assert "Open stappen uit draaiboeken" in body and subject.endswith("1 punt voor u")
    assert f"{leak.reference} — Mail naar verkeerde afdeling (DIE): {open_count} open stappen" in body
    assert digest.digest_for(fg, now, now.date()).open_steps == [(leak, open_count)]
    assert digest.digest_for(other, now, now.date()).open_steps == []


# --- speed ------------------------------------------------------------------------------------------------------

def test_the_playbook_lists_issue_a_fixed_number_of_queries(client: FlaskClient, count_queries: Any) -> None:
    beheerder = factories.user([("beheerder", "DUO")])
    factories.organisation("DIE", parent="DUO")
    login(client, beheerder.email, factories.PASSWORD)
    headers = bearer(factories.token(beheerder))
    urls = ("/draaiboeken?organisation=DIE", "/api/v1/organisations/DIE/playbooks")
    counts = []
    for url in urls:
        with count_queries() as counter:
            assert client.get(url, headers=headers if "/api/" in url else {}).status_code == 200
        counts.append(counter.count)
    for org in ("DUO", "DIE"):
        for category in list(Category)[:8]:
            services.save_playbook(beheerder, factories.organisation(org), category, [f"Stap {org}", "Twee"])
    db.session.commit()
    for url, before in zip(urls, counts, strict=True):
        with count_queries() as counter:
            assert client.get(url, headers=headers if "/api/" in url else {}).status_code == 200
        assert counter.count <= before, (url, counter.statements)


def test_the_incident_page_with_steps_issues_a_fixed_number_of_queries(client: FlaskClient,
                                                                        count_queries: Any) -> None:
    vo = factories.user([("verbindingsofficier", "DIE")])
    leak = _leak()
    services.apply_playbook(vo, leak)
    services.update_tasks(vo, leak, [{"id": services.tasks_of(leak)[0].id, "state": "gedaan"}])
    db.session.commit()
    login(client, vo.email, factories.PASSWORD)
    with count_queries() as counter:
        assert client.get(f"/incidenten/{leak.id}").status_code == 200
    before = counter.count
    services.apply_playbook(vo, leak, Category.PHISHING)
    other = factories.user([("verbindingsofficier", "DIE")])
    for task in services.tasks_of(leak)[1:7]:
        services.update_tasks(other, leak, [{"id": task.id, "state": "niet_van_toepassing", "note": "Nvt"}])
    db.session.commit()
    with count_queries() as counter:
        assert client.get(f"/incidenten/{leak.id}").status_code == 200
    assert counter.count <= before, counter.statements


def test_logging_an_incident_of_a_category_with_a_playbook_proposes_it(client: FlaskClient) -> None:
    vo = factories.user([("verbindingsofficier", "DIE")])
    login(client, vo.email, factories.PASSWORD)
    token = csrf_token(client, "/incidenten/nieuw")
    response = client.post("/incidenten/nieuw", data={
        "csrf_token": token, "organisation": "DIE", "title": "Laptop gestolen uit auto",
        "description": "Laptop van Burgerzaken gestolen.", "discovered_at": "2026-11-20T09:15",
        "is_datalek": "nee", "category": Category.LOST_STOLEN_DEVICE.value})
    assert response.status_code == 302 and response.headers["Location"].endswith("#draaiboek")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Voor deze categorie is een draaiboek" in page and "Draaiboek toepassen" in page
    assert "Laat het apparaat op afstand blokkeren en wissen" in page
    # without a category: no proposal
    response = client.post("/incidenten/nieuw", data={
        "csrf_token": token, "organisation": "DIE", "title": "Onbekend", "description": "Nog onduidelijk.",
        "discovered_at": "2026-11-20T09:15", "is_datalek": "nee"})
    assert not response.headers["Location"].endswith("#draaiboek")
    assert "Draaiboek toepassen" not in client.get(response.headers["Location"]).get_data(as_text=True)
