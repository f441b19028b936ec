"""The statement of applicability at speed: filtered by theme, applicability, implementation status
and owner, with search; a control page with its maatregelen and previous/next within the filter."""

from __future__ import annotations

import io
import re
from typing import Any

import pytest
from flask.testing import FlaskClient
from openpyxl import load_workbook

from bio_register.compliance import catalogs as catalog_import
from bio_register.compliance import services
from bio_register.compliance.models import ControlCatalog
from bio_register.compliance.services import SoaFilter
from bio_register.extensions import db
from bio_register.measures import services as measures
from tests import factories
from tests.conftest import login

KEY = "BIO2-1.3"


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


@pytest.fixture
def assessed(catalog: ControlCatalog) -> dict[str, Any]:
    """DIE: 5.24.01 volledig (Teamleider ICT), 5.25.01 gedeeltelijk (CISO), 5.26 niet (Teamleider ICT),
    8.01.01 not applicable; the rest not assessed."""
    ciso = factories.user([("ciso", "DIE")], name="Carel Smit")
    die = factories.organisation("DIE")
    for code, data in [
        ("5.24.01", {"applicable": True, "status": "volledig", "owner": "Teamleider ICT"}),
        ("5.25.01", {"applicable": True, "status": "gedeeltelijk", "owner": "CISO"}),
        ("5.26", {"applicable": True, "status": "niet", "owner": "teamleider ict"}),
        ("8.01.01", {"applicable": False, "justification": "Geen eigen eindapparaten."}),
    ]:
        services.assess(ciso, die, _control(catalog, code), data)
    db.session.commit()
    return {"ciso": ciso, "die": die}


def _codes(catalog: ControlCatalog, organisation: Any, **filter_args: Any) -> list[str]:
    soa = services.filtered_statement(organisation, catalog, SoaFilter.build(**filter_args))
    return [row.control.code for row in soa.rows]


def test_each_filter_narrows_the_statement(catalog: ControlCatalog, assessed: dict[str, Any]) -> None:
    die = assessed["die"]
    everything = services.filtered_statement(die, catalog, SoaFilter())
    assert len(everything.rows) == everything.total > 200
    assert [g.code for g in everything.groups] == ["5", "6", "7", "8"]
    assert sum(g.total for g in everything.groups) == everything.total

    assert _codes(catalog, die, status="volledig") == ["5.24.01"]
    assert _codes(catalog, die, status="gedeeltelijk") == ["5.25.01"]
    assert _codes(catalog, die, applicability="nee") == ["8.01.01"]
    assert set(_codes(catalog, die, applicability="ja")) >= {"5.24.01", "5.25.01", "5.26"}
    unassessed = _codes(catalog, die, applicability="onbeoordeeld")
    assert "5.24.01" not in unassessed and "5.24.02" in unassessed
    # the owner is matched without regard to capitals, and offered once
    assert _codes(catalog, die, owner="Teamleider ICT") == ["5.24.01", "5.26"]
    assert everything.owners == ["CISO", "Teamleider ICT"]
    themed = _codes(catalog, die, theme="8")
    assert themed and all(code.startswith("8.") for code in themed)
    # filters combine
    assert _codes(catalog, die, theme="5", owner="teamleider ict", status="niet") == ["5.26"]
    assert _codes(catalog, die, theme="6", status="volledig") == []


def test_search_by_number_or_words_of_the_title(catalog: ControlCatalog, assessed: dict[str, Any]) -> None:
    die = assessed["die"]
    by_number = _codes(catalog, die, q="5.24")
    # the control and its overheidsmaatregelen, and a title that names the number; not 5.2 or 5.25
    family = [code for code in by_number if code.startswith("5.24")]
    assert family[:3] == ["5.24", "5.24.01", "5.24.02"] and len(family) >= 8
    assert all(code in family or "5.24" in _control(catalog, code).title_nl for code in by_number)
    assert "5.2" not in by_number and "5.25" not in by_number
    # with or without leading zeros: 8.1 is the control above 8.01.01
    assert _codes(catalog, die, q="8.1")[:2] == ["8.1", "8.01.01"]
    assert "8.10" not in _codes(catalog, die, q="8.1")
    assert [c.code for c in services.search_controls([catalog.id], "8.1")][:2] == ["8.1", "8.01.01"]
    title = _control(catalog, "5.24.01").title_nl
    words = " ".join(word.upper() for word in title.split()[:2])
    assert "5.24.01" in _codes(catalog, die, q=words)
    assert _codes(catalog, die, q="geen-enkele-maatregel-heet-zo") == []


def test_unknown_filter_values_are_ignored() -> None:
    flt = SoaFilter.build(applicability="misschien", status="bijna", theme="  5 ", q="  a   b ")
    assert flt.applicability is None and flt.status is None
    assert flt.theme == "5" and flt.q == "a b"
    assert flt.args() == {"thema": "5", "q": "a b"}


def test_previous_and_next_stay_within_the_filter(catalog: ControlCatalog, assessed: dict[str, Any]) -> None:
    die = assessed["die"]
    flt = SoaFilter.build(owner="teamleider ict")
    first = services.neighbours(die, catalog, _control(catalog, "5.24.01"), flt)
    assert first.previous is None and first.next is not None and first.next.code == "5.26"
    assert (first.position, first.count) == (1, 2)
    last = services.neighbours(die, catalog, _control(catalog, "5.26"), flt)
    assert last.previous is not None and last.previous.code == "5.24.01" and last.next is None
    # a control outside the filter: the filtered rows around it, without a place of its own
    outside = services.neighbours(die, catalog, _control(catalog, "5.25.01"), flt)
    assert outside.previous is not None and outside.previous.code == "5.24.01"
    assert outside.next is not None and outside.next.code == "5.26" and outside.position is None
    # without a filter: catalog order
    plain = services.neighbours(die, catalog, _control(catalog, "5.24.01"), SoaFilter())
    assert plain.previous is not None and plain.previous.code == "5.24"
    assert plain.next is not None and plain.next.code == "5.24.02"


def test_the_filtered_page_shows_groups_counts_and_carries_the_filter(client: FlaskClient, catalog: ControlCatalog,
                                                                       assessed: dict[str, Any]) -> None:
    login(client, assessed["ciso"].email, factories.PASSWORD)
    html = client.get(f"/compliance/DIE/{KEY}/vvt?thema=5&eigenaar=Teamleider+ICT").get_data(as_text=True)
    assert "2 van de" in html
    rows = re.findall(r'<td class="nowrap"><a href="([^"]+)">([^<]+)</a>', html)
    assert [code for _href, code in rows] == ["5.24.01", "5.26"]
    assert all("thema=5" in href and "eigenaar=Teamleider+ICT" in href for href, _code in rows)
    assert 'value="Teamleider ICT" selected' in html and "volledig geïmplementeerd" in html
    # the control page, reached from the filter: its place, and next within the filter
    page = client.get(rows[0][0].replace("&amp;", "&")).get_data(as_text=True)
    assert "1 van 2" in page
    following = re.search(r'<a rel="next" href="([^"]+)">', page)
    assert following is not None and "/5.26?" in following.group(1) and "thema=5" in following.group(1)
    assert 'rel="prev"' not in page
    empty = client.get(f"/compliance/DIE/{KEY}/vvt?q=niets-dat-zo-heet").get_data(as_text=True)
    assert "Geen beheersmaatregelen of overheidsmaatregelen die aan dit filter voldoen." in empty


def test_the_control_page_shows_its_maatregelen(client: FlaskClient, catalog: ControlCatalog,
                                                assessed: dict[str, Any]) -> None:
    control = _control(catalog, "5.24.01")
    item = factories.incident("DIE")
    taken = factories.measure("DIE", title="Meldprocedure herzien")
    measures.link_control(None, taken, control)
    measures.link_incident(None, taken, item)
    factories.measure("DIE", title="Niet gekoppeld")
    other = factories.measure("UIT", title="Van Uithoorn")
    measures.link_control(None, other, control)
    db.session.commit()
    login(client, assessed["ciso"].email, factories.PASSWORD)
    html = client.get(f"/compliance/DIE/{KEY}/5.24.01").get_data(as_text=True)
    section = html[html.index('id="maatregelen"'):]
    assert "Meldprocedure herzien" in section and item.reference in section
    assert "Niet gekoppeld" not in section and "Van Uithoorn" not in section


def test_the_filtered_page_takes_a_fixed_number_of_queries(client: FlaskClient, catalog: ControlCatalog,
                                                           assessed: dict[str, Any], count_queries: Any) -> None:
    login(client, assessed["ciso"].email, factories.PASSWORD)
    path = f"/compliance/DIE/{KEY}/vvt?thema=5&implementatie=niet&q=5"
    client.get(path)
    with count_queries() as few:
        assert client.get(path).status_code == 200
    ciso, die = assessed["ciso"], assessed["die"]
    for control in services.controls_of(catalog)[:60]:
        services.assess(ciso, die, control, {"applicable": True, "status": "niet", "owner": f"Eigenaar {control.id}"})
    db.session.commit()
    with count_queries() as many:
        html = client.get(path).get_data(as_text=True)
    assert many.count == few.count, many.statements
    assert html.count('<td class="nowrap">') > 10


def test_the_control_page_takes_a_fixed_number_of_queries(client: FlaskClient, catalog: ControlCatalog,
                                                          assessed: dict[str, Any], count_queries: Any) -> None:
    control = _control(catalog, "5.24.01")
    login(client, assessed["ciso"].email, factories.PASSWORD)
    path = f"/compliance/DIE/{KEY}/5.24.01?eigenaar=Teamleider+ICT"
    first = factories.measure("DIE", title="Eerste")
    measures.link_control(None, first, control)
    measures.link_incident(None, first, factories.incident("DIE"))
    db.session.commit()
    client.get(path)
    with count_queries() as few:
        assert client.get(path).status_code == 200
    for n in range(6):
        more = factories.measure("DIE", title=f"Maatregel {n}")
        measures.link_control(None, more, control)
        measures.link_incident(None, more, factories.incident("DIE"))
    db.session.commit()
    with count_queries() as many:
        html = client.get(path).get_data(as_text=True)
    assert many.count == few.count, many.statements
    assert html.count("badge-measure-") == 7


def test_link_an_existing_maatregel_from_the_control_page(client: FlaskClient, catalog: ControlCatalog,
                                                         assessed: dict[str, Any]) -> None:
    from tests.conftest import csrf_token

    control = _control(catalog, "5.24.01")
    wanted = factories.measure("DIE", title="Meldprocedure herzien", owner="Teamleider ICT")
    factories.measure("DIE", title="Back-ups testen")
    factories.measure("UIT", title="Meldprocedure Uithoorn")
    login(client, assessed["ciso"].email, factories.PASSWORD)
    page = f"/compliance/DIE/{KEY}/5.24.01?thema=5"
    html = client.get(f"{page}&maatregel=meldprocedure").get_data(as_text=True)
    found = re.findall(r'action="/maatregelen/(\d+)/koppelen"', html)
    assert found == [str(wanted.id)]
    back = re.search(r'name="back" value="([^"]+)"', html)
    assert back is not None
    response = client.post(f"/maatregelen/{wanted.id}/koppelen", data={
        "csrf_token": csrf_token(client, page), "control": str(control.id), "version": str(wanted.version),
        "back": back.group(1).replace("&amp;", "&")})
    assert response.status_code == 302
    assert response.headers["Location"] == f"{page}#maatregelen"
    db.session.expire_all()
    assert [c.code for c in db.session.get(type(wanted), wanted.id).controls] == ["5.24.01"]
    section = client.get(page).get_data(as_text=True)
    assert "Meldprocedure herzien" in section[section.index('id="maatregelen"'):]
    # linked now, so no longer offered; and a foreign "back" is not followed
    again = client.get(f"{page}&maatregel=meldprocedure").get_data(as_text=True)
    assert "Geen maatregel gevonden" in again
    other = factories.measure("DIE", title="Nog een")
    elsewhere = client.post(f"/maatregelen/{other.id}/koppelen", data={
        "csrf_token": csrf_token(client, page), "control": str(control.id), "version": str(other.version),
        "back": "//evil.example/compliance/"})
    assert elsewhere.headers["Location"].endswith(f"/maatregelen/{other.id}#koppelingen")


def test_concern_control_reads_the_maatregelen_but_gets_no_link_search(client: FlaskClient, catalog: ControlCatalog,
                                                                        assessed: dict[str, Any]) -> None:
    cc = factories.user([("concern_control", "DUO")])
    factories.organisation("DIE", parent="DUO")
    login(client, cc.email, factories.PASSWORD)
    html = client.get(f"/compliance/DIE/{KEY}/5.24.01?maatregel=x").get_data(as_text=True)
    assert 'id="maatregelen"' in html and 'name="maatregel"' not in html and "/koppelen" not in html


def test_the_exports_follow_the_filter(client: FlaskClient, catalog: ControlCatalog, assessed: dict[str, Any]) -> None:
    login(client, assessed["ciso"].email, factories.PASSWORD)
    html = client.get(f"/compliance/DIE/{KEY}/vvt?eigenaar=Teamleider+ICT").get_data(as_text=True)
    link = re.search(r'href="([^"]+vvt\.xlsx[^"]*)"', html)
    assert link is not None and "eigenaar=Teamleider+ICT" in link.group(1)
    sheet = load_workbook(io.BytesIO(client.get(link.group(1).replace("&amp;", "&")).data)).active
    assert [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)] == ["5.24.01", "5.26"]
    everything = load_workbook(io.BytesIO(client.get(f"/compliance/DIE/{KEY}/vvt.xlsx").data)).active
    assert everything.max_row - 1 > 200
