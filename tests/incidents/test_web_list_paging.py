"""The web incident list pages by keyset: "Volgende" and "Vorige" carry a cursor on the sort key and
id, so a page a thousand deep costs what the first does; ``page=N`` keeps working for old links."""

from __future__ import annotations

import datetime as dt
import html
import re
from typing import Any

import pytest
from flask.testing import FlaskClient

from bio_register.database import utcnow
from bio_register.extensions import db
from bio_register.incidents import services, views
from bio_register.paging import encode_cursor
from tests import factories
from tests.conftest import login

SORTS = ("discovered", "reference", "severity", "status", "title")
ROW = re.compile(r'<td><a href="/incidenten/(\d+)">')


@pytest.fixture
def small_pages(monkeypatch: pytest.MonkeyPatch) -> int:
    monkeypatch.setattr(views, "PER_PAGE", 3)
    return 3


def _register(n: int = 13) -> None:
    factories.tied_incidents(n)


def _sign_in(client: FlaskClient, *roles: tuple[str, str]) -> Any:
    user = factories.user(list(roles))
    login(client, user.email, factories.PASSWORD)
    return user


def _page(client: FlaskClient, url: str, status: int = 200) -> tuple[list[int], dict[str, str], str]:
    """The incident ids on the page, its pager links by rel (and "first"), and the page's text."""
    response = client.get(url)
    assert response.status_code == status, (url, response.status_code)
    text = response.get_data(as_text=True)
    links = {rel: html.unescape(href) for href, rel in re.findall(r'<a href="([^"]+)" rel="(next|prev)">', text)}
    first = re.search(r'<a href="([^"]+)">Eerste</a>', text)
    if first:
        links["first"] = html.unescape(first.group(1))
    return [int(i) for i in ROW.findall(text)], links, text


def _expected(user: Any, **filters: Any) -> list[int]:
    flt = services.IncidentFilter.build(**filters)
    return list(db.session.scalars(services.filtered(user, flt).with_only_columns(services._INCIDENTS.c.id)))


@pytest.mark.parametrize("sort", SORTS)
@pytest.mark.parametrize("order", ["asc", "desc"])
def test_next_and_previous_walk_every_incident_once_in_order(client: FlaskClient, small_pages: int,
                                                              sort: str, order: str) -> None:
    _register(13)
    cc = _sign_in(client, ("concern_control", "DUO"))
    expected = _expected(cc, sort=sort, order=order)
    assert len(expected) == 13
    url: str | None = f"/incidenten?sort={sort}&order={order}"
    pages: list[list[int]] = []
    while url is not None:
        ids, links, text = _page(client, url)
        assert f"Pagina {len(pages) + 1} van 5" in text
        pages.append(ids)
        if "next" in links:
            assert "cursor=" in links["next"] and "page=" not in links["next"]  # keyset, no OFFSET
            assert f"sort={sort}" in links["next"] and f"order={order}" in links["next"]
        url = links.get("next")
    assert [i for ids in pages for i in ids] == expected
    # and back again with "Vorige", from the last page to the first: the same pages
    number = len(pages)
    while "prev" in links:
        assert ("cursor=" in links["prev"]) == (number > 2)  # to page 1: its plain URL
        ids, links, text = _page(client, links["prev"])
        number -= 1
        assert ids == pages[number - 1] and f"Pagina {number} van 5" in text
        assert ("first" in links) == (number > 2)
    assert number == 1


def test_filters_and_search_survive_in_the_links_and_the_scope_holds(client: FlaskClient, small_pages: int) -> None:
    _register(13)
    factories.incident("DIE", title="Phishing bij burgerzaken")
    for i in range(7):
        factories.incident("DIE", title=f"Phishing {i}", discovered_at=utcnow() - dt.timedelta(days=i + 1))
    factories.incident("UIT", title="Phishing in Uithoorn")
    vo = _sign_in(client, ("verbindingsofficier", "DIE"))
    expected = _expected(vo, q="phishing", status=["nieuw"])
    assert len(expected) == 8
    url: str | None = "/incidenten?q=phishing&status=nieuw"
    seen: list[int] = []
    while url is not None:
        ids, links, text = _page(client, url)
        assert "Phishing in Uithoorn" not in text
        seen += ids
        url = links.get("next")
        if url:
            assert "q=phishing" in url and "status=nieuw" in url
    assert seen == expected

    # a cursor made from another organisation's incident opens nothing of that organisation:
    # the page after it holds only what the caller may read
    other = db.session.scalars(db.select(services.Incident).where(
        services.Incident.title == "Phishing in Uithoorn")).one()
    crafted = encode_cursor(["discovered", "desc", (other.discovered_at + dt.timedelta(seconds=1)).isoformat(),
                             other.id, "next", 2])
    ids, _links, text = _page(client, f"/incidenten?cursor={crafted}")
    assert other.id not in ids and ids and "Uithoorn" not in text
    readable = set(_expected(vo))
    assert set(ids) <= readable
    response = client.get(f"/incidenten/{other.id}")
    assert response.status_code == 404


def test_old_page_links_still_work_and_lead_on_by_cursor(client: FlaskClient, small_pages: int) -> None:
    _register(13)
    cc = _sign_in(client, ("concern_control", "DUO"))
    expected = _expected(cc)
    ids, links, text = _page(client, "/incidenten?page=3")
    assert ids == expected[6:9] and "Pagina 3 van 5" in text
    assert "cursor=" in links["next"] and "cursor=" in links["prev"]
    assert _page(client, links["next"])[0] == expected[9:12]
    assert _page(client, links["prev"])[0] == expected[3:6]


@pytest.mark.parametrize("values", [
    ["discovered", "desc", "NOW", 2**31, "next", 2],     # beyond PostgreSQL's INTEGER
    ["discovered", "desc", "NOW", 2**63 + 1, "next", 2],
    ["discovered", "desc", "NOW", 0, "next", 2],
    ["discovered", "desc", "NOW", True, "next", 2],
    ["discovered", "desc", "gisteren", 1, "next", 2],
    ["discovered", "desc", "NOW", 1, "sideways", 2],
    ["discovered", "desc", "NOW", 1, "next", 1],
    ["discovered", "desc", "NOW", 1, "next", 10**9],
    ["discovered", "asc", "NOW", 1, "next", 2],           # another order than the page's
    ["title", "desc", "Incident 1", 1, "next", 2],        # another sort than the page's
    ["discovered", "desc", "NOW", 1],                     # the API's cursor: not the pager's
    ["discovered", "desc", None, 1, "next", 2],
    {"sort": "discovered"},
])
def test_a_crafted_cursor_shows_the_first_page_with_a_message(client: FlaskClient, small_pages: int,
                                                             values: Any) -> None:
    _register(5)
    cc = _sign_in(client, ("concern_control", "DUO"))
    if isinstance(values, list):
        values = [utcnow().isoformat() if v == "NOW" else v for v in values]
    ids, _links, text = _page(client, f"/incidenten?cursor={encode_cursor(values)}", status=422)  # type: ignore[arg-type]
    assert "Deze paginalink is niet geldig" in text
    assert ids == _expected(cc)[:3] and "Pagina 1 van 2" in text


@pytest.mark.parametrize("cursor", ["nonsense", "W10", "A" * 401, "eyJ", "-_-_"])
def test_a_mangled_cursor_is_no_error(client: FlaskClient, cursor: str) -> None:
    _register(2)
    _sign_in(client, ("concern_control", "DUO"))
    _ids, _links, text = _page(client, f"/incidenten?cursor={cursor}", status=422)
    assert "Deze paginalink is niet geldig" in text


def test_the_last_possible_id_gives_an_empty_page_not_an_error(client: FlaskClient, small_pages: int) -> None:
    _register(2)
    _sign_in(client, ("concern_control", "DUO"))
    long_ago = (utcnow() - dt.timedelta(days=3650)).isoformat()
    cursor = encode_cursor(["discovered", "desc", long_ago, 2**31 - 1, "next", 2])
    ids, _links, text = _page(client, f"/incidenten?cursor={cursor}")
    assert ids == [] and "Geen incidenten" in text


def test_a_deep_page_by_cursor_issues_as_few_queries_as_the_first(client: FlaskClient, small_pages: int,
                                                                 count_queries: Any) -> None:
    _register(13)
    _sign_in(client, ("concern_control", "DUO"))
    _ids, links, _text = _page(client, "/incidenten")
    with count_queries() as first:
        _page(client, "/incidenten")
    with count_queries() as second:
        _ids, links, _text = _page(client, links["next"])
    for _ in range(20):
        factories.incident("DIE")
    url = "/incidenten"
    for _ in range(6):  # six pages deep
        url = _page(client, url)[1]["next"]
    with count_queries() as deep:
        _ids, links, _text = _page(client, url)
    with count_queries() as back:
        _page(client, links["prev"])
    assert deep.count == second.count == back.count <= first.count, deep.statements
    # the rows come from the keyset (a row comparison on the sort key and id), not from skipping rows
    assert any("(incidents.discovered_at, incidents.id) <" in s for s in deep.statements)
    assert any("(incidents.discovered_at, incidents.id) >" in s for s in back.statements)
