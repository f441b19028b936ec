"""The reporting point: every employee reports a suspected incident and follows its own reports.

The form and the API, the incident a report becomes (status nieuw, the moment of reporting as the
discovery, the reporter recorded), the notice and e-mail to the organisation's
verbindingsofficieren over the test suite's real SMTP server, the reporter's view (its own reports
only, nothing of the handling), the refusals of a user who only reports, and bad input.
"""

from __future__ import annotations

import datetime as dt

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from bio_register.audit.models import AuditEvent
from bio_register.breaches import services as breaches
from bio_register.config import parse_group_roles
from bio_register.extensions import db
from bio_register.incident_reports import links, services
from bio_register.incident_reports.models import IncidentReport, PersonalData
from bio_register.incidents import services as incidents
from bio_register.incidents.models import Incident, Status
from bio_register.notifications import delivery
from bio_register.notifications.models import Notice, OutboxMessage
from bio_register.sso.services import sync_group_roles
from tests import factories
from tests.api.test_api_base import assert_problem, bearer
from tests.breaches.test_warnings import Collector
from tests.conftest import csrf_token, login

UTC = dt.UTC
NOW = dt.datetime(2026, 11, 20, 14, 30, tzinfo=UTC)
WHAT = "Ik heb een mail met een bijlage naar de verkeerde inwoner gestuurd."


@pytest.fixture
def medewerker():
    return factories.user([("medewerker", "DIE")], name="Mia Medewerker", email="mia@example.nl")


@pytest.fixture
def vo():
    return factories.user([("verbindingsofficier", "DIE")], name="Vera de Vries", email="vera@example.nl")


def report(app: Flask, user, org: str = "DIE", *, now: dt.datetime = NOW, **data) -> IncidentReport:
    values = {"description": WHAT, "personal_data": "nee", **data}
    item = services.report(user, factories.organisation(org), values, links=links.for_app(app), now=now)
    db.session.commit()
    return item


def notices_of(user) -> list[Notice]:
    return list(db.session.scalars(select(Notice).where(Notice.user_id == user.id)))


# --- what a report becomes ----------------------------------------------------------------------------------

def test_a_report_becomes_a_new_incident_discovered_when_it_was_reported(app: Flask, medewerker, vo) -> None:
    occurred = NOW - dt.timedelta(hours=3)
    item = report(app, medewerker, occurred_at=occurred, contact="06-12345678")
    incident = item.incident
    assert incident.organisation.code == "DIE" and incident.reference.startswith("DIE-2026-")
    assert incident.status == Status.NIEUW
    assert incident.discovered_at == NOW == item.reported_at      # the moment the organisation heard of it
    assert incident.occurred_at == occurred == item.occurred_at
    assert incident.description == WHAT == item.description
    assert incident.title == WHAT                                  # short enough to be the title itself
    assert incident.is_datalek is False and incident.category is None and incident.severity is None
    assert incident.created_by_id == medewerker.id and incident.reporter == "Mia Medewerker"
    assert item.reporter_id == medewerker.id and item.contact == "06-12345678"
    assert item.personal_data == PersonalData.NEE
    actions = {(e.entity, e.action) for e in db.session.scalars(
        select(AuditEvent).where(AuditEvent.actor_id == medewerker.id))}
    assert {("incident", "create"), ("incident_report", "create")} <= actions


@pytest.mark.parametrize(("answer", "datalek"), [("ja", True), ("weet_niet", True), ("nee", False)])
def test_personal_data_yes_or_unsure_is_a_possible_datalek_for_the_fg(app: Flask, medewerker, vo,
                                                                    answer: str, datalek: bool) -> None:
    fg = factories.fg_of("DIE")
    incident = report(app, medewerker, personal_data=answer).incident
    assert incident.is_datalek is datalek
    assert bool(notices_of(fg)) is datalek                         # the FG hears of a (possible) datalek at once
    if datalek:
        # the AP's 72 hours run from the moment of reporting until the FG records another moment
        assert breaches.awareness(incident) == NOW
        assert breaches.ap_deadline(incident) == NOW + dt.timedelta(hours=72)


def test_a_long_description_gives_a_short_title_cut_at_a_word(app: Flask, medewerker, vo) -> None:
    text = ("Vanochtend kreeg ik een mail van de 'servicedesk' met de vraag mijn wachtwoord te bevestigen, "
            "en ik heb op de link geklikt en mijn gegevens ingevuld.")
    incident = report(app, medewerker, description=text).incident
    assert len(incident.title) <= services.TITLE_LENGTH and incident.title.endswith("…")
    assert text.startswith(incident.title[:-1]) and incident.description == text


# --- triage: notice and e-mail to the organisation's verbindingsofficieren ----------------------------------

def test_the_verbindingsofficieren_get_a_notice_and_an_email_after_the_commit(app: Flask, medewerker, vo,
                                                                             mailbox: Collector) -> None:
    second = factories.user([("verbindingsofficier", "DIE")], name="Tweede VO", email="vo2@example.nl")
    elsewhere = factories.user([("verbindingsofficier", "UIT")], email="vo.uit@example.nl")
    item = services.report(medewerker, factories.organisation("DIE"), {"description": WHAT, "personal_data": "nee"},
                           links=links.for_app(app), now=NOW)
    assert sorted(m.recipient for m in db.session.scalars(select(OutboxMessage))) == [
        "vera@example.nl", "vo2@example.nl"]
    assert mailbox.messages == []                                  # queued in the transaction, nothing sent
    db.session.commit()
    assert delivery.deliver(app.config) == (2, 0)
    received = sorted(mailbox.take(), key=lambda r: r.to)
    reference = item.incident.reference
    assert [r.to for r in received] == ["vera@example.nl", "vo2@example.nl"]
    for message in received:
        assert message.subject == f"Nieuwe melding {reference} bij Gemeente Diemen: beoordeel het incident"
        assert f"Referentie: {reference}" in message.body
        assert "Gemeld op: 20-11-2026 15:30" in message.body
        assert "Persoonsgegevens betrokken (volgens de melder): nee" in message.body
        assert f"/incidenten/{item.incident.id}" in message.body
        assert WHAT not in message.body                            # what happened stays in the application
    for user in (vo, second):
        [notice] = notices_of(user)
        assert reference in notice.text and notice.link == f"/incidenten/{item.incident.id}"
    assert notices_of(elsewhere) == [] and notices_of(medewerker) == []


def test_a_possible_datalek_tells_the_verbindingsofficier_the_clock_runs(app: Flask, medewerker, vo,
                                                                        mailbox: Collector) -> None:
    report(app, medewerker, personal_data="weet_niet")
    delivery.deliver(app.config)
    [message] = [r for r in mailbox.take() if r.to == vo.email]
    assert "Persoonsgegevens betrokken (volgens de melder): weet ik niet" in message.body
    assert "mogelijk datalek en de FG is ingelicht" in message.body


def test_without_a_verbindingsofficier_the_ciso_triages(app: Flask, medewerker) -> None:
    ciso = factories.user([("ciso", "DIE")], email="ciso@example.nl")
    report(app, medewerker)
    assert len(notices_of(ciso)) == 1


def test_the_posted_form_notifies_and_mails_through_the_request(client: FlaskClient, medewerker, vo,
                                                                mailbox: Collector) -> None:
    login(client, medewerker.email, factories.PASSWORD)
    response = client.post("/melden", data={"description": WHAT, "organisation": "DIE", "personal_data": "nee",
                                            "csrf_token": csrf_token(client, "/melden")})
    assert response.status_code == 302
    [message] = mailbox.take()                                     # sent right after the request's commit
    assert message.to == vo.email and "Nieuwe melding DIE-" in message.subject


# --- the form ----------------------------------------------------------------------------------------------

def test_report_through_the_form_and_see_its_status(client: FlaskClient, medewerker, vo) -> None:
    login(client, medewerker.email, factories.PASSWORD)
    page = client.get("/melden")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Wat is er gebeurd?" in html and "Weet ik niet" in html and "Gemeente Diemen" in html
    response = client.post("/melden", data={
        "description": WHAT, "occurred_at": "2026-11-20T09:15", "organisation": "DIE",
        "personal_data": "weet_niet", "contact": "06-12345678", "csrf_token": csrf_token(client, "/melden")})
    assert response.status_code == 302
    item = db.session.scalar(select(IncidentReport).where(IncidentReport.reporter_id == medewerker.id))
    assert response.headers["Location"] == f"/melden/mijn-meldingen/{item.id}"
    assert item.occurred_at == dt.datetime(2026, 11, 20, 8, 15, tzinfo=UTC)   # Amsterdam time in the form
    detail = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Uw melding is ontvangen onder nummer " + item.incident.reference in detail
    assert item.incident.reference in detail and "nieuw" in detail and WHAT in detail and "weet ik niet" in detail

    incidents.change_status(vo, item.incident, Status.IN_BEHANDELING, item.incident.version)
    db.session.commit()
    mine = client.get("/melden/mijn-meldingen").get_data(as_text=True)
    assert item.incident.reference in mine and "in behandeling" in mine


def test_the_reporter_sees_nothing_of_the_handling(client: FlaskClient, app: Flask, medewerker, vo) -> None:
    item = report(app, medewerker)
    incidents.update_incident(vo, item.incident, {"title": "Mail met jeugddossier naar verkeerde ontvanger",
                                                  "cause": "Autocomplete in Outlook"}, item.incident.version)
    incidents.add_entry(vo, item.incident, "actie", "Ontvanger gebeld en om verwijdering gevraagd")
    db.session.commit()
    login(client, medewerker.email, factories.PASSWORD)
    html = client.get(f"/melden/mijn-meldingen/{item.id}").get_data(as_text=True)
    for handling in ("jeugddossier", "Autocomplete", "Ontvanger gebeld", "Vera de Vries"):
        assert handling not in html
    body = client.get(f"/api/v1/incident-reports/{item.id}",
                      headers=bearer(factories.token(medewerker))).get_json()
    assert set(body) == {"id", "reference", "organisation", "reported_at", "status", "description",
                         "occurred_at", "personal_data", "contact"}
    assert body["description"] == WHAT                             # as reported, not as edited in triage


def test_the_form_refuses_bad_input_in_dutch(client: FlaskClient, medewerker) -> None:
    login(client, medewerker.email, factories.PASSWORD)
    response = client.post("/melden", data={"organisation": "DIE", "csrf_token": csrf_token(client, "/melden")})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Beschrijf kort wat er is gebeurd." in html and "Kies ja, nee of weet ik niet." in html
    # the error summary puts the label before the message, without a colon after its question mark
    assert "Wat is er gebeurd? Beschrijf kort" in html and "?: " not in html
    long = client.post("/melden", data={"description": "x" * (services.MAX_DESCRIPTION + 1), "organisation": "DIE",
                                         "personal_data": "nee", "csrf_token": csrf_token(client, "/melden")})
    assert long.status_code == 422 and "Hoogstens 5000 tekens." in long.get_data(as_text=True)
    future = client.post("/melden", data={"description": WHAT, "organisation": "DIE", "personal_data": "nee",
                                           "occurred_at": "2099-01-01T10:00",
                                           "csrf_token": csrf_token(client, "/melden")})
    assert future.status_code == 422 and "Dit tijdstip ligt in de toekomst." in future.get_data(as_text=True)
    other = client.post("/melden", data={"description": WHAT, "organisation": "UIT", "personal_data": "nee",
                                          "csrf_token": csrf_token(client, "/melden")})
    assert other.status_code == 422                                # not one of the choices offered
    assert db.session.scalar(select(IncidentReport)) is None


def test_the_explanation_page_says_what_to_report_and_why(client: FlaskClient, medewerker) -> None:
    login(client, medewerker.email, factories.PASSWORD)
    html = client.get("/melden/wat-en-waarom").get_data(as_text=True)
    for text in ("phishing", "verdachte link", "laptop", "verkeerde ontvanger", "onbekende in het gebouw",
                 "72 uur", "niet over schuld", "6.08"):
        assert text in html


# --- the API -------------------------------------------------------------------------------------------------

def test_report_through_the_api_and_list_own_reports(client: FlaskClient, medewerker, vo) -> None:
    headers = bearer(factories.token(medewerker))
    created = client.post("/api/v1/incident-reports", headers=headers, json={
        "organisation": "die", "description": WHAT, "occurred_at": "2026-11-20T09:15:00+01:00",
        "personal_data": "ja", "contact": None})
    assert created.status_code == 201, created.get_json()
    body = created.get_json()
    assert body["reference"].startswith("DIE-") and body["status"] == "nieuw" and body["organisation"] == "DIE"
    assert body["personal_data"] == "ja" and body["occurred_at"] == "2026-11-20T08:15:00+00:00"
    incident = db.session.scalar(select(Incident).where(Incident.reference == body["reference"]))
    assert incident.is_datalek and incident.created_by_id == medewerker.id
    assert body["reported_at"] == incident.discovered_at.isoformat()
    listed = client.get("/api/v1/incident-reports", headers=headers).get_json()
    assert listed["total"] == 1 and listed["page"] == 1
    assert listed["items"] == [{"id": body["id"], "reference": body["reference"], "organisation": "DIE",
                                "reported_at": body["reported_at"], "status": "nieuw"}]


def test_own_reports_only(client: FlaskClient, app: Flask, medewerker) -> None:
    colleague = factories.user([("medewerker", "DIE")], email="collega@example.nl")
    theirs = report(app, colleague)
    mine = report(app, medewerker)
    headers = bearer(factories.token(medewerker))
    listed = client.get("/api/v1/incident-reports", headers=headers).get_json()
    assert [item["id"] for item in listed["items"]] == [mine.id]
    assert_problem(client.get(f"/api/v1/incident-reports/{theirs.id}", headers=headers), 404)
    assert client.get(f"/api/v1/incident-reports/{mine.id}", headers=headers).status_code == 200
    login(client, medewerker.email, factories.PASSWORD)
    assert client.get(f"/melden/mijn-meldingen/{theirs.id}").status_code == 404
    assert theirs.incident.reference not in client.get("/melden/mijn-meldingen").get_data(as_text=True)


@pytest.mark.parametrize(("change", "field"), [
    ({"description": ""}, "description"),
    ({"description": "x" * (services.MAX_DESCRIPTION + 1)}, "description"),
    ({"personal_data": "misschien"}, "personal_data"),
    ({"personal_data": None}, "personal_data"),
    ({"contact": "x" * (services.MAX_CONTACT + 1)}, "contact"),
    ({"occurred_at": "2099-01-01T10:00:00+01:00"}, "occurred_at"),
    ({"occurred_at": "2026-11-20T09:15:00"}, "occurred_at"),
    ({"title": "Iets"}, "title"),
])
def test_the_api_names_the_field_of_bad_input(client: FlaskClient, medewerker, change: dict, field: str) -> None:
    data = {"organisation": "DIE", "description": WHAT, "personal_data": "nee", **change}
    response = client.post("/api/v1/incident-reports", json=data, headers=bearer(factories.token(medewerker)))
    body = assert_problem(response, 422)
    assert field in body["errors"], body
    assert db.session.scalar(select(IncidentReport)) is None


def test_an_organisation_outside_the_callers_is_404(client: FlaskClient, medewerker) -> None:
    factories.organisation("UIT")
    headers = bearer(factories.token(medewerker))
    for code in ("UIT", "XYZ"):
        response = client.post("/api/v1/incident-reports", headers=headers,
                               json={"organisation": code, "description": WHAT, "personal_data": "nee"})
        assert_problem(response, 404)
    assert db.session.scalar(select(IncidentReport)) is None


# --- a user who only reports -----------------------------------------------------------------------------------

def test_a_medewerker_sees_only_the_reporting_point(client: FlaskClient, app: Flask, medewerker) -> None:
    item = report(app, medewerker)
    login(client, medewerker.email, factories.PASSWORD)
    assert client.get("/incidenten").status_code == 403
    assert client.get(f"/incidenten/{item.incident.id}").status_code == 404   # not even the one they reported
    assert client.get("/datalekken").status_code == 403
    headers = bearer(factories.token(medewerker))
    assert_problem(client.get("/api/v1/incidents", headers=headers), 403)
    assert_problem(client.get(f"/api/v1/incidents/{item.incident.id}", headers=headers), 404)

    home = client.get("/").get_data(as_text=True)
    assert 'href="/melden"' in home and "Meldpunt" in home and item.incident.reference in home
    nav = home.split('aria-label="Hoofdmenu"', 1)[1].split("</nav>", 1)[0]
    assert "/melden" in nav
    for other in ("/incidenten", "/datalekken", "/compliance", "/maatregelen", "/rapportages", "/organisaties"):
        assert f'href="{other}' not in nav
    assert 'href="/organisaties/DIE"' not in home                  # their organisation is named, not linked


def test_a_verbindingsofficier_sees_where_the_report_came_from(client: FlaskClient, app: Flask, medewerker,
                                                               vo) -> None:
    item = report(app, medewerker, personal_data="ja", contact="toestel 1234")
    login(client, vo.email, factories.PASSWORD)
    html = client.get(f"/incidenten/{item.incident.id}").get_data(as_text=True)
    assert "Gemeld via het meldpunt" in html and "Bereikbaar via: toestel 1234." in html
    assert "Mia Medewerker" in html


def test_the_fg_sees_the_moment_of_reporting_as_when_the_organisation_heard(client: FlaskClient, app: Flask,
                                                                           medewerker) -> None:
    fg = factories.fg_of("DIE")
    item = report(app, medewerker, personal_data="weet_niet")
    login(client, fg.email, factories.PASSWORD)
    html = client.get(f"/incidenten/{item.incident.id}/datalek").get_data(as_text=True)
    assert ("Gemeld via het meldpunt op 20-11-2026 15:30: het moment waarop de organisatie ervan "
            "hoorde. Persoonsgegevens betrokken volgens de melder: weet ik niet.") in html
    assert 'value="2026-11-20T15:30"' in html                      # the assessment's awareness starts there


# --- roles ---------------------------------------------------------------------------------------------------

def test_an_sso_group_can_map_to_medewerker(app: Flask) -> None:
    mapping = parse_group_roles("alle-medewerkers=DIE:medewerker")
    assert mapping == {"alle-medewerkers": [("DIE", "medewerker")]}
    factories.organisation("DIE")
    user = factories.user(email="sso@example.nl")
    sync_group_roles(user, {"groups": ["alle-medewerkers"]}, "groups", mapping)
    db.session.commit()
    assert [(m.organisation.code, m.role.value) for m in user.memberships] == [("DIE", "medewerker")]


# --- a fixed number of queries ---------------------------------------------------------------------------------

def test_own_reports_take_a_fixed_number_of_queries(client: FlaskClient, app: Flask, medewerker,
                                                    count_queries) -> None:
    report(app, medewerker)
    headers = bearer(factories.token(medewerker))
    login(client, medewerker.email, factories.PASSWORD)
    client.get("/api/v1/incident-reports", headers=headers)       # the token's first use is recorded once
    with count_queries() as few:
        assert client.get("/api/v1/incident-reports", headers=headers).status_code == 200
        assert client.get("/melden/mijn-meldingen").status_code == 200
        assert client.get("/").status_code == 200
    for _ in range(8):
        report(app, medewerker)
    with count_queries() as many:
        assert client.get("/api/v1/incident-reports", headers=headers).status_code == 200
        assert client.get("/melden/mijn-meldingen").status_code == 200
        assert client.get("/").status_code == 200
    assert many.count == few.count, many.statements
