"""The API's incident list at every scope: the total exact up to a bound and an estimate beyond it
(``total_is_estimate``), paging to the end with ``page`` or with ``next`` (keyset cursor)."""

from __future__ import annotations

import base64
from typing import Any

import pytest
from flask.testing import FlaskClient

from bio_register.database import utcnow
from bio_register.incidents import services
from tests import dbutil, factories
from tests.api.test_api_base import bearer

SORTS = ("discovered", "reference", "severity", "status", "title")


def _register(n: int = 13) -> dict[str, Any]:
    """``n`` incidents in Diemen and Uithoorn with ties in every sort (two at the same time, titles
    and severities repeating), read by concern control (every organisation)."""
    vo = factories.user([("verbindingsofficier", "DIE")])
    factories.tied_incidents(n, vo_of_diemen=vo)
    return {"cc": bearer(factories.token(factories.user([("concern_control", "DUO")]))),
            "vo": bearer(factories.token(vo))}


def _all_ids(client: FlaskClient, headers: dict[str, str], query: str = "") -> list[int]:
    body = client.get(f"/api/v1/incidents?per_page=100{query}", headers=headers).get_json()
    assert body["next"] is None and not body["total_is_estimate"]
    return [item["id"] for item in body["items"]]


def test_total_is_exact_up_to_the_bound_and_an_estimate_beyond(client: FlaskClient,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    headers = _register(13)["cc"]
    monkeypatch.setattr(services, "EXACT_COUNT_LIMIT", 20)
    body = client.get("/api/v1/incidents?per_page=5", headers=headers).get_json()
    assert (body["total"], body["total_is_estimate"], len(body["items"])) == (13, False, 5)

    monkeypatch.setattr(services, "EXACT_COUNT_LIMIT", 6)  # 13 matches: past the bound
    body = client.get("/api/v1/incidents?per_page=5", headers=headers).get_json()
    assert body["total_is_estimate"] and body["total"] >= 7  # more than the bound and this page
    if not dbutil.on_postgresql():  # no planner statistics: the "estimate" is the count, flagged all the same
        assert body["total"] == 13
    # the last page knows its total exactly: the rows before it and its own
    body = client.get("/api/v1/incidents?per_page=5&page=3", headers=headers).get_json()
    assert (body["total"], body["total_is_estimate"], len(body["items"]), body["next"]) == (13, False, 3, None)
    # a filter below the bound counts exactly again
    body = client.get("/api/v1/incidents?per_page=5&organisation=DIE", headers=headers).get_json()
    assert (body["total"], body["total_is_estimate"]) == (6, False)


@pytest.mark.parametrize("estimate", [1, 13, 1_000_000])
def test_a_client_paging_until_it_holds_total_gets_every_item(client: FlaskClient, monkeypatch: pytest.MonkeyPatch,
                                                             estimate: int) -> None:
    """The old contract's loop (page=1, 2, … until len(items) >= total) must end with every item
    exactly once, whether the estimate is far too low, right or far too high."""
    headers = _register(13)["cc"]
    expected = _all_ids(client, headers)
    monkeypatch.setattr(services, "EXACT_COUNT_LIMIT", 3)
    monkeypatch.setattr(services, "_estimate", lambda *args: estimate)
    items: list[int] = []
    page, total = 1, 1
    while len(items) < total:
        body = client.get(f"/api/v1/incidents?per_page=4&page={page}", headers=headers).get_json()
        assert body["items"], (page, body)  # never an empty page before the end
        items += [item["id"] for item in body["items"]]
        total = body["total"]
        assert body["total_is_estimate"] == (body["next"] is not None)
        page += 1
    assert items == expected and page == 5  # 13 items, 4 a page
    # a page beyond the end: empty, with no next and a total no higher than the rows before it
    body = client.get("/api/v1/incidents?per_page=4&page=9", headers=headers).get_json()
    assert body["items"] == [] and body["next"] is None and 4 <= body["total"] <= 32


@pytest.mark.parametrize("sort", SORTS)
@pytest.mark.parametrize("order", ["asc", "desc"])
def test_following_next_reaches_every_item_in_order(client: FlaskClient, sort: str, order: str) -> None:
    users = _register(13)
    for headers, query in ((users["cc"], f"&sort={sort}&order={order}"),
                           (users["vo"], f"&sort={sort}&order={order}&organisation=DIE")):
        expected = _all_ids(client, headers, query)
        url: str | None = f"/api/v1/incidents?per_page=3{query}"
        seen: list[int] = []
        while url is not None:
            body = client.get(url, headers=headers).get_json()
            seen += [item["id"] for item in body["items"]]
            assert (body["next"] is None) == (body["next_cursor"] is None)
            url = body["next"]
        assert seen == expected and len(expected) == (13 if headers is users["cc"] else 6)


def test_a_cursor_is_checked(client: FlaskClient) -> None:
    headers = _register(4)["cc"]
    body = client.get("/api/v1/incidents?per_page=2", headers=headers).get_json()
    cursor = body["next_cursor"]
    assert body["next"].endswith(f"per_page=2&cursor={cursor}")
    from bio_register.paging import encode_cursor

    now = utcnow().isoformat()
    crafted = [encode_cursor(values) for values in (
        ["discovered", "desc", now, 2**31], ["discovered", "desc", now, 0], ["discovered", "desc", now, True],
        ["discovered", "desc", "gisteren", 1], ["discovered", "desc", now[:19], 1], ["discovered", "desc", 5, 1],
        ["discovered", "desc", now, 1, 2])]
    crafted.append(base64.urlsafe_b64encode(b'{"sort":"discovered"}').decode().rstrip("="))  # not a list
    for query in (f"cursor={cursor}&page=2", f"cursor={cursor}&sort=title", f"cursor={cursor}&order=asc",
                  "cursor=nonsense", "cursor=W10", "cursor=" + "A" * 401, *(f"cursor={c}" for c in crafted),
                  f"sort=severity&cursor={encode_cursor(['severity', 'desc', 'hoog', 1])}",
                  f"sort=title&cursor={encode_cursor(['title', 'desc', 7, 1])}"):
        response = client.get(f"/api/v1/incidents?{query}", headers=headers)
        assert response.status_code == 422, query
        assert set(response.get_json()["errors"]) & {"cursor", "page"}, query
    assert client.get(f"/api/v1/incidents?per_page=2&cursor={cursor}", headers=headers).status_code == 200
    # the largest id there can be: an empty page, not an error (PostgreSQL's INTEGER)
    top = encode_cursor(["discovered", "desc", now, 2**31 - 1])
    assert client.get(f"/api/v1/incidents?cursor={top}", headers=headers).status_code == 200


def test_the_list_issues_a_fixed_number_of_queries_past_the_bound(client: FlaskClient, count_queries: Any,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    headers = _register(6)["cc"]
    monkeypatch.setattr(services, "EXACT_COUNT_LIMIT", 3)
    monkeypatch.setattr(services, "ESTIMATE_SECONDS", 0)  # PostgreSQL: ask the planner on every request
    client.get("/api/v1/incidents", headers=headers)  # records the token's first use
    with count_queries() as few:
        body = client.get("/api/v1/incidents?per_page=2", headers=headers).get_json()
    assert body["total_is_estimate"]
    for _ in range(10):
        factories.incident("UIT")
    with count_queries() as many:
        body = client.get("/api/v1/incidents?per_page=2", headers=headers).get_json()
        cursor_body = client.get(body["next"], headers=headers).get_json()
    assert body["total_is_estimate"] and cursor_body["total_is_estimate"]
    assert body["total"] == 16 or dbutil.on_postgresql()
    # the token with its user and roles; the organisation tree; the page with its bounded count;
    # the estimate — per request, whatever the size
    assert many.count == 2 * few.count and few.count <= 4, many.statements


def test_the_openapi_document_describes_the_new_contract(client: FlaskClient) -> None:
    spec = client.get("/api/v1/openapi.json").get_json()
    assert spec["info"]["version"] == "v1.1"  # the contract's version: total_is_estimate, next, next_cursor
    page = spec["components"]["schemas"]["IncidentPage"]["properties"]
    assert {"total", "total_is_estimate", "next", "next_cursor", "items"} <= set(page)
    assert "estimate" in page["total"]["description"]
    parameters = {p["name"] for p in spec["paths"]["/api/v1/incidents"]["get"]["parameters"]}
    assert {"page", "cursor", "per_page"} <= parameters


def test_postgresql_estimates_from_the_planner_and_keeps_it(app_ctx: None, monkeypatch: pytest.MonkeyPatch) -> None:
    """On PostgreSQL the total past the bound is the planner's estimate (EXPLAIN, not a count),
    asked once per filter and minute."""
    if not dbutil.on_postgresql():
        pytest.skip("the planner's estimate is PostgreSQL's; needs BIO_REGISTER_TEST_DATABASE_URL=postgresql://…")
    from bio_register import paging
    from bio_register.extensions import db

    vo = factories.user([("verbindingsofficier", "DIE")])
    for i in range(8):
        factories.incident(actor=vo, title=f"Incident {i}")
    db.session.execute(db.text("ANALYZE incidents"))
    monkeypatch.setattr(services, "EXACT_COUNT_LIMIT", 3)
    monkeypatch.setattr(services, "_ESTIMATES", {})
    asked: list[int] = []
    real = paging.estimate_rows
    monkeypatch.setattr(services, "estimate_rows", lambda *args: asked.append(1) or real(*args))
    flt = services.IncidentFilter()
    first = services.list_rows(vo, flt, 1, 2)
    again = services.list_rows(vo, flt, 2, 2)
    assert first.total_is_estimate and again.total_is_estimate and len(asked) == 1
    assert first.total >= 4 and first.total == again.total
    assert [row["title"] for row in first.items] == ["Incident 7", "Incident 6"]
    # the page after a cursor asks the planner with an equal statement (another shape, the same
    # WHERE): SQLAlchemy's compiled cache must serve it too
    monkeypatch.setattr(services, "ESTIMATE_SECONDS", 0)
    after = services.list_rows(vo, flt, per_page=2, cursor=first.next_cursor)
    assert [row["title"] for row in after.items] == ["Incident 5", "Incident 4"]
    assert after.total_is_estimate and len(asked) == 2
