from __future__ import annotations

import datetime as dt
import io

import pytest
from flask.testing import FlaskClient
from openpyxl import load_workbook

from bio_register.extensions import db
from bio_register.processing import services
from bio_register.processing.models import ProcessingActivity, ProcessingStatus
from tests import factories
from tests.conftest import csrf_token, login


@pytest.fixture
def fg(client: FlaskClient):
    user = factories.user([("fg", "DIE")], name="Femke")
    login(client, user.email, factories.PASSWORD)
    return user


def test_the_fg_records_a_verwerking_with_a_verwerker(client: FlaskClient, fg) -> None:
    processor = factories.processor("DIE", name="Pink Roccade")
    token = csrf_token(client, "/verwerkingen/nieuw")
    response = client.post("/verwerkingen/nieuw", data={
        "csrf_token": token, "organisation": "DIE", "name": "Jeugdhulp", "purpose": "Toegang tot jeugdhulp",
        "legal_basis": "wettelijke_verplichting", "subject_categories": ["kinderen", "clienten_sociaal_domein"],
        "special_categories": ["gezondheid"], "art9_ground": "zorg", "bsn": "y", "status": "actief",
        "processors": [str(processor.id)], "dpia_required": "y", "dpia_done": "y", "dpia_date": "01-03-2026",
        "dpia_link": "https://dms.diemen.example/dpia/jeugd"})
    assert response.status_code == 302, response.get_data(as_text=True)
    activity = db.session.get(ProcessingActivity, int(response.location.rsplit("/", 1)[1]))
    assert activity.status == ProcessingStatus.ACTIEF and activity.bsn
    assert activity.dpia_date == dt.date(2026, 3, 1)
    html = client.get(response.location).get_data(as_text=True)
    assert "Jeugdhulp" in html and "Pink Roccade" in html and "h. gezondheidszorg" in html
    assert "Cliënten sociaal domein" in html and "01-03-2026" in html


def test_special_categories_without_ground_show_the_message_on_the_form(client: FlaskClient, fg) -> None:
    token = csrf_token(client, "/verwerkingen/nieuw")
    response = client.post("/verwerkingen/nieuw", data={
        "csrf_token": token, "organisation": "DIE", "name": "WMO", "purpose": "Maatwerkvoorzieningen",
        "legal_basis": "wettelijke_verplichting", "special_categories": ["gezondheid"], "status": "concept"})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "uitzonderingsgrond uit art. 9 lid 2" in html
    assert db.session.query(ProcessingActivity).count() == 0


def test_edit_with_a_stale_version_keeps_the_input_and_answers_409(client: FlaskClient, fg) -> None:
    activity = factories.processing_activity()
    services.update_activity(None, activity, {"owner": "Iemand anders"}, 1)
    db.session.commit()
    token = csrf_token(client, f"/verwerkingen/{activity.id}/bewerken")
    response = client.post(f"/verwerkingen/{activity.id}/bewerken", data={
        "csrf_token": token, "version": "1", "name": "BRP (mijn versie)", "purpose": activity.purpose,
        "legal_basis": "wettelijke_verplichting", "status": "concept"})
    assert response.status_code == 409
    html = response.get_data(as_text=True)
    assert "Iemand anders heeft dit intussen opgeslagen" in html and "BRP (mijn versie)" in html
    db.session.refresh(activity)
    assert activity.name == "Basisregistratie Personen"


def test_list_filters_by_status_legal_basis_and_search(client: FlaskClient, fg) -> None:
    factories.processing_activity(name="Basisregistratie Personen", status="actief")
    factories.processing_activity(name="Parkeervergunningen", purpose="Vergunningen voor parkeren",
                                  legal_basis="algemeen_belang")
    factories.processing_activity("UIT", name="Uithoorns geheim")
    html = client.get("/verwerkingen").get_data(as_text=True)
    assert "2 verwerkingen gevonden" in html and "Uithoorns geheim" not in html
    html = client.get("/verwerkingen?status=actief").get_data(as_text=True)
    assert "Basisregistratie Personen" in html and "Parkeervergunningen" not in html
    html = client.get("/verwerkingen?legal_basis=algemeen_belang").get_data(as_text=True)
    assert "Parkeervergunningen" in html and "Basisregistratie Personen" not in html
    html = client.get("/verwerkingen?q=parkeren").get_data(as_text=True)
    assert "1 verwerking gevonden" in html


def test_the_fg_sees_agreements_that_need_attention(client: FlaskClient, fg) -> None:
    yesterday = services.local_today() - dt.timedelta(days=1)
    factories.processor(name="Zonder overeenkomst", agreement_signed=False)
    factories.processor(name="Verlopen bv", agreement_expires_on=yesterday)
    factories.processor(name="In orde bv", agreement_expires_on=yesterday + dt.timedelta(days=400))
    html = client.get("/verwerkers").get_data(as_text=True)
    section = html.split("Verwerkersovereenkomsten die aandacht vragen", 1)[1].split("Alle verwerkers", 1)[0]
    assert "Zonder overeenkomst" in section and "geen getekende verwerkersovereenkomst" in section
    assert "Verlopen bv" in section and "verwerkersovereenkomst verlopen" in section
    assert "In orde bv" not in section


def test_a_verbindingsofficier_reads_but_gets_no_edit_button(client: FlaskClient) -> None:
    activity = factories.processing_activity()
    user = factories.user([("verbindingsofficier", "DIE")])
    login(client, user.email, factories.PASSWORD)
    html = client.get(f"/verwerkingen/{activity.id}").get_data(as_text=True)
    assert "Basisregistratie Personen" in html and f"/verwerkingen/{activity.id}/bewerken" not in html
    assert ">Verwerkingen</a>" in client.get("/").get_data(as_text=True)


def test_a_medewerker_has_no_menu_item(client: FlaskClient) -> None:
    user = factories.user([("medewerker", "DIE")])
    login(client, user.email, factories.PASSWORD)
    assert ">Verwerkingen</a>" not in client.get("/melden").get_data(as_text=True)


def test_export_xlsx_and_csv_in_dutch(client: FlaskClient, fg) -> None:
    processor = factories.processor()
    factories.processing_activity(processors=[processor.id], special_categories=["gezondheid"], art9_ground="zorg")
    factories.processing_activity("UIT", name="Niet van Diemen")
    response = client.get("/verwerkingen/export.xlsx")
    assert response.status_code == 200 and "verwerkingsregister-" in response.headers["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(response.data)).active
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    assert rows[0][:4] == ["Organisatie", "Naam", "Doel", "Grondslag (art. 6 AVG)"]
    assert len(rows) == 2
    assert rows[1][1] == "Basisregistratie Personen" and rows[1][3] == "c. wettelijke verplichting"
    assert "Centric" in rows[1] and "ja" in rows[1]
    csv = client.get("/verwerkingen/export.csv?q=basis").data.decode("utf-8-sig")
    assert csv.splitlines()[0].startswith("Organisatie;Naam;Doel")
    assert "Gezondheid" in csv and "Niet van Diemen" not in csv


def test_list_pages_issue_a_fixed_number_of_queries(client: FlaskClient, fg, count_queries) -> None:
    factories.processing_activity(processors=[factories.processor().id])
    with count_queries() as few:
        assert client.get("/verwerkingen").status_code == 200
    with count_queries() as few_processors:
        assert client.get("/verwerkers").status_code == 200
    for i in range(12):
        p = factories.processor(name=f"Verwerker {i}", agreement_signed=bool(i % 2))
        factories.processing_activity(name=f"Verwerking {i}", processors=[p.id])
    with count_queries() as many:
        assert client.get("/verwerkingen").status_code == 200
    with count_queries() as many_processors:
        assert client.get("/verwerkers").status_code == 200
    assert many.count == few.count, many.statements
    assert many_processors.count == few_processors.count, many_processors.statements


def test_more_agreements_needing_attention_than_shown_link_to_the_filtered_list(client: FlaskClient, fg) -> None:
    for i in range(22):
        factories.processor(name=f"Zonder {i:02d}", agreement_signed=False)
    factories.processor(name="Getekend bv")
    html = client.get("/verwerkers").get_data(as_text=True)
    assert "Alle verwerkers die aandacht vragen" in html
    filtered = client.get("/verwerkers?aandacht=ja").get_data(as_text=True)
    assert "22 verwerkers gevonden" in filtered and "Getekend bv" not in filtered
