"""The start page's datalekken at scale: the first rows of the FG's overview without loading it all."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask.testing import FlaskClient

from bio_register.breaches import services as breaches
from bio_register.database import utcnow
from bio_register.extensions import db
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
