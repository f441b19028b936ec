"""The register at scale: the API list's hand-written serialisation, fixed query counts, search."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from flask.testing import FlaskClient

from bio_register.database import utcnow
from bio_register.extensions import db
from bio_register.incidents.schemas import IncidentOut
from tests import factories
from tests.api.test_api_base import bearer
from tests.conftest import login


def test_api_list_gives_exactly_what_the_documented_schema_gives(client: FlaskClient) -> None:
    vo = factories.user([("verbindingsofficier", "DIE")])
    headers = bearer(factories.token(vo))
    full = factories.incident(actor=vo, title="Laptop gestolen", category="apparaat_verloren_gestolen",
                              severity="hoog", occurred_at=utcnow() - dt.timedelta(days=2),
                              reporter="Piet", impact_confidentiality=True, status="afgehandeld")
    bare = factories.incident(actor=vo, title="Kaal", discovered_at=utcnow() - dt.timedelta(days=3))
    body = client.get("/api/v1/incidents?per_page=50", headers=headers).get_json()
    assert body["total"] == 2 and body["page"] == 1 and body["per_page"] == 50
    expected = [json.loads(json.dumps(IncidentOut().dump(i))) for i in (full, bare)]
    assert body["items"] == expected
    assert body["items"][0]["closed_at"] and body["items"][0]["severity"] == "hoog"
    assert body["items"][1]["category"] is None and body["items"][1]["occurred_at"] is None


def test_api_list_issues_a_fixed_number_of_queries(client: FlaskClient, count_queries: Any) -> None:
    user = factories.user([("verbindingsofficier", "DIE"), ("verbindingsofficier", "OA"), ("fg", "UIT")])
    headers = bearer(factories.token(user))
    factories.incident("DIE")
    client.get("/api/v1/incidents", headers=headers)  # records the token's first use
    with count_queries() as few:
        assert client.get("/api/v1/incidents?per_page=50", headers=headers).status_code == 200
    for code in ("DIE", "OA", "UIT") * 7:
        factories.incident(code)
    with count_queries() as many:
        body = client.get("/api/v1/incidents?per_page=50", headers=headers).get_json()
    assert body["total"] == 22 and len(body["items"]) == 22
    assert many.count == few.count, many.statements
    # the token with its user and memberships and the organisation tree's signature (what the roles
    # cover: the process's tree while the signature is unchanged, see permissions.adopt_tree); the
    # page with its total
    assert many.count <= 2, many.statements


def test_a_revoked_token_is_refused_on_the_next_request(client: FlaskClient) -> None:
    from bio_register.accounts import services as accounts
    from bio_register.accounts.models import ApiToken

    user = factories.user([("verbindingsofficier", "DIE")])
    headers = bearer(factories.token(user))
    assert client.get("/api/v1/incidents", headers=headers).status_code == 200
    token = db.session.scalars(db.select(ApiToken).where(ApiToken.user_id == user.id)).one()
    accounts.revoke_token(user, token)
    db.session.commit()
    assert client.get("/api/v1/incidents", headers=headers).status_code == 401


def test_total_counts_only_the_filtered_organisation(client: FlaskClient) -> None:
    cc = bearer(factories.token(factories.user([("concern_control", "DUO")])))
    for code in ("DIE", "DIE", "UIT"):
        factories.incident(code)
    factories.incident("DIE", status="in_behandeling")
    body = client.get("/api/v1/incidents?organisation=die&status=nieuw", headers=cc).get_json()
    assert body["total"] == 2 and {i["organisation"] for i in body["items"]} == {"DIE"}
    assert client.get("/api/v1/incidents", headers=cc).get_json()["total"] == 4
    assert client.get("/api/v1/incidents?organisation=XYZ", headers=cc).get_json()["total"] == 0


@pytest.mark.parametrize(("query", "found"), [
    ("EÉN", True),            # Unicode case folding on both databases
    ("brievenbus", True),     # in the description
    ("die-20", True),         # part of the reference, any case
    ("100%", False),          # % is a character, not a wildcard
    ("brief_", False),        # so is _
    ("één ontbreekt", False),  # every word must occur
])
def test_search_finds_words_anywhere_regardless_of_case(client: FlaskClient, query: str, found: bool) -> None:
    vo = factories.user([("verbindingsofficier", "DIE")])
    headers = bearer(factories.token(vo))
    factories.incident(actor=vo, title="Eén brief kwijt", description="Lag naast de brievenbus.")
    body = client.get("/api/v1/incidents", query_string={"q": query}, headers=headers).get_json()
    assert (body["total"] == 1) is found, body


def test_web_list_search_and_deep_page_issue_a_fixed_number_of_queries(client: FlaskClient,
                                                                       count_queries: Any) -> None:
    vo = factories.user([("verbindingsofficier", "DIE")], name="Vera")
    login(client, vo.email, factories.PASSWORD)
    for i in range(26):
        factories.incident(actor=vo, title=f"Phishing bij burgerzaken {i}")
    urls = ["/incidenten?organisation=DIE&status=open", "/incidenten?q=phishing", "/incidenten?page=2"]
    counts = []
    for url in urls:
        with count_queries() as counter:
            assert client.get(url).status_code == 200
        counts.append(counter.count)
    for i in range(30):
        factories.incident(actor=vo, title=f"Phishing {i}")
    for url, before in zip(urls, counts, strict=True):
        with count_queries() as counter:
            assert client.get(url).status_code == 200
        assert counter.count == before, (url, counter.statements)


def test_a_page_beyond_the_end_is_empty_but_keeps_the_total(client: FlaskClient) -> None:
    vo = factories.user([("verbindingsofficier", "DIE")])
    headers = bearer(factories.token(vo))
    for i in range(3):
        factories.incident(actor=vo, title=f"Incident {i}")
    factories.incident("UIT")
    body = client.get("/api/v1/incidents?per_page=2&page=2", headers=headers).get_json()
    assert body["total"] == 3 and len(body["items"]) == 1 and body["page"] == 2
    body = client.get("/api/v1/incidents?per_page=2&page=9", headers=headers).get_json()
    assert body == {"items": [], "page": 9, "per_page": 2, "total": 3, "total_is_estimate": False,
                    "next_cursor": None, "next": None}


def _mixed_register() -> dict[str, Any]:
    """Incidents in three organisations with different statuses, categories, severities and dates."""
    now = utcnow()
    vo = factories.user([("verbindingsofficier", "DIE")])
    for i in range(4):
        factories.incident("DIE", actor=vo, title=f"Phishing burgerzaken {i}", severity=("laag", "hoog")[i % 2],
                           category="phishing" if i % 2 else None, discovered_at=now - dt.timedelta(days=i * 40))
    factories.incident("DIE", actor=vo, title="Datalek 100% zeker", is_datalek=True, status="in_behandeling",
                       discovered_at=now - dt.timedelta(days=3))
    factories.incident("OA", title="Laptop gestolen", category="apparaat_verloren_gestolen", status="afgehandeld")
    factories.incident("UIT", title="Phishing Uithoorn", discovered_at=now - dt.timedelta(days=200))
    return {"now": now, "vo": vo}


@pytest.mark.parametrize("flt", [
    {},
    {"organisation": "die", "status": ["nieuw"]},
    {"open_only": True, "sort": "severity", "descending": False},
    {"datalek": True},
    {"datalek": False, "category": ["phishing", "apparaat_verloren_gestolen"]},
    {"severity": ["hoog"], "sort": "title"},
    {"q": "phishing burgerzaken", "sort": "reference"},
    {"q": "100%"},
    {"discovered_from": "days:100", "discovered_until": "days:1", "sort": "status"},
])
def test_api_rows_match_the_web_list_for_every_shape_of_filter(flt: dict[str, Any]) -> None:
    """The API's list (a plain query reused per shape of filter, values as parameters) and the web
    list (ORM objects) must always agree, for every user: same incidents, same order, same total."""
    from bio_register.incidents import services
    from bio_register.incidents.models import Category, Severity, Status

    facts = _mixed_register()
    args = dict(flt)
    for name in ("discovered_from", "discovered_until"):
        if name in args:
            args[name] = facts["now"] - dt.timedelta(days=int(args[name].split(":")[1]))
    args["status"] = [Status(s) for s in args.get("status", [])]
    args["category"] = [Category(c) for c in args.get("category", [])]
    args["severity"] = [Severity(s) for s in args.get("severity", [])]
    flt_obj = services.IncidentFilter(**args)
    users = [facts["vo"], factories.user([("concern_control", "DUO")]),
             factories.user([("fg", "OA"), ("verbindingsofficier", "UIT")]), factories.user([])]
    for user in users:
        for per_page, page in ((50, 1), (2, 2)):
            web = services.list_incidents(user, flt_obj, page, per_page)
            rows = services.list_rows(user, flt_obj, page, per_page)
            assert [r["id"] for r in rows.items] == [i.id for i in web.items], (user.email, flt)
            assert rows.total == web.total and not rows.total_is_estimate


def test_a_reused_api_statement_never_carries_another_users_scope(client: FlaskClient) -> None:
    """The statement of one shape is built once and reused: each request's own values must apply."""
    die = bearer(factories.token(factories.user([("verbindingsofficier", "DIE")])))
    uit = bearer(factories.token(factories.user([("verbindingsofficier", "UIT")])))
    factories.incident("DIE", title="Alleen Diemen")
    factories.incident("UIT", title="Alleen Uithoorn")
    for _ in range(2):
        for headers, title in ((die, "Alleen Diemen"), (uit, "Alleen Uithoorn")):
            for query in ("", "?q=alleen", "?status=nieuw&q=alleen&per_page=5"):
                body = client.get(f"/api/v1/incidents{query}", headers=headers).get_json()
                assert [i["title"] for i in body["items"]] == [title] and body["total"] == 1, (query, body)


def test_a_search_counts_up_to_a_limit_and_then_says_more(client: FlaskClient, monkeypatch: pytest.MonkeyPatch) -> None:
    """The web list's search counts at most SEARCH_COUNT_LIMIT matches (an exact total rechecks the
    text of every match); the page says "more than" and keeps paging."""
    from bio_register.incidents import services

    monkeypatch.setattr(services, "SEARCH_COUNT_LIMIT", 30)
    vo = factories.user([("verbindingsofficier", "DIE")])
    for i in range(60):
        factories.incident(actor=vo, title=f"Phishing bij burgerzaken {i}")
    factories.incident(actor=vo, title="Iets anders")
    login(client, vo.email, factories.PASSWORD)
    page = client.get("/incidenten?q=phishing").get_data(as_text=True)
    assert "Meer dan 30 incidenten gevonden" in page and "Pagina 1 van meer dan 2" in page
    assert 'rel="next"' in page
    # past the limit the count reaches just beyond the page asked for, so "next" stays right
    page = client.get("/incidenten?q=phishing&page=3").get_data(as_text=True)
    assert "Meer dan 75" not in page and "60 incidenten gevonden" in page and "Pagina 3 van 3" in page
    assert 'rel="next"' not in page and page.count("Phishing bij burgerzaken") == 10
    # without a search the total stays exact
    assert "61 incidenten gevonden" in client.get("/incidenten").get_data(as_text=True)
    # the API keeps its exact total (the documented contract)
    body = client.get("/api/v1/incidents?q=phishing", headers=bearer(factories.token(vo))).get_json()
    assert body["total"] == 60


def test_count_up_to_counts_exactly_below_the_limit(app_ctx: None) -> None:
    from bio_register.incidents import services

    vo = factories.user([("verbindingsofficier", "DIE")])
    for i in range(5):
        factories.incident(actor=vo, title=f"Phishing {i}")
    stmt = services.filtered(vo, services.IncidentFilter(q="phishing"))
    assert services.count_up_to(stmt, 100) == 5
    assert services.count_up_to(stmt, 3) == 3


@pytest.mark.parametrize("scan_limit", [0, 3, 10_000])
def test_a_search_counts_the_same_whether_it_reads_the_rows_or_the_trigram_index(
        app_ctx: None, monkeypatch: pytest.MonkeyPatch, scan_limit: int) -> None:
    """A caller with few incidents has the text of each checked (bounded by their own incidents, not
    the register); one with more asks the trigram indexes. The count is the same either way, and
    never includes another organisation's incidents."""
    from bio_register.incidents import services

    monkeypatch.setattr(services, "SEARCH_SCAN_LIMIT", scan_limit)
    vo = factories.user([("verbindingsofficier", "DIE")])
    for i in range(6):
        factories.incident(actor=vo, title=f"Phishing {i}", description="Een bewindvoerder belde." if i % 2 else "—")
    factories.incident(actor=vo, title="Brief kwijt", description="Lag bij de BEWINDVOERDER.")
    factories.incident("UIT", title="Phishing in Uithoorn", description="bewindvoerder")
    cases = {("phishing", None): 6, ("bewindvoerder", None): 4, ("bewindvoerder phishing", None): 3,
             ("phishing", "UIT"): 0, ("kwijt", None): 1, ("uithoorn", None): 0}
    for (q, organisation), expected in cases.items():
        flt = services.IncidentFilter.build(q=q, organisation=organisation)
        assert services.count_matches_up_to(vo, flt, 100) == expected, (q, organisation)
        assert services.count_matches_up_to(vo, flt, 2) == min(expected, 2), (q, organisation)
    cc = factories.user([("concern_control", "DUO")])
    assert services.count_matches_up_to(cc, services.IncidentFilter.build(q="bewindvoerder"), 100) == 5
