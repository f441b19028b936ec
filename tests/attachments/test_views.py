"""Attachments on the incident page and the control page, as a person uses them."""

from __future__ import annotations

import io
import json

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from bio_register.attachments.models import Attachment, AttachmentContent
from bio_register.audit.models import AuditEvent
from bio_register.audit.services import verify_chain
from bio_register.compliance import catalogs as catalog_import
from bio_register.compliance import services as compliance
from bio_register.extensions import db
from tests import factories
from tests.attachments import samples
from tests.conftest import csrf_token, login


@pytest.fixture
def incident():
    return factories.incident("DIE", title="Brief naar verkeerd adres")


@pytest.fixture
def vo(client: FlaskClient):
    user = factories.user([("verbindingsofficier", "DIE")], name="Vera de Vries")
    login(client, user.email, factories.PASSWORD)
    return user


def multipart(fields: dict[str, str], data: bytes, name: str) -> tuple[bytes, str]:
    """A multipart body built by hand: the test client's own encoder spools a body over 500 kB to a
    temporary file that it never closes (a ResourceWarning), and we send bodies of megabytes."""
    parts = [b"--grens\r\nContent-Disposition: form-data; name=\"%s\"\r\n\r\n%s\r\n"
             % (key.encode(), value.encode()) for key, value in fields.items()]
    parts.append(b"--grens\r\nContent-Disposition: form-data; name=\"file\"; filename=\"%s\"\r\n"
                 b"Content-Type: application/octet-stream\r\n\r\n%s\r\n--grens--\r\n" % (name.encode(), data))
    return b"".join(parts), "multipart/form-data; boundary=grens"


def upload(client: FlaskClient, page: str, url: str, data: bytes, name: str):
    body, content_type = multipart({"csrf_token": csrf_token(client, page)}, data, name)
    return client.post(url, data=body, content_type=content_type)


def _count() -> int:
    return db.session.scalar(select(func.count()).select_from(Attachment))


def test_upload_and_download_round_trip(client: FlaskClient, vo, incident) -> None:
    page = f"/incidenten/{incident.id}"
    assert "Nog geen bijlagen." in client.get(page).get_data(as_text=True)
    response = upload(client, page, f"{page}/bijlagen", samples.PDF, "brief aan verkeerde ontvanger.pdf")
    assert response.status_code == 302 and response.headers["Location"].endswith(f"{page}#bijlagen")
    html = client.get(page).get_data(as_text=True)
    assert "Bijlage brief aan verkeerde ontvanger.pdf is toegevoegd." in html
    assert "Vera de Vries" in html and ">PDF<" in html
    attachment = db.session.scalars(select(Attachment)).one()
    assert f'href="/incidenten/{incident.id}/bijlagen/{attachment.id}"' in html
    assert "Bijlage toegevoegd" in html  # on the timeline too
    download = client.get(f"{page}/bijlagen/{attachment.id}")
    assert download.status_code == 200 and download.data == samples.PDF
    assert download.headers["Content-Type"] == "application/pdf"
    assert download.headers["Content-Disposition"] == 'attachment; filename="brief aan verkeerde ontvanger.pdf"'
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    assert download.headers["Content-Security-Policy"].startswith("sandbox")
    assert download.headers["Cache-Control"] == "no-store"
    import hashlib

    assert attachment.sha256 == hashlib.sha256(samples.PDF).hexdigest() == download.headers["X-Content-SHA256"]
    assert attachment.size == len(samples.PDF) and attachment.uploaded_by_id == vo.id


def test_text_is_served_as_utf8_plain_text(client: FlaskClient, vo, incident) -> None:
    page = f"/incidenten/{incident.id}"
    assert upload(client, page, f"{page}/bijlagen", samples.CSV, "deelnemers.csv").status_code == 302
    attachment = db.session.scalars(select(Attachment)).one()
    download = client.get(f"{page}/bijlagen/{attachment.id}")
    assert download.headers["Content-Type"] == "text/plain; charset=utf-8" and download.data == samples.CSV


def test_type_is_decided_by_content_not_by_name(client: FlaskClient, vo, incident) -> None:
    page = f"/incidenten/{incident.id}"
    refused = upload(client, page, f"{page}/bijlagen", samples.HTML, "factuur.pdf")
    assert refused.status_code == 422
    html = refused.get_data(as_text=True)
    assert "Het bestand factuur.pdf bevat HTML, SVG of XML en wordt niet aangenomen" in html
    assert _count() == 0
    exe = upload(client, page, f"{page}/bijlagen", samples.EXE, "notitie.txt")
    assert exe.status_code == 422 and "Het bestand notitie.txt wordt niet aangenomen" in exe.get_data(as_text=True)
    stored = upload(client, page, f"{page}/bijlagen", samples.PDF, "aantekeningen.txt")
    assert stored.status_code == 302
    attachment = db.session.scalars(select(Attachment)).one()
    assert attachment.content_type == "application/pdf" and attachment.filename == "aantekeningen.txt"
    assert client.get(f"{page}/bijlagen/{attachment.id}").headers["Content-Type"] == "application/pdf"


def test_a_file_over_the_limit_is_refused_with_its_name(client: FlaskClient, app: Flask, vo, incident,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(app.config, "MAX_ATTACHMENT_MB", 1)
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 2 * 1024 * 1024)
    page = f"/incidenten/{incident.id}"
    big = samples.PDF + b"0" * (1024 * 1024)
    response = upload(client, page, f"{page}/bijlagen", big, "scan.pdf")
    assert response.status_code == 413
    assert "Het bestand scan.pdf is te groot: bijlagen mogen hoogstens 1 MB zijn." in response.get_data(as_text=True)
    assert _count() == 0


def test_a_huge_body_is_refused_early_with_a_friendly_page(client: FlaskClient, app: Flask, vo, incident,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(app.config, "MAX_ATTACHMENT_MB", 1)
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 2 * 1024 * 1024)
    page = f"/incidenten/{incident.id}"
    huge = samples.PDF + b"0" * (3 * 1024 * 1024)
    response = upload(client, page, f"{page}/bijlagen", huge, "scan.pdf")
    assert response.status_code == 413
    html = response.get_data(as_text=True)
    assert "Te groot" in html and "bijlagen mogen hoogstens 1 MB zijn" in html and "Traceback" not in html
    assert _count() == 0


def test_no_file_chosen(client: FlaskClient, vo, incident) -> None:
    page = f"/incidenten/{incident.id}"
    response = client.post(f"{page}/bijlagen", data={"csrf_token": csrf_token(client, page)},
                           content_type="multipart/form-data")
    assert response.status_code == 422 and "Kies een bestand." in response.get_data(as_text=True)


def test_upload_needs_the_csrf_token(client: FlaskClient, vo, incident) -> None:
    response = client.post(f"/incidenten/{incident.id}/bijlagen",
                           data={"file": (io.BytesIO(samples.PDF), "a.pdf")}, content_type="multipart/form-data")
    assert response.status_code == 400 and _count() == 0


def test_another_organisation_gets_404(client: FlaskClient, incident) -> None:
    attachment = factories.incident_attachment(incident)
    other = factories.user([("verbindingsofficier", "UIT")])
    login(client, other.email, factories.PASSWORD)
    assert client.get(f"/incidenten/{incident.id}/bijlagen/{attachment.id}").status_code == 404
    own = factories.incident("UIT")
    # an attachment id of another incident, through an incident one may read: still 404
    assert client.get(f"/incidenten/{own.id}/bijlagen/{attachment.id}").status_code == 404
    token = csrf_token(client, f"/incidenten/{own.id}")
    assert client.post(f"/incidenten/{incident.id}/bijlagen", data={
        "csrf_token": token, "file": (io.BytesIO(samples.PDF), "a.pdf")},
        content_type="multipart/form-data").status_code == 404
    assert client.post(f"/incidenten/{incident.id}/bijlagen/{attachment.id}/verwijderen",
                       data={"csrf_token": token, "reason": "weg"}).status_code == 404
    assert db.session.get(Attachment, attachment.id).removed_at is None


def test_a_reader_cannot_upload_or_remove(client: FlaskClient, incident) -> None:
    attachment = factories.incident_attachment(incident)
    reader = factories.user([("concern_control", "DUO")])
    login(client, reader.email, factories.PASSWORD)
    page = f"/incidenten/{incident.id}"
    html = client.get(page).get_data(as_text=True)
    assert "bewijs.pdf" in html and 'name="file"' not in html and "Bijlage verwijderen" not in html
    assert upload(client, page, f"{page}/bijlagen", samples.PDF, "a.pdf").status_code == 403
    assert client.post(f"{page}/bijlagen/{attachment.id}/verwijderen",
                       data={"csrf_token": csrf_token(client, page), "reason": "weg"}).status_code == 403
    assert _count() == 1 and db.session.get(Attachment, attachment.id).removed_at is None
    assert client.get(f"{page}/bijlagen/{attachment.id}").status_code == 200


def test_the_fg_may_add_evidence_to_a_datalek(client: FlaskClient) -> None:
    leak = factories.incident("DIE", is_datalek=True)
    fg = factories.fg_of("DIE")
    login(client, fg.email, factories.PASSWORD)
    page = f"/incidenten/{leak.id}"
    assert upload(client, page, f"{page}/bijlagen", samples.EML, "melding.eml").status_code == 302
    assert db.session.scalars(select(Attachment)).one().content_type == "message/rfc822"


def test_removal_keeps_the_record_and_the_audit_entry(client: FlaskClient, vo, incident) -> None:
    attachment = factories.incident_attachment(incident, filename="verkeerde scan.pdf")
    page = f"/incidenten/{incident.id}"
    token = csrf_token(client, page)
    empty = client.post(f"{page}/bijlagen/{attachment.id}/verwijderen", data={"csrf_token": token, "reason": " "})
    assert empty.status_code == 422 and "Dit veld is verplicht." in empty.get_data(as_text=True)
    response = client.post(f"{page}/bijlagen/{attachment.id}/verwijderen",
                           data={"csrf_token": token, "reason": "Scan van een ander dossier"})
    assert response.status_code == 302
    db.session.expire_all()
    kept = db.session.get(Attachment, attachment.id)
    assert kept.removed_at is not None and kept.removed_by_id == vo.id
    assert kept.removal_reason == "Scan van een ander dossier" and kept.sha256 and kept.filename == "verkeerde scan.pdf"
    assert db.session.get(AttachmentContent, attachment.id) is None
    html = client.get(page).get_data(as_text=True)
    assert "<del>verkeerde scan.pdf</del>" in html and "Scan van een ander dossier" in html
    assert "Bijlage verwijderd" in html  # the timeline
    assert client.get(f"{page}/bijlagen/{attachment.id}").status_code == 410
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.entity == "attachment",
                                                         AuditEvent.entity_id == str(attachment.id))
                                .order_by(AuditEvent.seq)).all()
    assert [e.action for e in events] == ["upload", "remove"]
    assert json.loads(events[1].changes)["reason"]["after"] == "Scan van een ander dossier"
    assert json.loads(events[0].changes)["sha256"]["after"] == kept.sha256
    assert verify_chain().ok
    again = client.post(f"{page}/bijlagen/{attachment.id}/verwijderen",
                        data={"csrf_token": token, "reason": "nogmaals"})
    assert again.status_code == 409 and "is al verwijderd" in again.get_data(as_text=True)


def test_a_non_ascii_file_name(client: FlaskClient, vo, incident) -> None:
    page = f"/incidenten/{incident.id}"
    name = "Verslag gesprek Één – 20 nov.pdf"
    assert upload(client, page, f"{page}/bijlagen", samples.PDF, name).status_code == 302
    attachment = db.session.scalars(select(Attachment)).one()
    assert attachment.filename == name
    assert name in client.get(page).get_data(as_text=True)
    header = client.get(f"{page}/bijlagen/{attachment.id}").headers["Content-Disposition"]
    assert header == ('attachment; filename="Verslag gesprek Een _ 20 nov.pdf"; '
                      "filename*=UTF-8''Verslag%20gesprek%20%C3%89%C3%A9n%20%E2%80%93%2020%20nov.pdf")


def test_purging_an_incident_takes_its_attachments(incident) -> None:
    import datetime as dt

    from bio_register.incidents import services as incidents

    closed = factories.incident("DIE", status="afgehandeld")
    attachment_id = factories.incident_attachment(closed).id
    kept_id = factories.incident_attachment(incident).id
    incidents.purge(dt.datetime.now(dt.UTC) + dt.timedelta(days=1), actor_label="test")
    db.session.commit()
    db.session.expunge_all()
    assert db.session.get(Attachment, attachment_id) is None
    assert db.session.get(AttachmentContent, attachment_id) is None
    assert db.session.get(AttachmentContent, kept_id) is not None  # the open incident keeps its evidence


# --- the control page ---------------------------------------------------------------------------------

@pytest.fixture
def control():
    catalog_import.import_all(actor_label="test")
    db.session.commit()
    return compliance.find_control(compliance.get_catalog("BIO2-1.3"), "5.24.01")


def test_evidence_on_a_control_stays_across_assessments(client: FlaskClient, control) -> None:
    ciso = factories.user([("ciso", "DIE")], name="Cas Ciso")
    login(client, ciso.email, factories.PASSWORD)
    page = "/compliance/DIE/BIO2-1.3/5.24.01"
    response = upload(client, page, f"{page}/bijlagen", samples.docx(), "incidentprocedure.docx")
    assert response.status_code == 302 and response.headers["Location"].endswith(f"{page}#bijlagen")
    attachment = db.session.scalars(select(Attachment)).one()
    assert attachment.control_id == control.id and attachment.incident_id is None
    for status in ("gedeeltelijk", "volledig"):
        assert client.post(page, data={"csrf_token": csrf_token(client, page), "applicable": "ja",
                                       "status": status}).status_code == 302
    html = client.get(page).get_data(as_text=True)
    assert "incidentprocedure.docx" in html and ">Word<" in html
    download = client.get(f"{page}/bijlagen/{attachment.id}")
    assert download.status_code == 200 and download.data.startswith(b"PK\x03\x04")
    assert download.headers["Content-Type"] == "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    refused = upload(client, page, f"{page}/bijlagen", samples.docx(macro=True), "procedure.docm")
    assert refused.status_code == 422 and "bevat macro" in refused.get_data(as_text=True)
    assert "Van toepassing?" in refused.get_data(as_text=True)  # the assessment form is still there
    removed = client.post(f"{page}/bijlagen/{attachment.id}/verwijderen",
                          data={"csrf_token": csrf_token(client, page), "reason": "Vervangen door versie 2"})
    db.session.expire_all()
    assert removed.status_code == 302 and db.session.get(Attachment, attachment.id).removed


def test_control_evidence_is_scoped_and_only_the_ciso_writes(client: FlaskClient, app: Flask, control) -> None:
    attachment = factories.control_attachment("DIE", control)
    page = "/compliance/DIE/BIO2-1.3/5.24.01"
    vo = factories.user([("verbindingsofficier", "DIE")])
    login(client, vo.email, factories.PASSWORD)
    html = client.get(page).get_data(as_text=True)
    assert "beleid.pdf" in html and 'name="file"' not in html
    assert upload(client, page, f"{page}/bijlagen", samples.PDF, "a.pdf").status_code == 403
    assert client.get(f"{page}/bijlagen/{attachment.id}").status_code == 200
    # the same attachment under another control or catalog is not found
    assert client.get(f"/compliance/DIE/BIO2-1.3/5.24.02/bijlagen/{attachment.id}").status_code == 404
    outsider = factories.user([("ciso", "UIT")])
    other = app.test_client()
    login(other, outsider.email, factories.PASSWORD)
    assert other.get(f"{page}/bijlagen/{attachment.id}").status_code == 404
    assert other.get(f"/compliance/UIT/BIO2-1.3/5.24.01/bijlagen/{attachment.id}").status_code == 404
    assert upload(other, "/compliance/UIT/BIO2-1.3/5.24.01", f"{page}/bijlagen", samples.PDF,
                  "a.pdf").status_code == 404
