from __future__ import annotations

import datetime as dt

import pytest
from flask.testing import FlaskClient

from bio_register.compliance.catalogs import import_all
from tests import factories
from tests.api.test_api_base import assert_problem, bearer

BASE = "/api/v1/organisations/DIE/findings"
NEW = {"source": "pentest", "found_on": "2026-11-20", "title": "Verouderde TLS op het burgerportaal",
       "severity": "hoog", "description": "TLS 1.0 staat nog aan."}


@pytest.fixture
def ciso_headers() -> dict[str, str]:
    return bearer(factories.token(factories.user([("ciso", "DIE")])))


def test_create_read_patch_and_list(client: FlaskClient, ciso_headers) -> None:
    import_all(actor_label="test")
    measure = factories.measure("DIE", title="TLS 1.0 uitzetten")
    created = client.post(BASE, json={**NEW, "controls": [{"code": "8.24.01"}, {"catalog": "BIO2-1.3",
                                                                                 "code": "8.20.01"}],
                                      "measures": [measure.id], "retest_on": "2026-12-01"}, headers=ciso_headers)
    assert created.status_code == 201, created.get_json()
    body = created.get_json()
    assert body["organisation"] == "DIE" and body["status"] == "open" and body["version"] == 1
    assert [(c["catalog"], c["code"]) for c in body["controls"]] == [("BIO2-1.3", "8.20.01"), ("BIO2-1.3", "8.24.01")]
    assert body["measures"] == [{"id": measure.id, "title": "TLS 1.0 uitzetten", "status": "gepland"}]
    assert body["overdue"] is True   # the re-test of 1 December has passed and it is open
    url = f"/api/v1/findings/{body['id']}"
    assert client.get(url, headers=ciso_headers).get_json()["title"] == NEW["title"]
    patched = client.patch(url, json={"version": 1, "status": "opgelost"}, headers=ciso_headers)
    assert patched.status_code == 200
    assert patched.get_json()["version"] == 2 and patched.get_json()["overdue"] is False
    assert patched.get_json()["closed_at"] is not None
    listed = client.get(f"{BASE}?status=opgelost&source=pentest&q=tls", headers=ciso_headers).get_json()
    assert listed["total"] == 1 and listed["items"][0]["id"] == body["id"]
    assert client.get(f"{BASE}?open=true", headers=ciso_headers).get_json()["total"] == 0
    assert client.get(f"{BASE}?overdue=true", headers=ciso_headers).get_json()["total"] == 0


def test_accepted_without_motivation_answers_422(client: FlaskClient, ciso_headers) -> None:
    body = assert_problem(client.post(BASE, json={**NEW, "status": "geaccepteerd"}, headers=ciso_headers), 422)
    assert "motivering" in body["errors"]["motivation"][0]
    finding = factories.finding("DIE")
    url = f"/api/v1/findings/{finding.id}"
    body = assert_problem(client.patch(url, json={"version": 1, "status": "geaccepteerd"}, headers=ciso_headers), 422)
    assert "motivering" in body["errors"]["motivation"][0]
    accepted = client.patch(url, json={"version": 1, "status": "geaccepteerd",
                                       "motivation": "Restrisico aanvaard door de directie (besluit 12-11)."},
                            headers=ciso_headers)
    assert accepted.status_code == 200 and accepted.get_json()["status"] == "geaccepteerd"


def test_bad_input_answers_422_naming_the_field(client: FlaskClient, ciso_headers) -> None:
    body = assert_problem(client.post(BASE, json={"title": "X"}, headers=ciso_headers), 422)
    assert body["errors"]["source"] == ["Kies de bron van de bevinding."]
    assert body["errors"]["severity"] == ["Kies de ernst van de bevinding."]
    assert body["errors"]["found_on"] == ["Geef een datum."]
    body = assert_problem(client.post(BASE, json={**NEW, "source": "roddel"}, headers=ciso_headers), 422)
    assert "source" in body["errors"]
    body = assert_problem(client.post(BASE, json={**NEW, "measures": [factories.measure("UIT").id]},
                                      headers=ciso_headers), 422)
    assert "hoort niet bij deze organisatie" in str(body["errors"]["measures"])
    finding = factories.finding("DIE")
    url = f"/api/v1/findings/{finding.id}"
    assert client.patch(url, json={"version": 1, "title": "A"}, headers=ciso_headers).status_code == 200
    body = assert_problem(client.patch(url, json={"version": 1, "title": "B"}, headers=ciso_headers), 409)
    assert "intussen opgeslagen" in body["detail"]


def test_another_organisations_finding_is_not_found(client: FlaskClient) -> None:
    uit = factories.finding("UIT")
    headers = bearer(factories.token(factories.user([("fg", "DIE")])))
    assert_problem(client.get(f"/api/v1/findings/{uit.id}", headers=headers), 404)
    assert_problem(client.get("/api/v1/organisations/UIT/findings", headers=headers), 404)
    die = factories.finding("DIE")
    assert client.get(f"/api/v1/findings/{die.id}", headers=headers).status_code == 200
    assert_problem(client.patch(f"/api/v1/findings/{die.id}", json={"version": 1, "title": "X"}, headers=headers), 403)


def test_the_list_issues_a_fixed_number_of_queries(client: FlaskClient, ciso_headers, count_queries) -> None:
    import_all(actor_label="test")
    factories.finding("DIE", controls=["5.15.01"], measures=[factories.measure("DIE").id])
    client.get("/api/v1/me", headers=ciso_headers)   # the token's first use is recorded once
    # and the process reads the organisation tree once, then confirms it with the token (permissions.adopt_tree)
    client.get(BASE, headers=ciso_headers)
    with count_queries() as few:
        assert client.get(BASE, headers=ciso_headers).status_code == 200
    for i in range(10):
        factories.finding("DIE", title=f"Bevinding {i}", controls=["5.15.01", "8.15.01"],
                          measures=[factories.measure("DIE", title=f"Maatregel {i}").id],
                          retest_on=dt.date(2026, 11, 1 + i))
    with count_queries() as many:
        assert client.get(BASE, headers=ciso_headers).get_json()["total"] == 11
    assert many.count == few.count, many.statements
