from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select

from bio_register.database import utcnow
from bio_register.extensions import db
from bio_register.incidents.models import Incident, Status
from tests import factories
from tests.conftest import csrf_token, login


@pytest.fixture
def vo(client: FlaskClient):
    user = factories.user([("verbindingsofficier", "DIE")], name="Vera")
    login(client, user.email, factories.PASSWORD)
    return user


def _count() -> int:
    return db.session.scalar(select(func.count()).select_from(Incident))


def test_log_an_incident_with_only_the_essentials(client: FlaskClient, vo) -> None:
    token = csrf_token(client, "/incidenten/nieuw")
    response = client.post("/incidenten/nieuw", data={
        "csrf_token": token, "organisation": "DIE", "title": "Laptop gestolen uit auto",
        "description": "Laptop van Burgerzaken gestolen; schijf versleuteld.",
        "discovered_at": "2026-11-20T09:15", "is_datalek": "nee"})
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "DIE-2026-0001" in page and "Laptop gestolen uit auto" in page
    incident = db.session.scalars(select(Incident)).one()
    # 09:15 Amsterdam winter time is 08:15 UTC
    assert incident.discovered_at == dt.datetime(2026, 11, 20, 8, 15, tzinfo=dt.UTC)
    assert incident.created_by_id == vo.id and incident.status == Status.NIEUW


def test_form_errors_keep_what_was_typed_and_save_nothing(client: FlaskClient, vo) -> None:
    token = csrf_token(client, "/incidenten/nieuw")
    future = (utcnow() + dt.timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
    response = client.post("/incidenten/nieuw", data={
        "csrf_token": token, "organisation": "DIE", "title": "",
        "description": "Mijn zorgvuldig getypte omschrijving", "discovered_at": future,
        "occurred_at": "", "is_datalek": "ja", "category": "onbekend"})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Geef het incident een korte titel." in html
    assert "Mijn zorgvuldig getypte omschrijving" in html
    assert _count() == 0


def test_future_discovery_and_order_of_times_are_refused(client: FlaskClient, vo) -> None:
    token = csrf_token(client, "/incidenten/nieuw")
    future = (utcnow() + dt.timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
    html = client.post("/incidenten/nieuw", data={
        "csrf_token": token, "organisation": "DIE", "title": "T", "description": "D",
        "discovered_at": future, "is_datalek": "nee"}).get_data(as_text=True)
    assert "ligt in de toekomst" in html
    html = client.post("/incidenten/nieuw", data={
        "csrf_token": token, "organisation": "DIE", "title": "T", "description": "D",
        "discovered_at": "2026-11-01T10:00", "occurred_at": "2026-11-02T10:00", "is_datalek": "nee"}
    ).get_data(as_text=True)
    assert "niet optreden na het ontdekken" in html
    assert _count() == 0


def test_one_megabyte_description_is_refused_with_a_message(client: FlaskClient, vo) -> None:
    token = csrf_token(client, "/incidenten/nieuw")
    response = client.post("/incidenten/nieuw", data={
        "csrf_token": token, "organisation": "DIE", "title": "Groot", "description": "x" * 1_000_000,
        "discovered_at": "2026-11-01T10:00", "is_datalek": "nee"})
    assert response.status_code == 422
    assert "20000" in response.get_data(as_text=True) or "20.000" in response.get_data(as_text=True)
    assert _count() == 0


def test_ambiguous_autumn_time_asks_which_one(client: FlaskClient, vo) -> None:
    token = csrf_token(client, "/incidenten/nieuw")
    data = {"csrf_token": token, "organisation": "DIE", "title": "Storing", "description": "D",
            "discovered_at": "2025-10-26T02:30", "is_datalek": "nee"}
    response = client.post("/incidenten/nieuw", data=data)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "komt twee keer voor" in html and 'name="discovered_at_fold"' in html
    response = client.post("/incidenten/nieuw", data={**data, "discovered_at_fold": "1"})
    assert response.status_code == 302
    incident = db.session.scalars(select(Incident)).one()
    assert incident.discovered_at == dt.datetime(2025, 10, 26, 1, 30, tzinfo=dt.UTC)  # winter time


def test_nonexistent_spring_time_is_refused(client: FlaskClient, vo) -> None:
    token = csrf_token(client, "/incidenten/nieuw")
    response = client.post("/incidenten/nieuw", data={
        "csrf_token": token, "organisation": "DIE", "title": "T", "description": "D",
        "discovered_at": "2026-03-29T02:30", "is_datalek": "nee"})
    assert "bestaat niet" in response.get_data(as_text=True)
    assert _count() == 0


def test_cannot_log_for_another_organisation(client: FlaskClient, vo) -> None:
    factories.organisation("UIT")
    token = csrf_token(client, "/incidenten/nieuw")
    response = client.post("/incidenten/nieuw", data={
        "csrf_token": token, "organisation": "UIT", "title": "T", "description": "D",
        "discovered_at": "2026-11-01T10:00", "is_datalek": "nee"})
    assert response.status_code == 422
    assert _count() == 0


def test_edit_with_a_stale_version_tells_the_user_and_keeps_their_input(client: FlaskClient, vo) -> None:
    incident = factories.incident(actor=vo)
    form_page = client.get(f"/incidenten/{incident.id}/bewerken").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', form_page).group(1)
    version = re.search(r'name="version" type="hidden" value="(\d+)"', form_page).group(1)
    # someone else saves in between
    from bio_register.incidents import services

    services.update_incident(None, incident, {"title": "Titel van collega"}, incident.version)
    db.session.commit()
    data = {"csrf_token": token, "version": version, "title": "Mijn titel", "description": "Mijn omschrijving",
            "discovered_at": "2026-11-01T10:00", "is_datalek": "ja"}
    response = client.post(f"/incidenten/{incident.id}/bewerken", data=data)
    assert response.status_code == 409
    html = response.get_data(as_text=True)
    assert "iemand anders" in html.lower()
    assert "Mijn titel" in html and "Titel van collega" in html
    db.session.expire_all()
    assert db.session.get(Incident, incident.id).title == "Titel van collega"
    # after reviewing, saving again (with the version now on the form) goes through
    new_version = re.search(r'name="version" type="hidden" value="(\d+)"', html).group(1)
    response = client.post(f"/incidenten/{incident.id}/bewerken", data={**data, "version": new_version})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Incident, incident.id).title == "Mijn titel"


def test_status_buttons_follow_the_workflow(client: FlaskClient, vo) -> None:
    incident = factories.incident(actor=vo)
    page = client.get(f"/incidenten/{incident.id}").get_data(as_text=True)
    assert 'value="in_behandeling"' in page and 'value="afgehandeld"' not in page
    token = csrf_token(client, f"/incidenten/{incident.id}")
    ok = client.post(f"/incidenten/{incident.id}/status",
                     data={"csrf_token": token, "version": "1", "status": "in_behandeling"})
    assert ok.status_code == 302
    refused = client.post(f"/incidenten/{incident.id}/status",
                          data={"csrf_token": token, "version": "2", "status": "nieuw"})
    assert refused.status_code == 422
    assert "kan een incident niet" in refused.get_data(as_text=True)
    withdraw = client.post(f"/incidenten/{incident.id}/status",
                           data={"csrf_token": token, "version": "2", "status": "ingetrokken"})
    assert withdraw.status_code == 422 and "verplicht" in withdraw.get_data(as_text=True).lower()
    db.session.expire_all()
    assert db.session.get(Incident, incident.id).status == Status.IN_BEHANDELING


def test_timeline_shows_entries_and_status_changes_in_order(client: FlaskClient, vo) -> None:
    incident = factories.incident(actor=vo)
    token = csrf_token(client, f"/incidenten/{incident.id}")
    client.post(f"/incidenten/{incident.id}/tijdlijn",
                data={"csrf_token": token, "kind": "actie", "text": "Ontvanger gevraagd de mail te verwijderen"})
    client.post(f"/incidenten/{incident.id}/status",
                data={"csrf_token": token, "version": "1", "status": "in_behandeling"})
    html = client.get(f"/incidenten/{incident.id}").get_data(as_text=True)
    # newest first
    assert (html.index("Status gewijzigd: nieuw → in behandeling") < html.index("Ontvanger gevraagd")
            < html.index("Incident vastgelegd"))


def test_fg_may_add_timeline_entries_but_not_edit(client: FlaskClient) -> None:
    incident = factories.incident()
    fg = factories.user([("fg", "DIE")])
    login(client, fg.email, factories.PASSWORD)
    page = client.get(f"/incidenten/{incident.id}").get_data(as_text=True)
    assert "Toevoegen aan de tijdlijn" in page and "Bewerken" not in page
    assert client.get(f"/incidenten/{incident.id}/bewerken").status_code == 403
    token = csrf_token(client, f"/incidenten/{incident.id}")
    assert client.post(f"/incidenten/{incident.id}/tijdlijn",
                       data={"csrf_token": token, "kind": "besluit", "text": "Geen AP-melding nodig"}
                       ).status_code == 302
    assert client.post(f"/incidenten/{incident.id}/status",
                       data={"csrf_token": token, "version": "1", "status": "in_behandeling"}).status_code == 403


def test_html_in_free_text_is_shown_escaped(client: FlaskClient, vo) -> None:
    incident = factories.incident(actor=vo, title="<script>alert(1)</script>", description="<b>vet</b>")
    html = client.get(f"/incidenten/{incident.id}").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&lt;b&gt;vet&lt;/b&gt;" in html


def test_list_filters_search_and_paginates(client: FlaskClient, vo) -> None:
    factories.incident(actor=vo, title="Phishingmail ontvangen", is_datalek=False, category="phishing")
    factories.incident(actor=vo, title="Brief naar verkeerd adres", is_datalek=True)
    factories.incident("UIT", title="Uithoorn-incident")
    html = client.get("/incidenten").get_data(as_text=True)
    assert "Phishingmail" in html and "Brief naar" in html and "Uithoorn-incident" not in html
    html = client.get("/incidenten?datalek=ja").get_data(as_text=True)
    assert "Brief naar" in html and "Phishingmail" not in html
    html = client.get("/incidenten?q=phishingMAIL").get_data(as_text=True)
    assert "Phishingmail" in html and "Brief naar" not in html
    html = client.get("/incidenten?category=phishing&status=open").get_data(as_text=True)
    assert "Phishingmail" in html and "Brief naar" not in html
    html = client.get("/incidenten?status=bogus&severity=enorm").get_data(as_text=True)
    assert "Not a valid choice" in html or "geen geldige keuze" in html.lower() or "Phishingmail" in html


def test_list_pages_twenty_five_at_a_time(client: FlaskClient, vo) -> None:
    for i in range(27):
        factories.incident(actor=vo, title=f"Incident nummer {i:02d}")
    first = client.get("/incidenten?sort=title&order=asc").get_data(as_text=True)
    assert "Incident nummer 00" in first and "Incident nummer 26" not in first
    assert "Pagina 1 van 2" in first
    second = client.get("/incidenten?sort=title&order=asc&page=2").get_data(as_text=True)
    assert "Incident nummer 26" in second and "Incident nummer 00" not in second


def test_list_issues_a_fixed_number_of_queries(client: FlaskClient, vo, count_queries) -> None:
    factories.incident(actor=vo)
    with count_queries() as few:
        assert client.get("/incidenten").status_code == 200
    for _ in range(20):
        factories.incident(actor=vo)
    with count_queries() as many:
        assert client.get("/incidenten").status_code == 200
    assert many.count == few.count, many.statements


def test_detail_and_dashboard_issue_a_fixed_number_of_queries(client: FlaskClient, vo, count_queries) -> None:
    from bio_register.incidents import services

    incident = factories.incident(actor=vo, is_datalek=True)
    services.add_entry(vo, incident, "waarneming", "eerste")
    db.session.commit()
    with count_queries() as few:
        client.get(f"/incidenten/{incident.id}")
        client.get("/")
    for i in range(10):
        services.add_entry(vo, incident, "actie", f"stap {i}")
        factories.incident(actor=vo, is_datalek=True)
    db.session.commit()
    with count_queries() as many:
        client.get(f"/incidenten/{incident.id}")
        client.get("/")
    # ≤: with many datalekken the start page finds its ten running AP clocks the short way (breaches.urgent)
    assert many.count <= few.count, many.statements


def test_dashboard_shows_open_datalekken_with_hours_left(client: FlaskClient, vo) -> None:
    factories.incident(actor=vo, is_datalek=True, title="Lek met BSN", discovered_at=utcnow() - dt.timedelta(hours=10))
    factories.incident(actor=vo, is_datalek=True, title="Bijna", discovered_at=utcnow() - dt.timedelta(hours=52))
    html = client.get("/").get_data(as_text=True)
    assert "Lek met BSN" in html and "Tijd over" in html and "Uren over" not in html
    # past 48 hours in days and hours, below that in hours with a decimal comma
    assert re.search(r'class="hours-left">nog 2 dagen en 1[34] uur<', html)
    assert re.search(r'class="hours-left">nog (19,\d|20,0) uur<', html)


def test_other_organisations_incident_is_404_everywhere(client: FlaskClient, vo) -> None:
    other = factories.incident("UIT")
    assert client.get(f"/incidenten/{other.id}").status_code == 404
    assert client.get(f"/incidenten/{other.id}/bewerken").status_code == 404
    token = csrf_token(client, "/incidenten")
    assert client.post(f"/incidenten/{other.id}/tijdlijn", data={"csrf_token": token, "kind": "actie",
                                                                 "text": "x"}).status_code == 404
    assert client.get(f"/incidenten/{other.id + 1000}").status_code == 404


def test_export_csv_follows_the_filters(client: FlaskClient, vo) -> None:
    factories.incident(actor=vo, title="=HYPERLINK(\"http://x\")", is_datalek=True)
    factories.incident(actor=vo, title="Geen datalek", is_datalek=False)
    response = client.get("/incidenten/export.csv?datalek=ja")
    assert response.status_code == 200
    assert "attachment" in response.headers["Content-Disposition"]
    # the file name in Amsterdam time (UTC+1 in winter, +2 in summer), not in UTC
    stamp = re.search(r'filename="incidentregister-(\d{8}-\d{4})\.csv"',
                      response.headers["Content-Disposition"]).group(1)
    local_now = dt.datetime.now(ZoneInfo("Europe/Amsterdam")).replace(tzinfo=None)
    assert abs(dt.datetime.strptime(stamp, "%Y%m%d-%H%M") - local_now) < dt.timedelta(minutes=5)
    text = response.get_data().decode("utf-8-sig")
    assert "'=HYPERLINK" in text and "Geen datalek" not in text
    xlsx = client.get("/incidenten/export.xlsx")
    assert xlsx.status_code == 200 and xlsx.get_data()[:2] == b"PK"
