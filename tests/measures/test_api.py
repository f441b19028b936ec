from __future__ import annotations

import datetime as dt

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select

from bio_register.database import utcnow
from bio_register.extensions import db
from bio_register.measures import services
from bio_register.measures.models import Measure
from tests import factories
from tests.api.test_api_base import assert_problem, bearer
from tests.measures.conftest import CATALOG

NEW = {"organisation": "DIE", "title": "MFA op alle VPN-accounts", "owner": "Teamleider ICT"}


@pytest.fixture
def vo_headers() -> dict[str, str]:
    return bearer(factories.token(factories.user([("verbindingsofficier", "DIE")])))


def _count() -> int:
    return db.session.scalar(select(func.count()).select_from(Measure)) or 0


def _today() -> dt.date:
    return services.local_today()


def test_create_read_update_and_finish_through_the_api(client: FlaskClient, vo_headers, controls) -> None:
    incident = factories.incident("DIE")
    due = (_today() + dt.timedelta(days=14)).isoformat()
    created = client.post("/api/v1/measures", json={
        **NEW, "due_date": due, "incidents": [incident.id],
        "controls": [{"catalog": CATALOG, "code": "5.24.03"}]}, headers=vo_headers)
    assert created.status_code == 201, created.get_json()
    body = created.get_json()
    assert body["organisation"] == "DIE" and body["status"] == "gepland" and body["version"] == 1
    assert body["due_date"] == due and body["overdue"] is False
    assert body["incidents"] == [{"id": incident.id, "reference": incident.reference}]
    assert body["controls"] == [{"id": controls["5.24.03"].id, "catalog": CATALOG, "code": "5.24.03",
                                 "title": "Beheersmaatregel 5.24.03"}]
    url = f"/api/v1/measures/{body['id']}"
    patched = client.patch(url, json={"version": 1, "owner": "CISO",
                                      "controls": [{"catalog": CATALOG, "code": "5.25"}]}, headers=vo_headers)
    assert patched.status_code == 200, patched.get_json()
    assert patched.get_json()["version"] == 2 and [c["code"] for c in patched.get_json()["controls"]] == ["5.25"]
    assert patched.get_json()["incidents"][0]["reference"] == incident.reference   # not given: unchanged
    for status, version in (("in_uitvoering", 2), ("gereed", 3)):
        response = client.post(f"{url}/status", json={"status": status, "version": version}, headers=vo_headers)
        assert response.status_code == 200, response.get_json()
    final = client.get(url, headers=vo_headers).get_json()
    assert final["status"] == "gereed" and final["completed_at"] and final["version"] == 4


def test_stale_version_is_409_and_nothing_is_overwritten(client: FlaskClient, vo_headers) -> None:
    body = client.post("/api/v1/measures", json=NEW, headers=vo_headers).get_json()
    url = f"/api/v1/measures/{body['id']}"
    assert client.patch(url, json={"version": 1, "title": "Eerste"}, headers=vo_headers).status_code == 200
    second = client.patch(url, json={"version": 1, "title": "Tweede"}, headers=vo_headers)
    assert "version" in assert_problem(second, 409)["errors"]
    stale_status = client.post(f"{url}/status", json={"status": "vervallen", "version": 1}, headers=vo_headers)
    assert_problem(stale_status, 409)
    body = client.get(url, headers=vo_headers).get_json()
    assert (body["title"], body["status"]) == ("Eerste", "gepland")


@pytest.mark.parametrize(("change", "field"), [
    ({"title": ""}, "title"),
    ({"title": "x" * 201}, "title"),
    ({"due_date": "2020-01-01"}, "due_date"),                       # before it was created
    ({"due_date": "morgen"}, "due_date"),
    ({"status": "gereed"}, "status"),                               # unknown field for create
    ({"incidents": ["DIE-2026-0001"]}, "incidents.0"),              # ids, not references
    ({"controls": [{"catalog": CATALOG, "code": "9.99"}]}, "controls"),
    ({"controls": [{"catalog": "GEEN", "code": "5.24"}]}, "controls"),
    ({"controls": [{"catalog": CATALOG}]}, "controls.0.code"),
    ({"controls": [{"catalog": CATALOG, "code": "5.24", "title": "x"}]}, "controls.0.title"),
    ({"organisation": "XYZ"}, None),                                # unknown: 404
])
def test_bad_input_on_create(client: FlaskClient, vo_headers, controls, change: dict, field: str | None) -> None:
    response = client.post("/api/v1/measures", json={**NEW, **change}, headers=vo_headers)
    if field is None:
        assert_problem(response, 404)
    else:
        problem = assert_problem(response, 422)
        assert field in problem["errors"], problem
    assert _count() == 0


def test_an_unknown_control_names_it(client: FlaskClient, vo_headers, controls) -> None:
    response = client.post("/api/v1/measures", json={**NEW, "controls": [{"catalog": CATALOG, "code": "5.99"}]},
                           headers=vo_headers)
    problem = assert_problem(response, 422)
    assert problem["errors"] == {"controls": [f"Nummer „5.99” komt niet voor in catalogus {CATALOG}."]}


def test_another_organisations_incident_cannot_be_linked(client: FlaskClient, vo_headers) -> None:
    other = factories.incident("UIT")
    response = client.post("/api/v1/measures", json={**NEW, "incidents": [other.id]}, headers=vo_headers)
    assert "incidents" in assert_problem(response, 422)["errors"]
    body = client.post("/api/v1/measures", json=NEW, headers=vo_headers).get_json()
    response = client.patch(f"/api/v1/measures/{body['id']}", json={"version": 1, "incidents": [other.id]},
                            headers=vo_headers)
    assert "incidents" in assert_problem(response, 422)["errors"]
    assert client.get(f"/api/v1/measures/{body['id']}", headers=vo_headers).get_json()["incidents"] == []


def test_refused_transition_is_422(client: FlaskClient, vo_headers) -> None:
    body = client.post("/api/v1/measures", json=NEW, headers=vo_headers).get_json()
    response = client.post(f"/api/v1/measures/{body['id']}/status", json={"status": "gereed", "version": 1},
                           headers=vo_headers)
    assert "status" in assert_problem(response, 422)["errors"]
    response = client.post(f"/api/v1/measures/{body['id']}/status", json={"status": "klaar", "version": 1},
                           headers=vo_headers)
    assert "status" in assert_problem(response, 422)["errors"]


def test_list_filters_and_pagination(client: FlaskClient, vo_headers, controls) -> None:
    incident = factories.incident("DIE")
    late = factories.measure("DIE", title="Te laat", now=utcnow() - dt.timedelta(days=10),
                             due_date=_today() - dt.timedelta(days=1), incidents=[incident.id])
    factories.measure("DIE", title="Vandaag", due_date=_today(), controls=[(CATALOG, "5.24")])
    factories.measure("DIE", title="Klaar", status="gereed")
    factories.measure("UIT", title="Uithoorn")
    body = client.get("/api/v1/measures?per_page=2", headers=vo_headers).get_json()
    assert set(body) == {"items", "page", "per_page", "total"}
    assert body["total"] == 3 and body["per_page"] == 2
    assert [m["title"] for m in body["items"]] == ["Te laat", "Vandaag"]
    assert body["items"][0]["overdue"] is True and body["items"][1]["overdue"] is False
    body = client.get("/api/v1/measures?page=2&per_page=2", headers=vo_headers).get_json()
    assert [m["title"] for m in body["items"]] == ["Klaar"]

    def titles(query: str) -> list[str]:
        response = client.get(f"/api/v1/measures?{query}", headers=vo_headers)
        assert response.status_code == 200, response.get_json()
        return [m["title"] for m in response.get_json()["items"]]

    assert titles("overdue=true") == ["Te laat"]
    assert titles("status=gereed") == ["Klaar"]
    assert titles("open=true") == ["Te laat", "Vandaag"]
    assert titles(f"incident={incident.id}") == ["Te laat"]
    assert titles(f"control={controls['5.24'].id}") == ["Vandaag"]
    assert titles("q=vandaag") == ["Vandaag"]
    assert titles("organisation=UIT") == []
    assert late.id in {m["id"] for m in client.get("/api/v1/measures", headers=vo_headers).get_json()["items"]}
    assert_problem(client.get("/api/v1/measures?status=bogus", headers=vo_headers), 422)
    assert_problem(client.get("/api/v1/measures?per_page=1000", headers=vo_headers), 422)


def test_roles_on_the_api(client: FlaskClient) -> None:
    measure = factories.measure("DIE")
    uit = factories.measure("UIT")
    fg = bearer(factories.token(factories.user([("fg", "DIE")])))
    cc = bearer(factories.token(factories.user([("concern_control", "DUO")])))
    ciso = bearer(factories.token(factories.user([("ciso", "DIE")])))
    url = f"/api/v1/measures/{measure.id}"
    # the FG reads, but does not write: 403 (what they cannot read stays 404)
    assert client.get(url, headers=fg).status_code == 200
    assert_problem(client.patch(url, json={"version": 1, "title": "x"}, headers=fg), 403)
    assert_problem(client.post("/api/v1/measures", json=NEW, headers=fg), 403)
    assert_problem(client.get(f"/api/v1/measures/{uit.id}", headers=fg), 404)
    # concern control reads every organisation and writes nothing
    assert client.get(f"/api/v1/measures/{uit.id}", headers=cc).status_code == 200
    assert client.get("/api/v1/measures", headers=cc).get_json()["total"] == 2
    assert_problem(client.post(f"{url}/status", json={"status": "vervallen", "version": 1}, headers=cc), 403)
    # the CISO owns measures
    assert client.post(f"{url}/status", json={"status": "in_uitvoering", "version": 1}, headers=ciso).status_code == 200


def test_odd_numbers_and_dates_are_refused_not_a_500(client: FlaskClient, vo_headers) -> None:
    big = 10**20
    assert_problem(client.get(f"/api/v1/measures?incident={big}", headers=vo_headers), 422)
    assert_problem(client.get(f"/api/v1/measures/{big}", headers=vo_headers), 404)
    for change, field in (({"incidents": [2**31]}, "incidents.0"), ({"incidents": [True]}, "incidents.0"),
                          ({"due_date": "9999-12-31"}, "due_date")):
        problem = assert_problem(client.post("/api/v1/measures", json={**NEW, **change}, headers=vo_headers), 422)
        assert field in problem["errors"], problem
    assert _count() == 0
