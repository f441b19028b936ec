"""The import pages end to end with the test client: upload → map → preview → import."""

from __future__ import annotations

import io
import re

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select

from bio_register.extensions import db
from bio_register.imports.models import ImportMapping, PendingImport
from bio_register.incidents.models import Incident
from tests import factories
from tests.conftest import csrf_token, login
from tests.imports import sheets

UPLOAD = "/incidenten/importeren"


def as_officer(client: FlaskClient, org: str = "DIE"):
    for code in ("DIE", "UIT"):
        factories.organisation(code)
    user = factories.user([("verbindingsofficier", org)])
    login(client, user.email, factories.PASSWORD)
    return user


def upload(client: FlaskClient, data: bytes, name: str = "register.xlsx", org: str = "DIE"):
    token = csrf_token(client, UPLOAD)
    return client.post(UPLOAD, data={"csrf_token": token, "organisation": org, "file": (io.BytesIO(data), name)},
                       content_type="multipart/form-data")


def raw_upload(client: FlaskClient, data: bytes, name: str):
    """A large upload with a body built here: the test client would spool it to a temporary file
    that it never closes."""
    token = csrf_token(client, UPLOAD)
    body = (f'--b\r\nContent-Disposition: form-data; name="csrf_token"\r\n\r\n{token}\r\n'
            '--b\r\nContent-Disposition: form-data; name="organisation"\r\n\r\nDIE\r\n'
            f'--b\r\nContent-Disposition: form-data; name="file"; filename="{name}"\r\n'
            'Content-Type: text/csv\r\n\r\n').encode() + data + b"\r\n--b--\r\n"
    return client.post(UPLOAD, data=body, content_type="multipart/form-data; boundary=b")


def form_fields(html: str) -> dict[str, str]:
    """What the browser would send back from the mapping page: each select's selected option."""
    out = {}
    for name, body in re.findall(r'<select id="[^"]+" name="([^"]+)">(.*?)</select>', html, re.S):
        selected = re.search(r'<option value="([^"]*)" selected>', body)
        out[name] = selected.group(1) if selected else ""
    out.update(dict(re.findall(r'<input type="hidden" name="(catvalue-\d+)" value="([^"]*)">', html)))
    return out


def count() -> int:
    return db.session.scalar(select(func.count()).select_from(Incident)) or 0


def test_one_incident_is_counted_in_the_singular(client: FlaskClient) -> None:
    as_officer(client)
    columns_url = upload(client, sheets.xlsx(sheets.ROWS[2:])).headers["Location"]
    fields = form_fields(client.get(columns_url).get_data(as_text=True))
    mapped = client.post(columns_url, data={"csrf_token": csrf_token(client, columns_url), **fields})
    check_url = mapped.headers["Location"]
    run_url = re.search(r'action="([^"]+/importeren)"', client.get(check_url).get_data(as_text=True)).group(1)
    done = client.post(run_url, data={"csrf_token": csrf_token(client, check_url)}).get_data(as_text=True)
    assert ("1 incident uit register.xlsx is vastgelegd voor Gemeente Diemen, waarvan 1 datalek en "
            "1 besluit over de AP-melding.") in done


def test_the_whole_flow(client: FlaskClient) -> None:
    as_officer(client)
    response = upload(client, sheets.xlsx(sheets.ROWS))
    assert response.status_code == 302
    columns_url = response.headers["Location"]
    page = client.get(columns_url)
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "Kolommen koppelen" in html
    fields = form_fields(html)
    assert fields["col-original_reference"] == "Nr." and fields["col-discovered_at"] == "Datum ontdekt"
    assert fields["catvalue-0"] == "Brief verkeerd adres" and fields["cat-0"] == "post_verkeerde_ontvanger"
    response = client.post(columns_url, data={"csrf_token": csrf_token(client, columns_url), **fields})
    assert response.status_code == 302 and response.headers["Location"].endswith("/controle")
    preview = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Alle 3 rijen zijn in orde." in preview and "Brief met BSN" in preview
    run_url = re.search(r'action="([^"]+/importeren)"', preview).group(1)
    done = client.post(run_url, data={"csrf_token": csrf_token(client, response.headers["Location"])})
    html = done.get_data(as_text=True)
    assert done.status_code == 200
    assert "3 incidenten uit register.xlsx zijn vastgelegd voor Gemeente Diemen" in html
    assert "DIE-2021-0001 … DIE-2021-0002" in html
    assert ", waarvan 2 datalekken en 2 besluiten over de AP-melding." in html
    assert count() == 3
    assert db.session.scalar(select(func.count()).select_from(PendingImport)) == 0
    assert db.session.scalar(select(ImportMapping)).columns["original_reference"] == "Nr."
    # the incident page and the export show the original number
    incident = db.session.scalar(select(Incident).where(Incident.original_reference == "2022-001"))
    assert "2022-001" in client.get(f"/incidenten/{incident.id}").get_data(as_text=True)
    assert "2022-001" in client.get("/incidenten/export.csv").get_data(as_text=True)
    # the pending upload is gone: its pages answer 404
    assert client.get(columns_url).status_code == 404


def test_preview_shows_problems_and_offers_no_import(client: FlaskClient) -> None:
    as_officer(client)
    rows = [*sheets.ROWS, [None] * 9, ["2021-003", "32-13-2021", "Kapot", "nee", "", "", "", "", ""]]
    columns_url = upload(client, sheets.xlsx(rows)).headers["Location"]
    check_url = columns_url.replace("/kolommen", "/controle")
    html = client.get(check_url).get_data(as_text=True)
    assert "Rij 6, kolom B (Datum ontdekt): „32-13-2021” is geen bestaande datum of tijd." in html
    assert "Rij 5 is leeg en is overgeslagen." in html
    assert "alle rijen importeren" not in html
    # posting the import anyway imports nothing and names the problem again
    run_url = columns_url.replace("/kolommen", "/importeren")
    response = client.post(run_url, data={"csrf_token": csrf_token(client, check_url)})
    assert response.status_code == 422 and "32-13-2021" in response.get_data(as_text=True)
    assert count() == 0


def test_a_csv_in_windows_1252(client: FlaskClient) -> None:
    as_officer(client)
    data = sheets.csv_bytes([["9", "03-03-2021", "Dossier Boëtius zoek", "nee", "", "", "", "", ""]],
                            encoding="cp1252")
    columns_url = upload(client, data, "register.csv").headers["Location"]
    html = client.get(columns_url.replace("/kolommen", "/controle")).get_data(as_text=True)
    assert "Dossier Boëtius zoek" in html and "Windows-1252" in html


@pytest.mark.parametrize(("data", "name", "message"), [
    (sheets.xlsx([["1", "=TODAY()"]], ["Nr.", "Datum ontdekt"]), "f.xlsx", "Rij 2, kolom B: een formule"),
    (sheets.xlsx([["1", "a", "b"]], ["Nr.", "Datum", None], merge="B1:C1"), "m.xlsx", "Rij 1, kolom B–C"),
])
def test_formula_and_merged_header_are_named_in_the_preview(client: FlaskClient, data: bytes, name: str,
                                                            message: str) -> None:
    as_officer(client)
    columns_url = upload(client, data, name).headers["Location"]
    assert message in client.get(columns_url.replace("/kolommen", "/controle")).get_data(as_text=True)


def test_unreadable_or_too_large_files_are_refused_on_the_upload_page(client: FlaskClient, app) -> None:
    as_officer(client)
    response = upload(client, b"%PDF-1.4", "register.pdf")
    assert response.status_code == 422 and "Gebruik een .xlsx- of .csv-bestand." in response.get_data(as_text=True)
    response = raw_upload(client, b"x" * (11 * 1024 * 1024), "groot.csv")
    assert response.status_code == 422 and "de grens is 10 MB" in response.get_data(as_text=True)
    response = raw_upload(client, b"x" * (50 * 1024 * 1024), "heel-groot.csv")
    html = response.get_data(as_text=True)
    assert response.status_code == 413 and "Het bestand is te groot om te versturen" in html
    assert db.session.scalar(select(func.count()).select_from(PendingImport)) == 0


def test_no_csrf_token_no_upload(client: FlaskClient) -> None:
    as_officer(client)
    response = client.post(UPLOAD, data={"organisation": "DIE", "file": (io.BytesIO(b"a;b\n"), "x.csv")},
                           content_type="multipart/form-data")
    assert response.status_code == 400
    assert db.session.scalar(select(func.count()).select_from(PendingImport)) == 0


def test_another_organisation_cannot_be_chosen(client: FlaskClient) -> None:
    as_officer(client)
    response = upload(client, sheets.xlsx(sheets.ROWS), org="UIT")
    assert response.status_code == 422
    assert db.session.scalar(select(func.count()).select_from(PendingImport)) == 0


def test_someone_elses_upload_is_a_404(client: FlaskClient, app) -> None:
    as_officer(client)
    columns_url = upload(client, sheets.xlsx(sheets.ROWS)).headers["Location"]
    other = app.test_client()
    colleague = factories.user([("verbindingsofficier", "DIE")])
    login(other, colleague.email, factories.PASSWORD)
    assert other.get(columns_url).status_code == 404
    assert other.get(columns_url.replace("/kolommen", "/controle")).status_code == 404
    uit = app.test_client()
    login(uit, factories.user([("verbindingsofficier", "UIT")]).email, factories.PASSWORD)
    assert uit.get(columns_url).status_code == 404


@pytest.mark.parametrize("role", ["fg", "ciso"])
def test_readers_get_a_403(client: FlaskClient, role: str) -> None:
    """They may write incidents nowhere: the import is refused (403), as the other "new" pages are."""
    factories.organisation("DIE")
    user = factories.user([(role, "DIE")])
    login(client, user.email, factories.PASSWORD)
    assert client.get(UPLOAD).status_code == 403


def test_a_failure_while_writing_leaves_nothing(client: FlaskClient, monkeypatch: pytest.MonkeyPatch) -> None:
    """All or nothing: a row refused after others were written rolls them back (the pipeline's
    boundary, not the view), and the preview says why."""
    from bio_register.errors import ValidationFailed
    from bio_register.incidents import services as incidents

    as_officer(client)
    columns_url = upload(client, sheets.xlsx(sheets.ROWS)).headers["Location"]
    check_url = columns_url.replace("/kolommen", "/controle")
    token = csrf_token(client, check_url)
    written = []
    original = incidents.import_incident

    def second_fails(*args, **kwargs):
        if written:
            raise ValidationFailed("Er ging iets mis bij de tweede rij.", field="file")
        written.append(original(*args, **kwargs))
        return written[-1]

    monkeypatch.setattr(incidents, "import_incident", second_fails)
    response = client.post(columns_url.replace("/kolommen", "/importeren"), data={"csrf_token": token})
    assert response.status_code == 422 and "Er ging iets mis bij de tweede rij." in response.get_data(as_text=True)
    assert written and count() == 0
    assert db.session.scalar(select(func.count()).select_from(PendingImport)) == 1  # the upload stays for a retry


def test_an_expired_upload_is_a_404(client: FlaskClient) -> None:
    import datetime as dt

    as_officer(client)
    columns_url = upload(client, sheets.xlsx(sheets.ROWS)).headers["Location"]
    pending = db.session.scalar(select(PendingImport))
    pending.expires_at = pending.created_at - dt.timedelta(minutes=1)
    db.session.commit()
    assert client.get(columns_url).status_code == 404


def test_a_mapping_choice_outside_the_file_is_refused(client: FlaskClient) -> None:
    as_officer(client)
    columns_url = upload(client, sheets.xlsx(sheets.ROWS)).headers["Location"]
    fields = form_fields(client.get(columns_url).get_data(as_text=True))
    fields["col-title"] = "Bestaat niet"
    fields["cat-0"] = "onzin"
    response = client.post(columns_url, data={"csrf_token": csrf_token(client, columns_url), **fields})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Kies voor „Titel” een kolom uit het bestand." in html and "Onbekende categorie gekozen" in html
    assert db.session.scalar(select(ImportMapping)) is None
