from __future__ import annotations

import datetime as dt

import pytest
from flask.testing import FlaskClient

from bio_register.compliance.catalogs import import_all
from bio_register.extensions import db
from bio_register.findings.models import Finding, FindingStatus
from tests import factories
from tests.conftest import csrf_token, login


@pytest.fixture
def ciso(client: FlaskClient):
    user = factories.user([("ciso", "DIE")], name="Chris")
    login(client, user.email, factories.PASSWORD)
    return user


def test_the_ciso_records_a_finding_and_sees_it_on_the_control(client: FlaskClient, ciso) -> None:
    import_all(actor_label="test")
    measure = factories.measure("DIE", title="Wachtwoordbeleid herzien")
    token = csrf_token(client, "/bevindingen/nieuw")
    response = client.post("/bevindingen/nieuw", data={
        "csrf_token": token, "organisation": "DIE", "title": "Zwakke wachtwoorden in Suwinet-inkijk",
        "source": "ensia_suwinet", "found_on": "15-11-2026", "severity": "hoog", "controls": "5.17.01, 8.05.01",
        "measures": [str(measure.id)], "status": "in_behandeling", "retest_on": "2026-12-01"})
    assert response.status_code == 302, response.get_data(as_text=True)
    finding = db.session.get(Finding, int(response.location.rsplit("/", 1)[1]))
    assert finding.status == FindingStatus.IN_BEHANDELING and finding.found_on == dt.date(2026, 11, 15)
    html = client.get(response.location).get_data(as_text=True)
    assert "Zwakke wachtwoorden in Suwinet-inkijk" in html and "ENSIA-assessment Suwinet" in html
    assert "Wachtwoordbeleid herzien" in html and "5.17.01" in html and "hertest verlopen" in html
    control_page = client.get("/compliance/DIE/BIO2-1.3/5.17.01").get_data(as_text=True)
    assert "Zwakke wachtwoorden in Suwinet-inkijk" in control_page and "in behandeling" in control_page
    other_control = client.get("/compliance/DIE/BIO2-1.3/5.15.01").get_data(as_text=True)
    assert "Zwakke wachtwoorden" not in other_control and "Geen bevindingen bij deze" in other_control


def test_accepting_without_motivation_shows_a_dutch_error(client: FlaskClient, ciso) -> None:
    finding = factories.finding("DIE")
    url = f"/bevindingen/{finding.id}/bewerken"
    token = csrf_token(client, url)
    form = {"csrf_token": token, "version": "1", "title": finding.title, "source": "it_audit",
            "found_on": "2026-10-01", "severity": "hoog", "status": "geaccepteerd", "motivation": ""}
    response = client.post(url, data=form)
    assert response.status_code == 422
    assert "Een geaccepteerde bevinding vraagt een motivering" in response.get_data(as_text=True)
    assert db.session.get(Finding, finding.id).status == FindingStatus.OPEN
    response = client.post(url, data={**form, "motivation": "Het systeem gaat in het eerste kwartaal uit."})
    assert response.status_code == 302
    html = client.get(f"/bevindingen/{finding.id}").get_data(as_text=True)
    assert "geaccepteerd" in html and "Het systeem gaat in het eerste kwartaal uit." in html
    assert "open</del> → <ins>geaccepteerd" in html   # the history, by label


def test_the_list_filters_by_status_source_and_overdue(client: FlaskClient, ciso) -> None:
    factories.finding("DIE", title="Open en te laat", retest_on=dt.date(2026, 11, 1))
    factories.finding("DIE", title="Opgelost", status="opgelost", source="pentest")
    factories.finding("UIT", title="Van Uithoorn")
    html = client.get("/bevindingen").get_data(as_text=True)
    assert "Open en te laat" in html and "Opgelost" in html and "Van Uithoorn" not in html
    html = client.get("/bevindingen?overdue=y").get_data(as_text=True)
    assert "Open en te laat" in html and ">Opgelost<" not in html
    html = client.get("/bevindingen?source=pentest").get_data(as_text=True)
    assert "Open en te laat" not in html and ">Opgelost<" in html
    html = client.get("/bevindingen?status=openstaand").get_data(as_text=True)
    assert "Open en te laat" in html and ">Opgelost<" not in html
    assert "1 bevinding gevonden" in html


def test_readers_see_no_edit_button_and_the_menu_has_findings(client: FlaskClient) -> None:
    finding = factories.finding("DIE")
    reader = factories.user([("verbindingsofficier", "DIE")])
    login(client, reader.email, factories.PASSWORD)
    html = client.get(f"/bevindingen/{finding.id}").get_data(as_text=True)
    assert finding.title in html and "/bewerken" not in html
    assert 'href="/bevindingen"' in client.get("/").get_data(as_text=True)
    assert client.get(f"/bevindingen/{finding.id}/bewerken").status_code == 403


def test_the_list_page_issues_a_fixed_number_of_queries(client: FlaskClient, ciso, count_queries) -> None:
    import_all(actor_label="test")
    factories.finding("DIE", controls=["5.15.01"], measures=[factories.measure("DIE").id])
    client.get("/bevindingen")
    with count_queries() as few:
        assert client.get("/bevindingen").status_code == 200
    for i in range(10):
        factories.finding("DIE", title=f"Bevinding {i}", controls=["5.15.01", "8.15.01"],
                          measures=[factories.measure("DIE", title=f"Maatregel {i}").id])
    with count_queries() as many:
        assert client.get("/bevindingen").status_code == 200
    assert many.count == few.count, many.statements
