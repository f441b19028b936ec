"""The audit log's page, API list and CSV export: scope, filters, pagination, bad input."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from flask import Flask
from flask.testing import FlaskClient

from bio_register.audit import browse
from bio_register.audit import services as audit
from bio_register.audit.models import AuditVerification
from bio_register.extensions import db
from bio_register.organisations import services as organisations
from tests import dbutil, factories
from tests.conftest import login


@pytest.fixture
def scoped() -> None:
    """The beheerder's audit:read holds in the organisations where the role is held and those below
    (permissions.py); kept as a named fixture so the scope tests say what they rely on."""


def _api(client: FlaskClient, user: Any, query: str = "") -> Any:
    return client.get(f"/api/v1/audit-events{query}", headers={"Authorization": f"Bearer {factories.token(user)}"})


def _events(org_code: str, n: int) -> list[int]:
    org = factories.organisation(org_code)
    ids = [audit.record(None, "incident", 1000 + i, "update", {"title": {"before": f"a{i}", "after": f"b{i}"}},
                        organisation_id=org.id, actor_label="test").id for i in range(n)]
    db.session.commit()
    return ids


def test_beheerder_sees_the_events_of_their_organisations_only(client: FlaskClient, scoped: None) -> None:
    factories.incident("DIE", title="Van Diemen")
    factories.incident("UIT", title="Van Uithoorn")
    beheerder = factories.user([("beheerder", "DIE")], email="beh.die@example.nl")
    body = _api(client, beheerder, "?entity=incident&per_page=100").get_json()
    orgs = {item["organisation"] for item in body["items"]}
    assert orgs == {"DIE"}
    assert all(item["changes"] for item in body["items"])
    # naming another organisation answers as if it did not exist
    assert _api(client, beheerder, "?organisation=UIT").status_code == 404
    assert _api(client, beheerder, "?organisation=XXX").status_code == 404
    # the page and the export too
    login(client, beheerder.email, factories.PASSWORD)
    page = client.get("/beheer/auditlog?entity=incident").get_data(as_text=True)
    assert "DIE-" in page and "UIT-" not in page
    export = client.get("/beheer/auditlog/export.csv?entity=incident").get_data(as_text=True)
    assert "DIE" in export and ";UIT;" not in export


def test_installation_level_events_only_for_a_beheerder_of_a_top_level_organisation(
        client: FlaskClient, scoped: None) -> None:
    duo = factories.organisation("DUO")
    oa = organisations.create_organisation(None, "OA", "Gemeente Ouder-Amstel", parent=duo, actor_label="test")
    db.session.commit()
    audit.record(None, "user", 4242, "login", actor_label="someone@example.nl")
    db.session.commit()
    top = factories.user([("beheerder", "DUO")], email="beh.duo@example.nl")
    below = factories.user([("beheerder", "OA")], email="beh.oa@example.nl")
    assert any(i["entity_id"] == "4242" for i in _api(client, top, "?entity=user&per_page=100").get_json()["items"])
    items = _api(client, below, "?per_page=100").get_json()["items"]
    assert items and all(i["organisation"] == "OA" for i in items)
    assert oa.parent_id == duo.id
    assert browse.sees_installation_events(top) and not browse.sees_installation_events(below)


@pytest.mark.parametrize("roles", [[("verbindingsofficier", "DIE")], [("fg", "DIE")], [("ciso", "DIE")],
                                   [("concern_control", "DUO")], []])
def test_others_are_refused(client: FlaskClient, roles: list[tuple[str, str]]) -> None:
    user = factories.user(roles)
    assert _api(client, user).status_code == 403
    login(client, user.email, factories.PASSWORD)
    assert client.get("/beheer/auditlog").status_code == 403
    assert client.get("/beheer/auditlog/export.csv").status_code == 403


def test_filters(client: FlaskClient) -> None:
    item = factories.incident("DIE", title="Eerste titel")
    other = factories.incident("DIE")
    beheerder = factories.user([("beheerder", "DUO")])
    body = _api(client, beheerder, f"?entity=incident&entity_id={item.id}").get_json()
    assert body["total"] == 1 and body["items"][0]["entity_id"] == str(item.id)
    assert body["items"][0]["action"] == "create"
    assert body["items"][0]["changes"]["title"] == {"before": None, "after": "Eerste titel"}
    assert other.id != item.id
    by_actor = _api(client, beheerder, "?actor=TEST").get_json()
    assert by_actor["items"] and {i["actor"] for i in by_actor["items"]} == {"test"}
    everything = _api(client, beheerder, "?per_page=100").get_json()["items"]
    newest = everything[0]["occurred_at"]
    later = _api(client, beheerder, "?from=2101-01-01T00:00:00%2B00:00").status_code
    assert later == 422  # beyond the range the API accepts
    none_after = _api(client, beheerder, "?from=2099-01-01T00:00:00%2B00:00").get_json()
    assert none_after["total"] == 0 and none_after["items"] == [] and none_after["next"] is None
    until = _api(client, beheerder, f"?until={newest.replace('+', '%2B')}&per_page=100").get_json()["items"]
    assert all(i["occurred_at"] < newest for i in until)
    die = _api(client, beheerder, "?organisation=die&per_page=100").get_json()["items"]
    assert die and {i["organisation"] for i in die} == {"DIE"}


@pytest.mark.parametrize(("query", "field"), [
    ("?entity=Incident;DROP", "entity"),
    ("?entity_id=5", "entity_id"),
    ("?entity=incident&entity_id=" + "9" * 65, "entity_id"),
    ("?from=gisteren", "from"),
    ("?from=2026-01-01T00:00:00", "from"),
    ("?from=2026-02-01T00:00:00%2B00:00&until=2026-01-01T00:00:00%2B00:00", "until"),
    ("?organisation=D", "organisation"),
    ("?page=0", "page"),
    ("?page=500", "page"),
    ("?per_page=1000", "per_page"),
    ("?cursor=nonsense!", "cursor"),
    ("?cursor=" + "A" * 101, "cursor"),
    ("?onbekend=1", "onbekend"),
])
def test_bad_filter_values_answer_422_naming_the_field(client: FlaskClient, query: str, field: str) -> None:
    beheerder = factories.user([("beheerder", "DUO")])
    response = _api(client, beheerder, query)
    assert response.status_code == 422, response.get_data(as_text=True)
    assert response.mimetype == "application/problem+json"
    assert field in response.get_json()["errors"], response.get_json()


@pytest.mark.parametrize("query", ["?entity=Incident", "?entity_id=5", "?period_from=gisteren",
                                   "?period_from=2026-02-01&period_until=2026-01-01", "?cursor=xyz",
                                   "?organisation=NOPE", "?actor=" + "x" * 300])
def test_bad_filter_values_on_the_page_give_a_dutch_message(client: FlaskClient, query: str) -> None:
    beheerder = factories.user([("beheerder", "DUO")])
    login(client, beheerder.email, factories.PASSWORD)
    response = client.get("/beheer/auditlog" + query)
    assert response.status_code == 422
    assert 'class="field-error"' in response.get_data(as_text=True)
    assert client.get("/beheer/auditlog/export.csv" + query).status_code in (422, 200)


def test_keyset_pagination_walks_every_event_once(client: FlaskClient) -> None:
    org = factories.organisation("DIE")
    _events("DIE", 23)
    beheerder = factories.user([("beheerder", "DUO")])
    first = _api(client, beheerder, "?organisation=DIE&entity=incident&per_page=10").get_json()
    assert first["total"] == 23 and not first["more"]
    seen = [i["id"] for i in first["items"]]
    next_url = first["next"]
    while next_url:
        body = client.get(next_url, headers={"Authorization": f"Bearer {factories.token(beheerder)}"}).get_json()
        seen += [i["id"] for i in body["items"]]
        next_url = body["next"]
    assert len(seen) == len(set(seen)) == 23
    times = [(e.occurred_at, e.id) for e in browse.iter_events(beheerder, browse.AuditFilter(organisation_id=org.id,
                                                                                             entity="incident"))]
    assert [t[1] for t in times] == seen and times == sorted(times, reverse=True)
    # OFFSET pages agree with the cursor for the first pages
    second = _api(client, beheerder, "?organisation=DIE&entity=incident&per_page=10&page=2").get_json()
    assert [i["id"] for i in second["items"]] == seen[10:20]
    # the page: 50 at a time, then "Oudere gebeurtenissen"
    _events("DIE", 40)
    login(client, beheerder.email, factories.PASSWORD)
    html = client.get("/beheer/auditlog?entity=incident").get_data(as_text=True)
    assert "Oudere gebeurtenissen" in html
    assert browse.list_events(beheerder, browse.AuditFilter(entity="incident"), per_page=50).next_cursor


def test_the_total_is_counted_up_to_a_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(browse, "COUNT_LIMIT", 5)
    _events("DIE", 8)
    beheerder = factories.user([("beheerder", "DUO")])
    page = browse.list_events(beheerder, browse.AuditFilter(entity="incident"), per_page=3)
    assert page.total == 5 and page.more


def test_csv_export_is_streamed_with_dutch_headers_and_neutralised_cells(client: FlaskClient) -> None:
    org = factories.organisation("DIE")
    for i, evil in enumerate(("=SUM(A1:A9)", "+31 6 1234", "-2+3", "@cmd", "gewoon")):
        audit.record(None, "incident", 77, "update", {"title": {"before": evil, "after": f"x{i}"}},
                     organisation_id=org.id, actor_label="=evil@example.nl")
    audit.record(None, "incident", 77, "login", organisation_id=org.id, actor_label="test")
    db.session.commit()
    beheerder = factories.user([("beheerder", "DUO")])
    login(client, beheerder.email, factories.PASSWORD)
    response = client.get("/beheer/auditlog/export.csv?entity=incident&entity_id=77")
    assert response.status_code == 200
    assert response.is_streamed
    assert response.mimetype == "text/csv"
    # the file name in Amsterdam time, as the times in the file
    stamp = re.search(r'filename="auditlog-(\d{8}-\d{4})\.csv"', response.headers["Content-Disposition"]).group(1)
    local_now = dt.datetime.now(ZoneInfo("Europe/Amsterdam")).replace(tzinfo=None)
    assert abs(dt.datetime.strptime(stamp, "%Y%m%d-%H%M") - local_now) < dt.timedelta(minutes=5)
    raw = response.get_data()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";"))
    assert rows[0] == ["Tijdstip", "Volgnummer", "Gebruiker", "Organisatie", "Soort object", "Objectnummer",
                       "Actie", "Veld", "Ervoor", "Erna"]
    assert len(rows) == 7  # header, five changes, one event without changes
    befores = {row[8] for row in rows[1:]}
    assert {"'=SUM(A1:A9)", "'+31 6 1234", "'-2+3", "'@cmd", "gewoon"} <= befores
    assert all(row[2] in ("'=evil@example.nl", "test") for row in rows[1:])
    assert not any(cell.startswith(("=", "+", "-", "@")) for row in rows for cell in row)


def test_csv_export_reads_in_batches(client: FlaskClient, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(browse, "EXPORT_BATCH", 4)
    _events("DIE", 10)
    beheerder = factories.user([("beheerder", "DUO")])
    events = list(browse.iter_events(beheerder, browse.AuditFilter(entity="incident"), batch=4))
    assert len(events) == len({e.id for e in events}) >= 10


def test_the_page_shows_the_chain_state(client: FlaskClient, app: Flask) -> None:
    beheerder = factories.user([("beheerder", "DUO")])
    login(client, beheerder.email, factories.PASSWORD)
    assert "nog niet gecontroleerd" in client.get("/beheer/auditlog").get_data(as_text=True)
    result = app.test_cli_runner().invoke(args=["bio", "verify-audit"])
    assert result.exit_code == 0, result.output
    row = browse.latest_verification()
    assert row is not None and row.ok and row.checked >= 1 and row.source == "cli"
    html = client.get("/beheer/auditlog").get_data(as_text=True)
    assert "In orde" in html and "Laatst gecontroleerd" in html


def test_a_failed_verification_is_stored_and_shown(client: FlaskClient, app: Flask) -> None:
    from sqlalchemy import update

    from bio_register.audit.models import AuditEvent

    _events("DIE", 3)
    beheerder = factories.user([("beheerder", "DUO")])
    victim = db.session.scalar(AuditEvent.__table__.select().with_only_columns(AuditEvent.seq)
                               .order_by(AuditEvent.seq.desc()).limit(1).offset(1))
    with dbutil.as_attacker(db.session):  # PostgreSQL refuses the UPDATE unless its triggers are off
        db.session.execute(update(AuditEvent).where(AuditEvent.seq == victim).values(action="gewist"))
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["bio", "verify-audit"])
    assert result.exit_code == 1
    row = db.session.scalar(AuditVerification.__table__.select().with_only_columns(AuditVerification.id)
                            .order_by(AuditVerification.id.desc()).limit(1))
    stored = db.session.get(AuditVerification, row)
    assert stored is not None and not stored.ok and stored.problem_seq == victim
    login(client, beheerder.email, factories.PASSWORD)
    html = client.get("/beheer/auditlog").get_data(as_text=True)
    assert "NIET in orde" in html and f"seq {victim}" in html


def test_history_links_on_the_object_pages(client: FlaskClient, app: Flask) -> None:
    item = factories.incident("DIE", is_datalek=True)
    factories.assess(item)
    measure = factories.measure("DIE")
    beheerder = factories.user([("beheerder", "DUO")])
    login(client, beheerder.email, factories.PASSWORD)
    for url, target in ((f"/incidenten/{item.id}", f"entity=incident&amp;entity_id={item.id}"),
                        (f"/incidenten/{item.id}/datalek", "entity=breach_assessment"),
                        (f"/maatregelen/{measure.id}", f"entity=measure&amp;entity_id={measure.id}")):
        html = client.get(url).get_data(as_text=True)
        assert target in html, url
    page = client.get(f"/beheer/auditlog?entity=incident&entity_id={item.id}").get_data(as_text=True)
    assert item.reference in page
    officer = factories.user([("verbindingsofficier", "DIE")])
    other = app.test_client()
    login(other, officer.email, factories.PASSWORD)
    assert "auditlog" not in other.get(f"/incidenten/{item.id}").get_data(as_text=True).lower()


def test_the_page_and_the_api_issue_a_fixed_number_of_queries(client: FlaskClient, count_queries: Any) -> None:
    beheerder = factories.user([("beheerder", "DUO")])
    headers = {"Authorization": f"Bearer {factories.token(beheerder)}"}
    login(client, beheerder.email, factories.PASSWORD)
    _events("DIE", 5)
    urls = ("/beheer/auditlog", "/beheer/auditlog?organisation=DIE", "/api/v1/audit-events",
            "/api/v1/audit-events?organisation=DIE&per_page=100")
    counts = []
    for url in urls:
        with count_queries() as counter:
            assert client.get(url, headers=headers).status_code == 200
        counts.append(counter.count)
    _events("DIE", 60)
    _events("UIT", 60)
    for url, before in zip(urls, counts, strict=True):
        with count_queries() as counter:
            assert client.get(url, headers=headers).status_code == 200
        assert counter.count <= before + 1, (url, counter.statements)  # + the count once past one page
