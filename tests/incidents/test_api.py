from __future__ import annotations

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select

from bio_register.extensions import db
from bio_register.incidents.models import Incident
from tests import factories
from tests.api.test_api_base import assert_problem, bearer

NEW = {"organisation": "DIE", "title": "Phishingmail met inlogpagina", "description": "Drie medewerkers klikten.",
       "discovered_at": "2026-11-20T09:15:00+01:00", "is_datalek": False}


@pytest.fixture
def vo_headers() -> dict[str, str]:
    return bearer(factories.token(factories.user([("verbindingsofficier", "DIE")])))


def test_create_read_update_and_close_through_the_api(client: FlaskClient, vo_headers) -> None:
    created = client.post("/api/v1/incidents", json={**NEW, "category": "phishing", "severity": "midden"},
                          headers=vo_headers)
    assert created.status_code == 201, created.get_json()
    body = created.get_json()
    assert body["reference"] == "DIE-2026-0001" and body["status"] == "nieuw" and body["version"] == 1
    assert body["discovered_at"] == "2026-11-20T08:15:00+00:00"
    url = f"/api/v1/incidents/{body['id']}"
    patched = client.patch(url, json={"version": 1, "cause": "Geen MFA op het account"}, headers=vo_headers)
    assert patched.status_code == 200 and patched.get_json()["version"] == 2
    for status, version in (("in_behandeling", 2), ("afgehandeld", 3)):
        response = client.post(f"{url}/status", json={"status": status, "version": version}, headers=vo_headers)
        assert response.status_code == 200, response.get_json()
    final = client.get(url, headers=vo_headers).get_json()
    assert final["status"] == "afgehandeld" and final["closed_at"]
    timeline = client.get(f"{url}/timeline", headers=vo_headers).get_json()
    assert [item["kind"] for item in timeline] == ["create", "update", "status", "status"]


def test_stale_version_is_409_and_nothing_is_overwritten(client: FlaskClient, vo_headers) -> None:
    body = client.post("/api/v1/incidents", json=NEW, headers=vo_headers).get_json()
    url = f"/api/v1/incidents/{body['id']}"
    assert client.patch(url, json={"version": 1, "title": "Eerste"}, headers=vo_headers).status_code == 200
    second = client.patch(url, json={"version": 1, "title": "Tweede"}, headers=vo_headers)
    problem = assert_problem(second, 409)
    assert "version" in problem["errors"]
    assert client.get(url, headers=vo_headers).get_json()["title"] == "Eerste"


@pytest.mark.parametrize(("change", "field"), [
    ({"title": ""}, "title"),
    ({"title": "x" * 201}, "title"),
    ({"description": "x" * 1_000_000}, "description"),
    ({"category": "onbekend"}, "category"),
    ({"severity": "enorm"}, "severity"),
    ({"discovered_at": "2099-01-01T00:00:00+00:00"}, "discovered_at"),
    ({"discovered_at": "2026-11-20T09:15:00"}, "discovered_at"),   # no offset: ambiguous
    ({"occurred_at": "2026-11-21T09:15:00+01:00"}, "occurred_at"),  # after discovery
    ({"is_datalek": "misschien"}, "is_datalek"),
    ({"status": "afgehandeld"}, "status"),                           # not a create field
    ({"organisation": "XYZ"}, None),                                 # unknown: 404
])
def test_bad_input_on_create(client: FlaskClient, vo_headers, change: dict, field: str | None) -> None:
    response = client.post("/api/v1/incidents", json={**NEW, **change}, headers=vo_headers)
    if field is None:
        assert_problem(response, 404)
    else:
        problem = assert_problem(response, 422)
        assert field in problem["errors"], problem
    assert db.session.scalar(select(func.count()).select_from(Incident)) == 0


@pytest.mark.parametrize("value", ["yes", "on", "0", "true", 1, 0, None])
def test_is_datalek_takes_only_a_json_boolean(client: FlaskClient, vo_headers, value: object) -> None:
    """marshmallow's Boolean took "yes", "on" and "0" (and 1): the document says boolean, so 422."""
    problem = assert_problem(client.post("/api/v1/incidents", json={**NEW, "is_datalek": value}, headers=vo_headers),
                             422)
    assert list(problem["errors"]) == ["is_datalek"]
    assert db.session.scalar(select(func.count()).select_from(Incident)) == 0
    incident = factories.incident("DIE")
    problem = assert_problem(client.patch(f"/api/v1/incidents/{incident.id}", headers=vo_headers,
                                          json={"version": incident.version, "is_datalek": value}), 422)
    assert list(problem["errors"]) == ["is_datalek"]
    db.session.refresh(incident)
    assert incident.is_datalek is False and incident.version == 1


@pytest.mark.parametrize("version", ["1", 1.5, True])
def test_the_version_takes_only_a_json_integer(client: FlaskClient, vo_headers, version: object) -> None:
    incident = factories.incident("DIE")
    url = f"/api/v1/incidents/{incident.id}"
    patched = client.patch(url, headers=vo_headers, json={"version": version, "title": "Nieuwe titel"})
    assert list(assert_problem(patched, 422)["errors"]) == ["version"]
    moved = client.post(f"{url}/status", headers=vo_headers, json={"version": version, "status": "in_behandeling"})
    assert list(assert_problem(moved, 422)["errors"]) == ["version"]
    db.session.refresh(incident)
    assert incident.version == 1 and incident.title != "Nieuwe titel"


@pytest.mark.parametrize(("query", "status"), [("datalek=true", 200), ("datalek=false", 200), ("datalek=yes", 422),
                                               ("datalek=1", 422), ("open=on", 422), ("open=True", 422)])
def test_boolean_query_parameters_take_true_or_false(client: FlaskClient, vo_headers, query: str, status: int) -> None:
    response = client.get(f"/api/v1/incidents?{query}", headers=vo_headers)
    assert response.status_code == status, response.get_json()


def test_refused_transition_is_422(client: FlaskClient, vo_headers) -> None:
    body = client.post("/api/v1/incidents", json=NEW, headers=vo_headers).get_json()
    response = client.post(f"/api/v1/incidents/{body['id']}/status", json={"status": "afgehandeld", "version": 1},
                           headers=vo_headers)
    assert "status" in assert_problem(response, 422)["errors"]


def test_list_filters_and_pagination(client: FlaskClient, vo_headers) -> None:
    for i in range(3):
        client.post("/api/v1/incidents", json={**NEW, "title": f"Lek {i}", "is_datalek": True}, headers=vo_headers)
    client.post("/api/v1/incidents", json={**NEW, "title": "Scan op VPN"}, headers=vo_headers)
    body = client.get("/api/v1/incidents?datalek=true&per_page=2&sort=title&order=asc", headers=vo_headers).get_json()
    assert body["total"] == 3 and [i["title"] for i in body["items"]] == ["Lek 0", "Lek 1"]
    body = client.get("/api/v1/incidents?q=vpn", headers=vo_headers).get_json()
    assert [i["title"] for i in body["items"]] == ["Scan op VPN"]
    assert_problem(client.get("/api/v1/incidents?status=bogus", headers=vo_headers), 422)


def test_roles_on_the_api(client: FlaskClient) -> None:
    incident = factories.incident("DIE")
    factories.incident("UIT")
    fg = bearer(factories.token(factories.user([("fg", "DIE")])))
    cc = bearer(factories.token(factories.user([("concern_control", "DUO")])))
    other = bearer(factories.token(factories.user([("verbindingsofficier", "UIT")])))
    url = f"/api/v1/incidents/{incident.id}"
    # the FG reads and writes timeline entries, but does not edit or log
    assert client.get(url, headers=fg).status_code == 200
    assert client.post(f"{url}/timeline", json={"kind": "besluit", "text": "Beoordeeld"}, headers=fg).status_code == 201
    # it may read the incident but not change it: 403 (one that cannot be read is 404)
    assert client.patch(url, json={"version": 1, "title": "x"}, headers=fg).status_code == 403
    assert client.post("/api/v1/incidents", json=NEW, headers=fg).status_code == 403
    # concern control reads everything, writes nothing
    assert client.get("/api/v1/incidents", headers=cc).get_json()["total"] == 2
    assert client.post(f"{url}/timeline", json={"kind": "actie", "text": "x"}, headers=cc).status_code == 403
    # another municipality sees nothing of Diemen
    assert client.get(url, headers=other).status_code == 404
    assert client.get("/api/v1/incidents", headers=other).get_json()["total"] == 1
