"""The start page's datalekken at scale: the first rows of the FG's overview without loading it all."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask.testing import FlaskClient
from sqlalchemy import select

from bio_register.breaches import services as breaches
from bio_register.breaches import views as breach_views
from bio_register.database import utcnow
from bio_register.extensions import db
from bio_register.incidents.models import Incident
from tests import factories
from tests.conftest import login


def _leaks(fg: Any, n: int) -> None:
    """Open datalekken in every state: to assess, decided to notify (with and without melding),
    decided not to notify, some with an assessment that moves awareness, and closed ones."""
    now = utcnow()
    for i in range(n):
        item = factories.incident("DIE", is_datalek=True, title=f"Lek {i}",
                                  discovered_at=now - dt.timedelta(hours=5 * i + 1))
        kind = i % 5
        if kind == 1:
            factories.assess(item, fg=fg, aware_at=item.discovered_at + dt.timedelta(minutes=30))
        elif kind == 2:
            factories.decide_not_to_notify(item, fg=fg)
        elif kind in (3, 4):
            factories.assess(item, fg=fg)
            breaches.decide(fg, item, True, "Melden: risico voor betrokkenen.")
            if kind == 4:
                breaches.record_notification(fg, item, "initial", item.discovered_at + dt.timedelta(hours=2),
                                             f"M-{i}")
            db.session.commit()
    closed = factories.incident("DIE", is_datalek=True, title="Afgesloten", status="afgehandeld",
                                discovered_at=now - dt.timedelta(hours=2))
    assert closed.status.value == "afgehandeld"


def test_urgent_is_the_start_of_the_overview() -> None:
    fg = factories.fg_of("DIE")
    _leaks(fg, 25)
    expected = [r.incident.id for r in breaches.overview(fg, include_closed=False)]
    for limit in (1, 3, 5, 12):
        assert [r.incident.id for r in breaches.urgent(fg, limit=limit)] == expected[:limit], limit


def test_urgent_reads_candidates_in_batches_by_discovery_and_still_matches_the_overview() -> None:
    """More datalekken than one batch: the running clocks settle over several batches read in the
    order of discovery (awareness half an hour later for some), and still begin the overview."""
    fg = factories.fg_of("DIE")
    _leaks(fg, 70)
    expected = [r.incident.id for r in breaches.overview(fg, include_closed=False)]
    for limit in (1, 2, 3, 4):
        assert [r.incident.id for r in breaches.urgent(fg, limit=limit)] == expected[:limit], limit


def test_urgent_with_few_running_clocks_falls_back_to_the_overview() -> None:
    fg = factories.fg_of("DIE")
    _leaks(fg, 4)
    expected = [r.incident.id for r in breaches.overview(fg, include_closed=False)]
    assert [r.incident.id for r in breaches.urgent(fg, limit=10)] == expected[:10]
    assert len(expected) == 4


def test_start_page_and_overview_issue_a_fixed_number_of_queries(client: FlaskClient, count_queries: Any) -> None:
    fg = factories.fg_of("DIE")
    login(client, fg.email, factories.PASSWORD)
    _leaks(fg, 12)
    counts = []
    for url in ("/", "/datalekken"):
        with count_queries() as counter:
            assert client.get(url).status_code == 200
        counts.append(counter.count)
    _leaks(fg, 30)
    for url, before in zip(("/", "/datalekken"), counts, strict=True):
        with count_queries() as counter:
            assert client.get(url).status_code == 200
        assert counter.count <= before, (url, counter.statements)  # the start page may take the short way


def test_the_overview_is_ordered_by_the_database_as_by_the_rules() -> None:
    fg = factories.fg_of("DIE")
    _leaks(fg, 25)
    leaks = list(db.session.scalars(select(Incident).where(Incident.is_datalek.is_(True))))
    rows = breaches.overview_for(leaks)
    open_rows = sorted((r for r in rows if r.state != "afgesloten"), key=lambda r: (not r.clock_running, r.deadline))
    assert [r.incident.id for r in breaches.overview(fg)][:len(open_rows)] == [r.incident.id for r in open_rows]
    assert breaches.overview(fg)[-1].incident.title == "Afgesloten"
    pages = [breaches.overview(fg, limit=7, offset=offset) for offset in range(0, 28, 7)]
    assert [r.incident.id for page in pages for r in page] == [r.incident.id for r in breaches.overview(fg)]
    assert breaches.count_overview(fg) == 26 and breaches.count_overview(fg, include_closed=False) == 25


def test_the_overview_pages_through_many_datalekken(client: FlaskClient, monkeypatch: Any) -> None:
    monkeypatch.setattr(breach_views, "OVERVIEW_PAGE", 10)
    fg = factories.fg_of("DIE")
    login(client, fg.email, factories.PASSWORD)
    _leaks(fg, 24)
    first = client.get("/datalekken").get_data(as_text=True)
    assert "Pagina 1 van 3 (24 datalekken)" in first and 'rel="next"' in first and 'rel="prev"' not in first
    titles = [r.incident.title for r in breaches.overview(fg, include_closed=False)]
    assert all(t in first for t in titles[:10]) and titles[10] not in first
    last = client.get("/datalekken?page=99").get_data(as_text=True)   # past the end: the last page
    assert "Pagina 3 van 3" in last and titles[-1] in last and 'rel="next"' not in last
    assert client.get("/datalekken?page=twee").status_code == 200      # not a number: the first page
    everything = client.get("/datalekken?alle=1&page=3").get_data(as_text=True)
    assert "Pagina 3 van 3 (25 datalekken)" in everything and "Afgesloten" in everything
