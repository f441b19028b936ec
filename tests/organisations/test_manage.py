"""Creating organisations and changing their name and settings: the service's checks, the API, the
pages and the CLI's create-organisation."""

from __future__ import annotations

import json
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from bio_register.audit.models import AuditEvent
from bio_register.errors import NotFound, NotPermitted, ValidationFailed
from bio_register.extensions import db
from bio_register.organisations import services
from bio_register.organisations.models import Organisation
from tests import factories
from tests.api.test_api_base import assert_problem, bearer
from tests.conftest import csrf_token, login


def _events(org: Organisation) -> list[tuple[str, dict[str, Any]]]:
    return [(e.action, json.loads(e.changes)) for e in db.session.scalars(
        select(AuditEvent).where(AuditEvent.entity == "organisation", AuditEvent.entity_id == str(org.id))
        .order_by(AuditEvent.seq))]


# --- the service -------------------------------------------------------------------------------------

@pytest.mark.parametrize(("code", "prefix", "name", "field", "message"), [
    ("", None, "Naam", "code", "Vul een code in."),
    ("D", None, "Naam", "code", "Een code is 2 tot 10 tekens lang (nu 1)."),
    ("DIEMENOOST1", None, "Naam", "code", "Een code is 2 tot 10 tekens lang (nu 11)."),
    ("DI-E", None, "Naam", "code", "Een code bestaat alleen uit letters (A–Z) en cijfers"),
    ("DÏE", None, "Naam", "code", "Een code bestaat alleen uit letters (A–Z) en cijfers"),
    ("ALL", None, "Naam", "code", "De code ALL is gereserveerd"),
    ("DIE", None, "Naam", "code", "Er bestaat al een organisatie met code DIE."),
    ("NEW", "D E", "Naam", "reference_prefix", "Een voorvoegsel bestaat alleen uit letters"),
    ("NEW", "X", "Naam", "reference_prefix", "Een voorvoegsel is 2 tot 10 tekens lang (nu 1)."),
    ("NEW", "die", "Naam", "reference_prefix", "Het voorvoegsel DIE is al in gebruik"),
    ("NEW", None, "  ", "name", "Vul een naam in."),
    ("NEW", None, "N" * 201, "name", "Een naam is hoogstens 200 tekens lang (nu 201)."),
])
def test_codes_prefixes_and_names_are_checked_with_a_message_each(app_ctx: Any, code: str, prefix: str | None,
                                                                  name: str, field: str, message: str) -> None:
    factories.organisation("DIE")
    with pytest.raises(ValidationFailed) as caught:
        services.create_organisation(None, code, name, reference_prefix=prefix, actor_label="test")
    assert caught.value.field == field
    assert caught.value.message.startswith(message), caught.value.message


def test_codes_are_stored_in_capitals_and_the_prefix_defaults_to_the_code(app_ctx: Any) -> None:
    org = services.create_organisation(None, " duo ", "Duo+", actor_label="test")
    assert (org.code, org.reference_prefix, org.parent) == ("DUO", "DUO", None)
    child = services.create_organisation(None, "2b", "Twee", reference_prefix="tb", parent=org, actor_label="test")
    assert (child.code, child.reference_prefix, child.parent) == ("2B", "TB", org)
    assert _events(child) == [("create", {"code": {"after": "2B", "before": None},
                                          "name": {"after": "Twee", "before": None},
                                          "parent": {"after": "DUO", "before": None},
                                          "reference_prefix": {"after": "TB", "before": None}})]


def test_a_user_creates_only_below_an_organisation_they_manage(app_ctx: Any) -> None:
    for code in ("DUO", "DIE", "OA"):
        factories.organisation(code)
    beheerder = factories.user([("beheerder", "DIE")])
    with pytest.raises(ValidationFailed) as caught:
        services.create_organisation(beheerder, "TOP", "Bovenaan")      # top level: the CLI only
    assert caught.value.field == "parent"
    with pytest.raises(NotFound):
        services.create_organisation(beheerder, "X1", "X", parent=factories.organisation("OA"))
    vo = factories.user([("verbindingsofficier", "DIE")])
    with pytest.raises(NotPermitted):
        services.create_organisation(vo, "X2", "X", parent=factories.organisation("DIE"))
    assert services.create_organisation(beheerder, "X3", "X", parent=factories.organisation("DIE")).parent.code == "DIE"


# --- the API -----------------------------------------------------------------------------------------

@pytest.fixture
def beheerder_headers() -> dict[str, str]:
    for code in ("DUO", "DIE", "OA"):
        factories.organisation(code)
    return bearer(factories.token(factories.user([("beheerder", "DUO")])))


def test_api_creates_an_organisation_below_one_the_caller_manages(client: FlaskClient,
                                                                  beheerder_headers: dict[str, str]) -> None:
    response = client.post("/api/v1/organisations", headers=beheerder_headers,
                           json={"code": "amv", "name": "Gemeente Amstelveen", "parent": "duo"})
    assert response.status_code == 201
    assert response.get_json() == {"code": "AMV", "name": "Gemeente Amstelveen", "reference_prefix": "AMV",
                                   "parent": "DUO", "two_factor_required": False}
    org = factories.organisation("AMV")
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.entity == "organisation",
                                                       AuditEvent.entity_id == str(org.id)))
    assert event.actor_id is not None and event.action == "create"
    # the new organisation is in the creator's scope straight away
    assert client.get("/api/v1/organisations/AMV", headers=beheerder_headers).status_code == 200


@pytest.mark.parametrize(("body", "field"), [
    ({"code": "X", "name": "N", "parent": "DUO"}, "code"),
    ({"code": "DIE", "name": "N", "parent": "DUO"}, "code"),
    ({"code": "NEW", "name": "N" * 201, "parent": "DUO"}, "name"),
    ({"code": "NEW", "name": "N", "reference_prefix": "OA", "parent": "DUO"}, "reference_prefix"),
    ({"code": "NEW", "name": "N"}, "parent"),
    ({"code": "NEW", "name": "N", "parent": "DUO", "colour": "blauw"}, "colour"),
    ({"code": 12, "name": "N", "parent": "DUO"}, "code"),
])
def test_api_bad_input_is_422_naming_the_field(client: FlaskClient, beheerder_headers: dict[str, str],
                                               body: dict[str, Any], field: str) -> None:
    body = assert_problem(client.post("/api/v1/organisations", headers=beheerder_headers, json=body), 422)
    assert field in body["errors"], body
    assert db.session.scalar(select(Organisation).where(Organisation.code == "NEW")) is None


def test_api_unknown_parent_is_404(client: FlaskClient, beheerder_headers: dict[str, str]) -> None:
    assert_problem(client.post("/api/v1/organisations", headers=beheerder_headers,
                               json={"code": "NEW", "name": "N", "parent": "NOPE"}), 404)


def test_api_patch_changes_name_and_settings_and_audits(client: FlaskClient,
                                                        beheerder_headers: dict[str, str]) -> None:
    response = client.patch("/api/v1/organisations/die", headers=beheerder_headers,
                            json={"name": "Gemeente Diemen (nieuw)", "two_factor_required": True})
    assert response.status_code == 200
    assert response.get_json()["name"] == "Gemeente Diemen (nieuw)"
    assert response.get_json()["two_factor_required"] is True
    org = factories.organisation("DIE")
    assert _events(org)[-1] == ("update", {"name": {"after": "Gemeente Diemen (nieuw)", "before": "Gemeente Diemen"},
                                           "two_factor_required": {"after": True, "before": False}})
    # nothing changed: nothing audited
    assert client.patch("/api/v1/organisations/DIE", headers=beheerder_headers,
                        json={"name": "Gemeente Diemen (nieuw)"}).status_code == 200
    assert len(_events(org)) == 2
    for body, field in (({"code": "XX"}, "code"), ({"name": ""}, "name"), ({"two_factor_required": "ja"},
                                                                           "two_factor_required")):
        problem = assert_problem(client.patch("/api/v1/organisations/DIE", headers=beheerder_headers, json=body), 422)
        assert field in problem["errors"]


# --- the pages ---------------------------------------------------------------------------------------

def test_beheerder_adds_an_organisation_and_renames_it_on_the_pages(client: FlaskClient) -> None:
    for code in ("DUO", "DIE"):
        factories.organisation(code)
    beheerder = factories.user([("beheerder", "DUO")])
    login(client, beheerder.email, factories.PASSWORD)
    assert "Organisatie toevoegen" in client.get("/organisaties").get_data(as_text=True)
    form = client.get("/organisaties/nieuw?onder=DIE").get_data(as_text=True)
    assert '<option selected value="DIE">' in form or 'value="DIE" selected' in form
    token = csrf_token(client, "/organisaties/nieuw")
    bad = client.post("/organisaties/nieuw", data={"parent": "DIE", "code": "W", "name": "Wijk",
                                                   "csrf_token": token})
    assert bad.status_code == 422 and "Een code is 2 tot 10 tekens lang (nu 1)." in bad.get_data(as_text=True)
    outside = client.post("/organisaties/nieuw", data={"parent": "ELDERS", "code": "WIJK", "name": "Wijk",
                                                       "csrf_token": token})
    assert outside.status_code == 422                      # not a choice: only organisations one manages
    done = client.post("/organisaties/nieuw", data={"parent": "DIE", "code": "wijk", "name": "Wijk Oost",
                                                    "csrf_token": token}, follow_redirects=True)
    assert done.status_code == 200 and "Organisatie Wijk Oost (WIJK) is aangemaakt onder Gemeente Diemen." in \
        done.get_data(as_text=True)
    assert factories.organisation("WIJK").parent.code == "DIE"
    renamed = client.post("/organisaties/WIJK/bewerken", data={"name": "Wijk Centrum", "csrf_token": token},
                          follow_redirects=True)
    assert "Wijk Centrum" in renamed.get_data(as_text=True)
    empty = client.post("/organisaties/WIJK/bewerken", data={"name": "", "csrf_token": token})
    assert empty.status_code == 422 and "Vul een naam in." in empty.get_data(as_text=True)


def test_a_beheerder_of_a_municipality_is_offered_only_its_own_organisations(client: FlaskClient) -> None:
    for code in ("DUO", "DIE", "OA"):
        factories.organisation(code)
    login(client, factories.user([("beheerder", "DIE")]).email, factories.PASSWORD)
    form = client.get("/organisaties/nieuw").get_data(as_text=True)
    assert 'value="DIE"' in form and 'value="OA"' not in form and 'value="DUO"' not in form


# --- the command line --------------------------------------------------------------------------------

def _run(app: Flask, *args: str) -> Any:
    return app.test_cli_runner().invoke(args=["bio", *args])


def test_create_organisation_from_the_command_line(app: Flask) -> None:
    top = _run(app, "create-organisation", "--code", "duo", "--name", "Duo+")
    assert top.exit_code == 0, top.output
    assert "Organisatie DUO (Duo+) aangemaakt" in top.output and "--role beheerder:DUO" in top.output
    child = _run(app, "create-organisation", "--code", "DIE", "--name", "Gemeente Diemen", "--parent", "duo",
                 "--prefix", "GDI")
    assert child.exit_code == 0, child.output
    org = factories.organisation("DIE")
    assert (org.parent.code, org.reference_prefix) == ("DUO", "GDI")
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.entity == "organisation",
                                                       AuditEvent.entity_id == str(org.id)))
    assert event.actor_label == "cli"


@pytest.mark.parametrize(("args", "message"), [
    (["--code", "D", "--name", "X"], "Een code is 2 tot 10 tekens lang (nu 1)."),
    (["--code", "DUO", "--name", "X"], "Er bestaat al een organisatie met code DUO."),
    (["--code", "NEW", "--name", "X", "--parent", "NOPE"], "Onbekende organisatie voor --parent: NOPE"),
    (["--code", "NEW", "--name", "X", "--prefix", "DUO"], "Het voorvoegsel DUO is al in gebruik"),
    (["--code", "NEW", "--name", ""], "Vul een naam in."),
])
def test_create_organisation_refuses_bad_input_and_saves_nothing(app: Flask, args: list[str], message: str) -> None:
    factories.organisation("DUO")
    result = _run(app, "create-organisation", *args)
    assert result.exit_code != 0 and message in result.output, result.output
    assert "Traceback" not in result.output
    assert db.session.scalar(select(Organisation).where(Organisation.code == "NEW")) is None
