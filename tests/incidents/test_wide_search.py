"""A search over a wide scope (more incidents than SEARCH_SCAN_LIMIT): its page comes from the newest
incidents or the trigram indexes, its total from the page itself, PostgreSQL's estimate or a bounded
count — never from counting every match in the register. What the user sees stays the same list."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from flask.testing import FlaskClient

from bio_register.database import utcnow
from bio_register.extensions import db
from bio_register.incidents import services
from tests import dbutil, factories
from tests.conftest import login


def _register() -> dict[str, Any]:
    """Diemen: the newest twelve about phishing, then ten others, the oldest eight about a letterbox
    (three of them phishing too); Uithoorn: phishing. Each at its own time, made oldest first (so
    the order of the rows in the table is not the list's)."""
    now = utcnow()
    vo = factories.user([("verbindingsofficier", "DIE")])
    groups = [("DIE", f"Phishing bij burgerzaken {i}", "—") for i in range(12)]
    groups += [("DIE", f"Laptop gestolen {i}", "—") for i in range(10)]
    groups += [("DIE", f"Brief in de BRIEVENBUS {i}", "Ook phishing." if i % 3 == 0 else "Geen gegevens.")
               for i in range(8)]
    groups += [("UIT", f"Phishing in Uithoorn {i}", "—") for i in range(4)]
    for hours, (code, title, description) in reversed(list(enumerate(groups, start=1))):
        factories.incident(code, actor=vo if code == "DIE" else None, title=title, description=description,
                           discovered_at=now - dt.timedelta(hours=hours))
    return {"vo": vo, "cc": factories.user([("concern_control", "DUO")]),
            "uit": factories.user([("verbindingsofficier", "UIT")])}


@pytest.mark.parametrize("scan_limit", [3, 10, 10_000])
def test_a_wide_search_pages_the_same_incidents_as_the_plain_list(
        app_ctx: None, monkeypatch: pytest.MonkeyPatch, scan_limit: int) -> None:
    """Whichever way the page is found (the newest incidents read row by row, or the trigram indexes
    when too few of those match), it holds the same incidents in the same order as the plain query,
    forwards and backwards through the pager, and never another organisation's."""
    monkeypatch.setattr(services, "SEARCH_SCAN_LIMIT", scan_limit)
    users = _register()
    for who, q in [(who, q) for who in users for q in ("phishing", "brievenbus", "phishing brievenbus",
                                                           "xyzzy", "burgerzaken 1", "-20")]:
        flt = services.IncidentFilter.build(q=q)
        exact = services.list_incidents(users[who], flt, 1, 4).total
        keyset, pages = None, 0
        for step in ("next",) * 12 + ("prev",) * 12:
            new = services.list_incidents(users[who], flt, 1, 4, count_limit=5, keyset=keyset)
            old = services.list_incidents(users[who], flt, 1, 4, keyset=keyset)  # the plain query
            assert [i.id for i in new.items] == [i.id for i in old.items], (who, q, step, pages)
            assert (new.page, new.next_cursor, new.prev_cursor) == (old.page, old.next_cursor, old.prev_cursor)
            if who == "uit":
                assert {i.organisation.code for i in new.items} <= {"UIT"}
            # the total: exact, or "more than" a number below the exact one (SQLite keeps no estimates)
            assert (new.total < exact) if new.more else (new.total == exact or new.approximate), (who, q, new)
            cursor = new.next_cursor if step == "next" else new.prev_cursor
            if cursor is None:
                if step == "prev":
                    break
                continue
            keyset, pages = services.web_keyset(flt, cursor), pages + 1
        assert new.page <= 2  # back where "Vorige" links to page 1 itself (no cursor)


def test_a_wide_search_tells_the_total_it_knows_without_counting(
        client: FlaskClient, monkeypatch: pytest.MonkeyPatch) -> None:
    """The only page of a search knows its total; so do the matches found through the trigram
    indexes when the newest incidents hold too few of them (the older ones, counted with the page)."""
    monkeypatch.setattr(services, "SEARCH_SCAN_LIMIT", 5)
    vo = factories.user([("verbindingsofficier", "DIE")])
    now = utcnow()
    for i in range(30):
        factories.incident(actor=vo, title=f"Oude brief {i}", discovered_at=now - dt.timedelta(days=400, hours=i))
    for i in range(10):
        factories.incident(actor=vo, title=f"Phishing {i}", discovered_at=now - dt.timedelta(hours=i + 1))
    login(client, vo.email, factories.PASSWORD)
    page = client.get("/incidenten?q=phishing").get_data(as_text=True)
    assert "10 incidenten gevonden" in page and "Ongeveer" not in page and "Meer dan" not in page
    page = client.get("/incidenten?q=oude+brief").get_data(as_text=True)
    assert "30 incidenten gevonden" in page and "Pagina 1 van 2" in page and 'rel="next"' in page
    assert page.count("Oude brief") == 25 and "Oude brief 0<" in page  # the newest first
    cursor = page.split('rel="next"')[0].rsplit("cursor=", 1)[1].split('"')[0].replace("&amp;", "&")
    page = client.get(f"/incidenten?q=oude+brief&cursor={cursor}").get_data(as_text=True)
    assert "30 incidenten gevonden" in page and "Pagina 2 van 2" in page and 'rel="prev"' in page
    assert page.count("Oude brief") == 5 and "Oude brief 29<" in page


def test_postgresql_shows_its_estimate_of_a_common_word(client: FlaskClient, monkeypatch: pytest.MonkeyPatch) -> None:
    """A word PostgreSQL's statistics know, over a wide scope, with a share of the newest incidents
    that agrees with the planner: the total is its estimate, said as one ("Ongeveer …"), at least
    the rows up to the page, and the pager goes on."""
    if not dbutil.on_postgresql():
        pytest.skip("the planner's estimate is PostgreSQL's; needs BIO_REGISTER_TEST_DATABASE_URL=postgresql://…")
    monkeypatch.setattr(services, "SEARCH_SCAN_LIMIT", 30)  # of 60 incidents: a wide scope
    monkeypatch.setattr(services, "_ESTIMATES", {})
    vo = factories.user([("verbindingsofficier", "DIE")])
    now = utcnow()
    for i in range(20):
        factories.incident(actor=vo, title=f"Laptop gestolen {i}", discovered_at=now - dt.timedelta(days=30, hours=i))
    for i in range(40):
        factories.incident(actor=vo, title=f"Phishing {i}", discovered_at=now - dt.timedelta(hours=i + 1))
    db.session.execute(db.text("ANALYZE incidents"))
    db.session.commit()
    login(client, vo.email, factories.PASSWORD)
    page = client.get("/incidenten?q=phishing").get_data(as_text=True)
    assert "Ongeveer " in page and "incidenten gevonden: verfijn de zoekopdracht." in page, page
    assert "Pagina 1 van ongeveer" in page and 'rel="next"' in page
    shown = services.list_incidents(vo, services.IncidentFilter.build(q="phishing"), 1, 25, count_limit=1000)
    assert shown.approximate and shown.total >= 26 and not shown.more
    assert [i.title for i in shown.items] == [f"Phishing {i}" for i in range(25)]


def test_a_common_word_over_a_wide_scope_is_never_counted_in_the_whole_register(
        app_ctx: None, monkeypatch: pytest.MonkeyPatch) -> None:
    """When the newest incidents of a wide scope already hold more matches than the count's limit,
    the total says "more than" (or, on PostgreSQL, gives its estimate) without asking the trigram
    indexes for every match in the register."""
    monkeypatch.setattr(services, "SEARCH_SCAN_LIMIT", 30)
    monkeypatch.setattr(services, "_ESTIMATES", {})
    vo = factories.user([("verbindingsofficier", "DIE")])
    now = utcnow()
    for i in range(40):
        factories.incident(actor=vo, title=f"Phishing {i}", discovered_at=now - dt.timedelta(hours=i + 1))
    if dbutil.on_postgresql():  # statistics that know the word
        db.session.execute(db.text("ANALYZE incidents"))
    asked: list[int] = []
    real = services.count_up_to
    monkeypatch.setattr(services, "count_up_to", lambda *args: asked.append(1) or real(*args))
    shown = services.list_incidents(vo, services.IncidentFilter.build(q="phishing"), 1, 4, count_limit=5)
    assert [i.title for i in shown.items] == [f"Phishing {i}" for i in range(4)]
    assert (shown.more and shown.total == 5) or shown.approximate, shown
    assert not asked
