from __future__ import annotations

import datetime as dt
import re

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select

from bio_register.database import utcnow
from bio_register.extensions import db
from bio_register.measures import services
from bio_register.measures.models import Measure, MeasureStatus
from tests import factories
from tests.conftest import csrf_token, login
from tests.measures.conftest import CATALOG


@pytest.fixture
def vo(client: FlaskClient):
    user = factories.user([("verbindingsofficier", "DIE")], name="Vera")
    login(client, user.email, factories.PASSWORD)
    return user


def _count() -> int:
    return db.session.scalar(select(func.count()).select_from(Measure)) or 0


def _today() -> dt.date:
    return services.local_today()


def _late(org: str = "DIE", **overrides) -> Measure:
    """A measure created ten days ago that was due yesterday (Amsterdam)."""
    return factories.measure(org, now=utcnow() - dt.timedelta(days=10),
                             due_date=_today() - dt.timedelta(days=1), **overrides)


def _form(html: str) -> dict[str, str]:
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)
    out = {"csrf_token": token}
    version = re.search(r'name="version" type="hidden" value="(\d+)"', html)
    if version:
        out["version"] = version.group(1)
    return out


def test_create_a_measure_with_owner_and_due_date(client: FlaskClient, vo) -> None:
    token = csrf_token(client, "/maatregelen/nieuw")
    due = _today() + dt.timedelta(days=30)
    response = client.post("/maatregelen/nieuw", data={
        "csrf_token": token, "organisation": "DIE", "title": "MFA op alle VPN-accounts",
        "owner": "Teamleider ICT", "due_date": due.isoformat(), "description": "Ook voor externe beheerders."})
    assert response.status_code == 302
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "MFA op alle VPN-accounts" in html and "Teamleider ICT" in html and due.strftime("%d-%m-%Y") in html
    measure = db.session.scalars(select(Measure)).one()
    assert measure.created_by_id == vo.id and measure.status == MeasureStatus.GEPLAND


def test_due_before_creation_gives_a_clear_message_and_saves_nothing(client: FlaskClient, vo) -> None:
    token = csrf_token(client, "/maatregelen/nieuw")
    yesterday = _today() - dt.timedelta(days=1)
    response = client.post("/maatregelen/nieuw", data={
        "csrf_token": token, "organisation": "DIE", "title": "Mijn getypte titel",
        "due_date": yesterday.strftime("%d-%m-%Y")})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Een maatregel kan niet eerder klaar moeten zijn dan hij is aangemaakt" in html
    assert "Mijn getypte titel" in html
    assert _count() == 0
    response = client.post("/maatregelen/nieuw", data={
        "csrf_token": token, "organisation": "DIE", "title": "T", "due_date": "31-02-2026"})
    assert response.status_code == 422 and "Geen geldige datum" in response.get_data(as_text=True)
    assert _count() == 0


def test_measure_taken_from_the_incident_page(client: FlaskClient, vo) -> None:
    incident = factories.incident("DIE", title="Phishing bij Burgerzaken")
    page = client.get(f"/incidenten/{incident.id}").get_data(as_text=True)
    assert f"/maatregelen/nieuw?incident={incident.id}" in page and "Maatregel toevoegen" in page
    url = f"/maatregelen/nieuw?incident={incident.id}"
    form = client.get(url).get_data(as_text=True)
    assert incident.reference in form
    response = client.post(url, data={"csrf_token": csrf_token(client, url), "organisation": "DIE",
                                      "title": "Phishing-training voor Burgerzaken"})
    assert response.status_code == 302
    measure = db.session.scalars(select(Measure)).one()
    assert [i.id for i in measure.incidents] == [incident.id]
    page = client.get(f"/incidenten/{incident.id}").get_data(as_text=True)
    assert "Phishing-training voor Burgerzaken" in page and f"/maatregelen/{measure.id}" in page
    detail = client.get(f"/maatregelen/{measure.id}").get_data(as_text=True)
    assert incident.reference in detail


def test_incident_page_marks_overdue_measures(client: FlaskClient, vo) -> None:
    incident = factories.incident("DIE")
    _late(title="Te laat", incidents=[incident.id])
    page = client.get(f"/incidenten/{incident.id}").get_data(as_text=True)
    section = page.split('id="maatregelen"')[1].split("</section>")[0]
    assert "Te laat" in section and "achterstallig" in section


def test_another_organisations_incident_cannot_be_preselected(client: FlaskClient, vo) -> None:
    other = factories.incident("UIT")
    assert client.get(f"/maatregelen/nieuw?incident={other.id}").status_code == 404
    assert client.get("/maatregelen/nieuw?incident=abc").status_code == 404
    token = csrf_token(client, "/maatregelen/nieuw")
    response = client.post(f"/maatregelen/nieuw?incident={other.id}",
                           data={"csrf_token": token, "organisation": "DIE", "title": "T"})
    assert response.status_code == 404
    assert _count() == 0


def test_an_incident_read_where_one_may_not_add_measures_is_403(client: FlaskClient) -> None:
    """Verbindingsofficier in Diemen, FG in Uithoorn: reads Uithoorn's incident, adds no measure to it."""
    other = factories.incident("UIT")
    user = factories.user([("verbindingsofficier", "DIE"), ("fg", "UIT")])
    login(client, user.email, factories.PASSWORD)
    assert client.get(f"/maatregelen/nieuw?incident={other.id}").status_code == 403
    token = csrf_token(client, "/maatregelen/nieuw")
    response = client.post(f"/maatregelen/nieuw?incident={other.id}",
                           data={"csrf_token": token, "organisation": "UIT", "title": "T"})
    assert response.status_code == 403
    assert _count() == 0


def test_edit_links_controls_by_catalog_and_code(client: FlaskClient, vo, controls) -> None:
    measure = factories.measure("DIE")
    url = f"/maatregelen/{measure.id}/bewerken"
    html = client.get(url).get_data(as_text=True)
    assert CATALOG in html
    data = {**_form(html), "title": measure.title, "owner": "Teamleider ICT",
            "control_catalog": CATALOG, "control_codes": "5.24.03, 5.25"}
    response = client.post(url, data=data)
    assert response.status_code == 302, response.get_data(as_text=True)
    detail = client.get(f"/maatregelen/{measure.id}").get_data(as_text=True)
    assert f"{CATALOG} 5.24.03" in detail and f"{CATALOG} 5.25" in detail
    # unchecking one keeps the other
    html = client.get(url).get_data(as_text=True)
    response = client.post(url, data={**_form(html), "title": measure.title,
                                      "keep_controls": [str(controls["5.25"].id)]})
    assert response.status_code == 302
    db.session.expire_all()
    assert [c.code for c in db.session.get(Measure, measure.id).controls] == ["5.25"]


def test_an_unknown_control_is_refused_with_a_clear_message(client: FlaskClient, vo, controls) -> None:
    measure = factories.measure("DIE")
    url = f"/maatregelen/{measure.id}/bewerken"
    html = client.get(url).get_data(as_text=True)
    response = client.post(url, data={**_form(html), "title": "Gewijzigde titel", "control_catalog": CATALOG,
                                      "control_codes": "5.99.01"})
    assert response.status_code == 422
    assert f"Nummer „5.99.01” komt niet voor in catalogus {CATALOG}." in response.get_data(as_text=True)
    response = client.post(url, data={**_form(html), "title": "Gewijzigde titel", "control_catalog": "BIO-0.1",
                                      "control_codes": "5.24"})
    assert response.status_code == 422
    assert "Onbekende catalogus „BIO-0.1”." in response.get_data(as_text=True)
    db.session.expire_all()
    stored = db.session.get(Measure, measure.id)
    assert stored.title == measure.title and stored.controls == [] and stored.version == 1


def test_edit_links_incidents_by_reference_but_not_another_organisations(client: FlaskClient, vo) -> None:
    mine, other = factories.incident("DIE"), factories.incident("UIT")
    measure = factories.measure("DIE")
    url = f"/maatregelen/{measure.id}/bewerken"
    html = client.get(url).get_data(as_text=True)
    response = client.post(url, data={**_form(html), "title": measure.title, "add_incidents": other.reference})
    assert response.status_code == 422
    assert "bestaat niet of hoort niet bij deze organisatie" in response.get_data(as_text=True)
    response = client.post(url, data={**_form(html), "title": measure.title, "add_incidents": mine.reference})
    assert response.status_code == 302
    db.session.expire_all()
    assert [i.id for i in db.session.get(Measure, measure.id).incidents] == [mine.id]


def test_edit_with_a_stale_version_is_409_and_keeps_the_input(client: FlaskClient, vo) -> None:
    measure = factories.measure("DIE", title="Origineel")
    url = f"/maatregelen/{measure.id}/bewerken"
    data = _form(client.get(url).get_data(as_text=True))
    services.update_measure(None, measure, {"title": "Van een collega"}, 1)
    db.session.commit()
    response = client.post(url, data={**data, "title": "Mijn versie"})
    assert response.status_code == 409
    html = response.get_data(as_text=True)
    assert "iemand anders was u voor" in html and "Van een collega" in html and "Mijn versie" in html
    assert 'name="version" type="hidden" value="2"' in html
    # a second save, after review, goes through against the current version
    response = client.post(url, data={**_form(html), "title": "Mijn versie"})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Measure, measure.id).title == "Mijn versie"


def test_status_buttons_move_the_measure_and_refuse_a_jump(client: FlaskClient, vo) -> None:
    measure = factories.measure("DIE")
    detail = client.get(f"/maatregelen/{measure.id}").get_data(as_text=True)
    assert "Starten (in uitvoering)" in detail and "Laten vervallen" in detail and "Gereed melden" not in detail
    token = csrf_token(client, f"/maatregelen/{measure.id}")
    url = f"/maatregelen/{measure.id}/status"
    response = client.post(url, data={"csrf_token": token, "version": "1", "status": "gereed"})
    assert response.status_code == 422
    assert "Van „gepland” kan een maatregel niet naar „gereed”." in response.get_data(as_text=True)
    assert client.post(url, data={"csrf_token": token, "version": "1", "status": "in_uitvoering"}).status_code == 302
    assert client.post(url, data={"csrf_token": token, "version": "2", "status": "gereed"}).status_code == 302
    db.session.expire_all()
    stored = db.session.get(Measure, measure.id)
    assert stored.status == MeasureStatus.GEREED and stored.completed_at is not None
    detail = client.get(f"/maatregelen/{measure.id}").get_data(as_text=True)
    assert "Heropenen" in detail and "gereed" in detail
    stale = client.post(url, data={"csrf_token": token, "version": "1", "status": "in_uitvoering"})
    assert stale.status_code == 409


def test_the_list_marks_overdue_measures_with_a_badge_and_filters_them(client: FlaskClient, vo) -> None:
    _late(title="Logging inrichten")
    factories.measure("DIE", title="Wachtwoordbeleid", due_date=_today())
    html = client.get("/maatregelen").get_data(as_text=True)
    rows = {m.group(2): m.group(1) for m in re.finditer(r'<tr( class="overdue")?>\s*<td><a [^>]+>([^<]+)</a>', html)}
    assert rows == {"Logging inrichten": ' class="overdue"', "Wachtwoordbeleid": None}
    row = html.split("Logging inrichten")[1].split("</tr>")[0]
    assert '<span class="badge badge-overdue">achterstallig</span>' in row
    assert "achterstallig" not in html.split("Wachtwoordbeleid")[1].split("</tr>")[0]
    html = client.get("/maatregelen?overdue=ja").get_data(as_text=True)
    assert "Logging inrichten" in html and "Wachtwoordbeleid" not in html


def test_dashboard_lists_overdue_measures(client: FlaskClient, vo) -> None:
    _late(title="Back-up testen")
    factories.measure("DIE", title="Nog op tijd", due_date=_today())
    _late("UIT", title="Van Uithoorn")
    html = client.get("/").get_data(as_text=True)
    section = html.split('id="overdue-heading"')[1].split("</section>")[0]
    assert "Achterstallige maatregelen" in html
    assert "Back-up testen" in section and "achterstallig" in section
    assert "Nog op tijd" not in section and "Van Uithoorn" not in section


def test_another_organisations_measure_is_404_everywhere(client: FlaskClient, vo) -> None:
    other = factories.measure("UIT")
    token = csrf_token(client, "/maatregelen")
    assert client.get(f"/maatregelen/{other.id}").status_code == 404
    assert client.get(f"/maatregelen/{other.id}/bewerken").status_code == 404
    assert client.post(f"/maatregelen/{other.id}/status",
                       data={"csrf_token": token, "version": "1", "status": "vervallen"}).status_code == 404
    assert client.get(f"/maatregelen/{other.id + 1000}").status_code == 404
    assert "MFA" not in client.get("/maatregelen").get_data(as_text=True)


def test_fg_reads_but_does_not_write(client: FlaskClient) -> None:
    incident = factories.incident("DIE")
    measure = factories.measure("DIE", incidents=[incident.id])
    fg = factories.user([("fg", "DIE")])
    login(client, fg.email, factories.PASSWORD)
    assert "Maatregelen" in client.get("/").get_data(as_text=True)
    assert client.get("/maatregelen").status_code == 200
    detail = client.get(f"/maatregelen/{measure.id}").get_data(as_text=True)
    assert measure.title in detail and "Bewerken" not in detail and "Starten" not in detail
    assert client.get(f"/maatregelen/{measure.id}/bewerken").status_code == 403
    assert client.get("/maatregelen/nieuw").status_code == 403
    token = csrf_token(client, "/maatregelen")
    assert client.post(f"/maatregelen/{measure.id}/status",
                       data={"csrf_token": token, "version": "1", "status": "vervallen"}).status_code == 403
    page = client.get(f"/incidenten/{incident.id}").get_data(as_text=True)
    assert measure.title in page and "/maatregelen/nieuw" not in page


def test_concern_control_reads_every_organisation(client: FlaskClient) -> None:
    factories.measure("DIE", title="Diemen doet iets")
    uit = factories.measure("UIT", title="Uithoorn doet iets")
    cc = factories.user([("concern_control", "DUO")])
    login(client, cc.email, factories.PASSWORD)
    html = client.get("/maatregelen").get_data(as_text=True)
    assert "Diemen doet iets" in html and "Uithoorn doet iets" in html
    assert client.get(f"/maatregelen/{uit.id}").status_code == 200
    assert client.get(f"/maatregelen/{uit.id}/bewerken").status_code == 403
    assert "Maatregel toevoegen" not in html


def test_list_issues_a_fixed_number_of_queries(client: FlaskClient, vo, controls, count_queries) -> None:
    incident = factories.incident("DIE")
    factories.measure("DIE", incidents=[incident.id], controls=[(CATALOG, "5.24")])
    with count_queries() as few:
        assert client.get("/maatregelen").status_code == 200
    for i in range(15):
        other = factories.incident("DIE")
        factories.measure("DIE", title=f"Maatregel {i}", incidents=[other.id, incident.id],
                          controls=[(CATALOG, "5.24.03"), (CATALOG, "5.25")])
    with count_queries() as many:
        assert client.get("/maatregelen").status_code == 200
    assert many.count == few.count, many.statements


def test_detail_issues_a_fixed_number_of_queries(client: FlaskClient, vo, controls, count_queries) -> None:
    measure = factories.measure("DIE", controls=[(CATALOG, "5.24")])
    with count_queries() as few:
        client.get(f"/maatregelen/{measure.id}")
    for _ in range(5):
        services.link_incident(vo, measure, factories.incident("DIE"))
    services.update_measure(vo, measure, {"controls": [(CATALOG, "5.24"), (CATALOG, "5.25")]}, None)
    db.session.commit()
    with count_queries() as many:
        client.get(f"/maatregelen/{measure.id}")
    assert many.count == few.count, many.statements


def test_huge_numbers_in_the_url_are_404_or_empty_not_a_500(client: FlaskClient, vo) -> None:
    factories.measure("DIE", title="Zichtbaar")
    assert client.get("/maatregelen/nieuw?incident=100000000000").status_code == 404
    html = client.get("/maatregelen?incident=100000000000&control=99999999999999999999").get_data(as_text=True)
    assert "Zichtbaar" not in html and "0 maatregelen gevonden" in html


# --- linking a beheersmaatregel by searching its number or title ---------------------------------------------

def test_link_a_control_found_by_its_number_or_title(client: FlaskClient, vo) -> None:
    from tests.measures.conftest import add_controls

    controls = add_controls(codes=("5.24", "5.24.03", "5.25", "5.2"))
    controls["5.25"].title_nl = "Beoordeling van en besluitvorming over informatiebeveiligingsgebeurtenissen"
    db.session.commit()
    measure = factories.measure("DIE", actor=vo)
    page = f"/maatregelen/{measure.id}"
    html = client.get(f"{page}?zoek=5.24").get_data(as_text=True)
    found = re.findall(r'name="control" value="(\d+)"', html)
    # the number and what hangs below it; not 5.25, nor 5.2
    assert found == [str(controls["5.24"].id), str(controls["5.24.03"].id)]
    by_title = client.get(f"{page}?zoek=BESLUITVORMING+gebeurtenissen").get_data(as_text=True)
    assert re.findall(r'name="control" value="(\d+)"', by_title) == [str(controls["5.25"].id)]
    assert "Niets gevonden voor „onzin”." in client.get(f"{page}?zoek=onzin").get_data(as_text=True)

    token = csrf_token(client, page)
    response = client.post(f"{page}/koppelen", data={"csrf_token": token, "control": str(controls["5.24.03"].id),
                                                    "version": str(measure.version)})
    assert response.status_code == 302 and response.headers["Location"].endswith("#koppelingen")
    db.session.expire_all()
    assert [c.code for c in db.session.get(Measure, measure.id).controls] == ["5.24.03"]
    after = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "BIO2-T 5.24.03 is gekoppeld aan" in after
    # once linked, it is no longer offered
    again = client.get(f"{page}?zoek=5.24").get_data(as_text=True)
    assert re.findall(r'name="control" value="(\d+)"', again) == [str(controls["5.24"].id)]


def test_linking_an_unknown_control_or_a_stale_version_is_refused(client: FlaskClient, vo) -> None:
    from tests.measures.conftest import add_controls

    controls = add_controls()
    measure = factories.measure("DIE", actor=vo)
    page = f"/maatregelen/{measure.id}"
    token = csrf_token(client, page)
    unknown = client.post(f"{page}/koppelen", data={"csrf_token": token, "control": "999999",
                                                   "version": str(measure.version)})
    assert unknown.status_code == 422 and "bestaat niet" in unknown.get_data(as_text=True)
    stale = client.post(f"{page}/koppelen", data={"csrf_token": token, "control": str(controls["5.25"].id),
                                                 "version": str(measure.version + 5)})
    assert stale.status_code == 409
    db.session.expire_all()
    assert db.session.get(Measure, measure.id).controls == []


def test_only_who_may_edit_the_measure_gets_the_search(client: FlaskClient) -> None:
    measure = factories.measure("DIE")
    fg = factories.user([("fg", "DIE")])
    login(client, fg.email, factories.PASSWORD)
    html = client.get(f"/maatregelen/{measure.id}?zoek=5.24").get_data(as_text=True)
    assert 'name="zoek"' not in html and "/koppelen" not in html
