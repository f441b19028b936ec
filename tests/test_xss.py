"""Hostile text in every free-text field: shown escaped, exported neutralised, printed literally.

One user who is verbindingsofficier, FG and CISO of DIE fills every free-text field through the
JSON API (the same services as the forms) with a payload that is at once a script, an attribute
break-out with an image, a ``javascript:`` URL and a spreadsheet formula. Then every page that
shows those fields must show them escaped, the CSV/XLSX exports must start no cell with a formula,
and the PDFs must render and contain the text literally.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re

import pytest
from flask.testing import FlaskClient
from openpyxl import load_workbook
from pypdf import PdfReader

from bio_register.database import utcnow
from bio_register.extensions import db
from bio_register.reporting import services as reporting
from tests import factories
from tests.conftest import login
from tests.measures.conftest import CATALOG, add_controls

SCRIPT = "<script>alert(1)</script>"
IMG = '"><img src=x onerror=alert(1)>'
JS = "javascript:alert(1)"
FORMULA = '=HYPERLINK("http://evil.example","klik")'
PAYLOAD = f"{FORMULA} {SCRIPT}{IMG} {JS}"
SHORT = "=1+2<script>x</script>"  # for fields with a short maximum (meldnummer, references)
RAW = ("<script>", "<img src=x", 'href="javascript:', "href='javascript:")


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def hostile(client: FlaskClient):
    """A datalek, a Cbw-significant incident, a maatregel and an assessment, all full of payloads."""
    user = factories.user([("verbindingsofficier", "DIE"), ("fg", "DIE"), ("ciso", "DIE"),
                           ("concern_control", "DUO")], name=PAYLOAD)
    token = factories.token(user, name=PAYLOAD[:100])
    headers = bearer(token)
    add_controls()
    discovered = (utcnow() - dt.timedelta(days=2)).isoformat()

    def ok(response, status=(200, 201)):
        assert response.status_code in status, response.get_data(as_text=True)
        return response.get_json()

    incident = ok(client.post("/api/v1/incidents", headers=headers, json={
        "organisation": "DIE", "title": PAYLOAD, "description": PAYLOAD, "reporter": PAYLOAD[:200],
        "discovered_at": discovered, "is_datalek": True}))
    incident = ok(client.patch(f"/api/v1/incidents/{incident['id']}", headers=headers, json={
        "version": incident["version"], "cause": PAYLOAD, "lessons_learned": PAYLOAD,
        "is_significant_cbw": True}))
    url = f"/api/v1/incidents/{incident['id']}"
    ok(client.post(f"{url}/timeline", headers=headers, json={"kind": "waarneming", "text": PAYLOAD}))
    ok(client.put(f"{url}/breach", headers=headers, json={
        "aware_at": discovered, "likely_consequences": PAYLOAD, "measures_taken": PAYLOAD,
        "processor_involved": True, "processor_name": PAYLOAD[:200]}))
    ok(client.post(f"{url}/ap-decisions", headers=headers, json={"notify": True, "motivation": PAYLOAD}))
    ok(client.post(f"{url}/ap-notifications", headers=headers, json={
        "kind": "initial", "submitted_at": utcnow().isoformat(), "meldnummer": SHORT, "late_reason": PAYLOAD}))
    ok(client.post(f"{url}/data-subject-notification", headers=headers, json={
        "notify": True, "notified_at": utcnow().isoformat(), "channel": SHORT, "explanation": PAYLOAD}))
    ok(client.post(f"{url}/cbw-reports", headers=headers, json={
        "phase": "early_warning", "submitted_at": utcnow().isoformat(), "recipient": SHORT,
        "reference": SHORT, "summary": PAYLOAD, "malicious_suspected": True, "cross_border_possible": True,
        "early_warning_details": PAYLOAD}))
    measure = ok(client.post("/api/v1/measures", headers=headers, json={
        "organisation": "DIE", "title": PAYLOAD, "description": PAYLOAD, "owner": PAYLOAD[:200],
        "incidents": [incident["id"]], "controls": [{"catalog": CATALOG, "code": "5.24"}]}))
    assessment = {"catalog": CATALOG, "control": "5.24", "applicable": True, "status": "gedeeltelijk",
                  "justification": PAYLOAD, "evidence": PAYLOAD, "owner": PAYLOAD[:200]}
    refused = client.post("/api/v1/organisations/DIE/assessments", headers=headers,
                          json={**assessment, "evidence_links": [JS]})
    assert refused.status_code == 422 and "evidence_links" in refused.get_json()["errors"]  # no javascript: link
    ok(client.post("/api/v1/organisations/DIE/assessments", headers=headers,
                   json={**assessment, "evidence_links": ["https://intranet.example/bewijs?a=<b>"]}))
    assert login(client, user.email, factories.PASSWORD).status_code == 302
    return {"user": user, "incident": incident, "measure": measure, "headers": headers}


def assert_escaped(html: str, where: str) -> None:
    for raw in RAW:
        assert raw not in html, f"{raw!r} unescaped on {where}"


def test_every_page_shows_the_payloads_escaped(client: FlaskClient, hostile) -> None:
    incident, measure = hostile["incident"], hostile["measure"]
    pages = [
        f"/incidenten/{incident['id']}", "/incidenten", "/incidenten?q=script", "/",
        f"/incidenten/{incident['id']}/datalek", "/datalekken", f"/incidenten/{incident['id']}/bewerken",
        "/maatregelen", f"/maatregelen/{measure['id']}", f"/maatregelen/{measure['id']}/bewerken",
        "/compliance", f"/compliance/DIE/{CATALOG}", f"/compliance/DIE/{CATALOG}/5.24",
        f"/compliance/DIE/{CATALOG}/vvt", "/account", "/account/tokens", "/meldingen",
    ]
    shown = 0
    for page in pages:
        response = client.get(page)
        assert response.status_code == 200, page
        html = response.get_data(as_text=True)
        assert_escaped(html, page)
        shown += html.count("&lt;script&gt;alert(1)&lt;/script&gt;")
    assert shown >= len(pages) // 2  # the payload is really shown (escaped), not merely absent


def _cells_csv(data: bytes) -> list[str]:
    text = data.decode("utf-8-sig")
    return [cell for row in csv.reader(io.StringIO(text), delimiter=";" if text.count(";") > text.count(",")
                                       else ",") for cell in row]


def _cells_xlsx(data: bytes) -> list[str]:
    book = load_workbook(io.BytesIO(data))
    return [str(cell.value) for sheet in book.worksheets for row in sheet.iter_rows() for cell in row
            if cell.value is not None]


@pytest.mark.parametrize("url", ["/incidenten/export.csv", "/incidenten/export.xlsx",
                                 "/datalekken/register.csv", "/datalekken/register.xlsx",
                                 f"/compliance/DIE/{CATALOG}/vvt.xlsx"])
def test_exports_neutralise_formulas(client: FlaskClient, hostile, url: str) -> None:
    response = client.get(url)
    assert response.status_code == 200
    cells = _cells_csv(response.data) if url.endswith(".csv") else _cells_xlsx(response.data)
    assert any(SCRIPT in cell for cell in cells), "the payload is exported"
    dangerous = [cell for cell in cells if cell[:1] in ("=", "+", "-", "@", "\t", "\r")
                 and not re.fullmatch(r"-?\d+([.,]\d+)?", cell)]
    assert not dangerous, dangerous


def _pdf_text(data: bytes) -> str:
    assert data.startswith(b"%PDF")
    return re.sub(r"\s+", "", "".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages))


def test_pdfs_render_the_payload_literally(client: FlaskClient, hostile) -> None:
    register = client.get("/datalekken/register.pdf")
    assert register.status_code == 200
    assert re.sub(r"\s+", "", SCRIPT) in _pdf_text(register.data)
    # This month's follow-up report (as the scheduler makes it once the month is over) lists the incident.
    next_month = utcnow() + dt.timedelta(days=32)
    period = reporting.previous_period("monthly", next_month).label
    report = reporting.generate("monthly", period, "DIE", actor=hostile["user"], now=next_month)
    db.session.commit()
    pdf = client.get(f"/api/v1/reports/{report.id}/pdf", headers=hostile["headers"])
    assert pdf.status_code == 200
    assert re.sub(r"\s+", "", SCRIPT) in _pdf_text(pdf.data)


# --- bad input: refused with a clear message per field, never a 500 ---------------------------------

LONG = "x" * 100_001
CONTROL = "titel\x00met\x1bstuurtekens"


@pytest.mark.parametrize(("field", "value"), [
    ("title", LONG), ("description", LONG), ("title", 12345), ("title", ["lijst"]), ("title", {"a": 1}),
    ("is_datalek", "misschien"), ("discovered_at", "gisteren"), ("discovered_at", 1700000000),
    ("title", CONTROL), ("description", CONTROL),
])
def test_bad_api_input_is_refused_per_field(client: FlaskClient, field: str, value) -> None:
    token = factories.token(factories.user([("verbindingsofficier", "DIE")]))
    body = {"organisation": "DIE", "title": "T", "description": "D",
            "discovered_at": utcnow().isoformat(), "is_datalek": False, field: value}
    response = client.post("/api/v1/incidents", headers=bearer(token), json=body)
    assert response.status_code == 422, response.get_data(as_text=True)[:500]
    assert response.mimetype == "application/problem+json"
    errors = response.get_json()["errors"]
    assert field in errors and all(message.strip() for message in errors[field])


@pytest.mark.parametrize(("field", "value"), [("title", LONG), ("description", LONG), ("title", CONTROL)])
def test_bad_form_input_is_refused_per_field(client: FlaskClient, field: str, value: str) -> None:
    from tests.conftest import csrf_token

    user = factories.user([("verbindingsofficier", "DIE")])
    login(client, user.email, factories.PASSWORD)
    data = {"csrf_token": csrf_token(client, "/incidenten/nieuw"), "organisation": "DIE", "title": "T",
            "description": "D", "discovered_at": "2026-11-01T10:00", "is_datalek": "nee", field: value}
    response = client.post("/incidenten/nieuw", data=data)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Vul" in html or "maximaal" in html or "tekens die niet zijn toegestaan" in html
