"""The start page's chart (issue 19, item 4): eight quarters of incidents, datalekken and AP
meldingen on time and late, for the organisations the user reads, with the numbers in a table."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from typing import Any

import pytest
from flask.testing import FlaskClient

from bio_register.breaches import services as breaches
from bio_register.database import utcnow
from bio_register.extensions import db
from bio_register.main import trends
from tests import factories
from tests.conftest import login


@pytest.fixture(autouse=True)
def _fresh_cache() -> Iterator[None]:
    trends.clear_cache()   # figures kept by an earlier test's (rolled back) data must not show
    yield
    trends.clear_cache()


def _notified(org: str, discovered_at: dt.datetime, hours_after: float) -> None:
    """A datalek notified to the AP ``hours_after`` its discovery (the FG aware at discovery)."""
    item = factories.incident(org, is_datalek=True, discovered_at=discovered_at)
    fg = factories.fg_of(org)
    factories.assess(item, fg=fg)
    breaches.decide(fg, item, True, "Risico voor betrokkenen.")
    breaches.record_notification(fg, item, "initial", discovered_at + dt.timedelta(hours=hours_after), "M-1",
                                 "Later dan 72 uur (test)." if hours_after > 72 else None,
                                 now=discovered_at + dt.timedelta(hours=hours_after + 1))
    db.session.commit()


def _data() -> list[Any]:
    now = utcnow()
    periods = trends.last_quarters(now)
    last, before = periods[-1], periods[-3]
    day = before.start + dt.timedelta(days=10)
    factories.incident("DIE", discovered_at=day)
    factories.incident("DIE", discovered_at=day + dt.timedelta(days=1))
    _notified("DIE", day, 20)          # on time
    _notified("DIE", day, 100)         # late
    factories.incident("OA", discovered_at=day)   # another organisation
    factories.incident("DIE", discovered_at=max(last.start, now - dt.timedelta(hours=3)))
    return periods


def test_quarterly_trend_counts_what_the_user_reads(app: Any) -> None:
    periods = _data()
    vo = factories.user([("verbindingsofficier", "DIE")])
    trend = trends.quarterly_trend(vo, utcnow())
    assert [q.period for q in trend.quarters] == [p.label for p in periods]
    by = {q.period: q for q in trend.quarters}
    before = by[periods[-3].label]
    assert (before.incidents, before.datalekken, before.ap_on_time, before.ap_late) == (2, 2, 1, 1)
    assert by[periods[-1].label].incidents == 1
    assert sum(q.total for q in trend.quarters) == 5       # not OA's
    cc = factories.user([("concern_control", "DUO")])
    assert sum(q.total for q in trends.quarterly_trend(cc, utcnow()).quarters) == 6


def test_completed_quarters_are_kept_the_current_one_is_counted_afresh(app: Any, count_queries: Any) -> None:
    periods = _data()
    vo = factories.user([("verbindingsofficier", "DIE")])
    trends.quarterly_trend(vo, utcnow())
    factories.incident("DIE", discovered_at=utcnow() - dt.timedelta(minutes=5))
    with count_queries() as counter:
        again = trends.quarterly_trend(vo, utcnow())
    # one quarter counted (the current; its CASE in SELECT and GROUP BY), the seven before from the cache
    counted = [s for s in counter.statements if "FROM incidents" in s]
    assert len(counted) == 1 and counted[0].count("WHEN (incidents.discovered_at") == 2, counter.statements
    assert again.quarters[-1].incidents == 2                       # the new one shows at once
    assert again.quarters[-3].ap_late == 1
    assert [q.period for q in again.quarters] == [p.label for p in periods]


def test_start_page_shows_the_chart_and_its_table(client: FlaskClient) -> None:
    periods = _data()
    vo = factories.user([("verbindingsofficier", "DIE")])
    login(client, vo.email, factories.PASSWORD)
    response = client.get("/")
    html = response.get_data(as_text=True)
    (svg,) = re.findall(r"<svg\b.*?</svg>", html, flags=re.S)
    assert 'role="img"' in svg and "<title" in svg and "style=" not in svg
    assert "AP-meldingen te laat" in svg and "AP-meldingen op tijd" in svg
    label = periods[-3].label
    words = f"{label[-1]}e kwartaal {label[:4]}"
    row = re.search(rf'<th scope="row">{words}</th>(.*?)</tr>', html, flags=re.S)
    assert row is not None
    assert re.findall(r'<td class="num">(\d+)</td>', row.group(1)) == ["2", "2", "1", "1"]


def test_start_page_queries_do_not_grow_with_incidents(client: FlaskClient, count_queries: Any) -> None:
    vo = factories.user([("verbindingsofficier", "DIE")])
    login(client, vo.email, factories.PASSWORD)
    _data()
    trends.clear_cache()
    with count_queries() as few:
        assert client.get("/").status_code == 200
    _data()
    _data()
    trends.clear_cache()
    with count_queries() as many:
        assert client.get("/").status_code == 200
    assert many.count == few.count, many.statements


def test_a_reporter_gets_no_chart(client: FlaskClient) -> None:
    _data()
    reporter = factories.user([("medewerker", "DIE")])
    login(client, reporter.email, factories.PASSWORD)
    assert "<svg" not in client.get("/").get_data(as_text=True)


def test_english_labels_in_english(client: FlaskClient) -> None:
    periods = _data()
    vo = factories.user([("verbindingsofficier", "DIE")])
    login(client, vo.email, factories.PASSWORD)
    html = client.get("/?lang=en").get_data(as_text=True)
    (svg,) = re.findall(r"<svg\b.*?</svg>", html, flags=re.S)
    label = periods[-1].label
    texts = re.findall(r">([^<>]*)</text>", svg)
    assert f"Q{label[-1]}" in texts and not any("kwartaal" in t for t in texts)
