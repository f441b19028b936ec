"""Compliance charts on screen (issue 19, item 4): the organisation's implementation over time and
per theme, and concern control's overview with its spread, counted in SQL with the same figures as
the per-organisation computation."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from flask.testing import FlaskClient

from bio_register.compliance import catalogs as catalog_import
from bio_register.compliance import services
from bio_register.database import utcnow
from bio_register.extensions import db
from bio_register.main import trends
from tests import factories
from tests.conftest import login


@pytest.fixture
def bio() -> dict[str, Any]:
    catalog_import.import_all(actor_label="test")
    db.session.commit()
    return {c.key: c for c in services.catalogs()}


def _catalog(bio: dict[str, Any]) -> Any:
    return bio["BIO2-1.3"]


def _assess_many(code: str, n: int, *, offset: int = 0, now: dt.datetime | None = None,
                 proposed: bool = False) -> None:
    catalog = next(c for c in services.catalogs() if c.key.startswith("BIO2"))
    controls = services.controls_of(catalog, kind=services.ControlKind.MEASURE)[:n]
    org = factories.organisation(code, parent="DUO")
    ciso = factories.user([("ciso", code)])
    for i, control in enumerate(controls):
        status = ("niet", "gedeeltelijk", "volledig")[(i + offset) % 3]
        data = ({"applicable": True, "status": status} if (i + offset) % 7
                else {"applicable": False, "justification": "n.v.t."})
        services.assess(ciso, org, control, data, now=now, proposed=proposed and i % 2 == 0)
    db.session.commit()


def test_the_aggregate_equals_the_per_organisation_computation(bio: dict[str, Any]) -> None:
    catalog = _catalog(bio)
    long_ago = utcnow() - dt.timedelta(days=200)
    _assess_many("DIE", 30, now=long_ago)
    _assess_many("DIE", 12, offset=1)                 # a newer assessment of the first twelve: history
    _assess_many("OA", 25, proposed=True)
    _assess_many("UIT", 5, offset=2, now=long_ago)
    factories.organisation("AMS", parent="DUO")        # nothing assessed
    orgs = [factories.organisation(code) for code in ("DIE", "OA", "UIT", "AMS")]
    for as_of in (None, utcnow() - dt.timedelta(days=100)):
        old = services.compliance_of_many(orgs, catalog, as_of=as_of)
        new = services.summaries([o.id for o in orgs], catalog, as_of=as_of)
        for org, result in zip(orgs, old, strict=True):
            summary = new[org.id]
            assert summary.total == result.total, (org.code, as_of)
            assert summary.unassessed == len(result.unassessed)
            assert summary.gaps == len(result.gaps)
            assert summary.proposed == result.proposed
    # and the figures are not all alike (the comparison above would pass on empty data)
    now = services.summaries([o.id for o in orgs], catalog)
    assert len({now[o.id].total.percentage for o in orgs}) >= 3 and now[orgs[1].id].proposed > 0
    assert now[orgs[0].id].total.assessed > 20 and now[orgs[3].id].total.assessed == 0


def test_history_per_quarter_follows_the_assessments_in_force(bio: dict[str, Any]) -> None:
    catalog = _catalog(bio)
    now = utcnow()
    periods = trends.last_quarters(now)
    # everything "niet" two quarters before the current one, improved later
    _assess_many("DIE", 21, offset=0, now=periods[-3].start + dt.timedelta(days=1))
    _assess_many("DIE", 21, offset=2, now=periods[-2].start + dt.timedelta(days=1))
    org = factories.organisation("DIE")
    moments: list[dt.datetime | None] = [p.end for p in periods[:-1]] + [None]
    history = services.implementation_history(org, catalog, moments)
    for moment, summary in zip(moments, history, strict=True):
        assert summary == services.compliance(org, catalog, as_of=moment).total, moment
    assert history[0].assessed == 0 and history[0].percentage is None       # before any assessment
    assert history[-3].assessed == history[-2].assessed > 15
    assert history[-3].percentage != history[-2].percentage


def _svg(html: str) -> list[str]:
    return re.findall(r"<svg\b.*?</svg>", html, flags=re.S)


def test_organisation_page_shows_readable_charts_with_their_numbers(client: FlaskClient,
                                                                  bio: dict[str, Any]) -> None:
    _assess_many("DIE", 30)
    ciso = factories.user([("ciso", "DIE")])
    login(client, ciso.email, factories.PASSWORD)
    response = client.get("/compliance/DIE/BIO2-1.3")
    html = response.get_data(as_text=True)
    assert "unsafe-inline" not in response.headers["Content-Security-Policy"]
    history, per_theme = _svg(html)
    for svg in (history, per_theme):
        assert 'role="img"' in svg and "<title" in svg
        assert "style=" not in svg              # the CSP refuses style attributes
        sizes = [float(s) for s in re.findall(r'font-size="([\d.]+)px"', svg)]
        assert sizes and min(sizes) >= 10.5      # was 8 px
    # the count beside each bar is explained and written out: "n van m"
    assert "toepasselijke overheidsmaatregelen" in html
    assert re.search(r">\d+ van \d+</text>", per_theme)
    # the quarters in words, in the chart and in its table; percentages in Dutch
    quarter = trends.last_quarters(utcnow())[-1].label
    words = f"{quarter[-1]}e kwartaal"
    assert words in history and f"{words} {quarter[:4]} (nu)" in html
    assert re.search(r"\d+,\d\xa0%", html)


def test_concern_overview_shows_the_spread_over_organisations(client: FlaskClient, bio: dict[str, Any]) -> None:
    _assess_many("DIE", 30)              # about half implemented
    _assess_many("OA", 10, offset=2)
    factories.organisation("UIT")
    cc = factories.user([("concern_control", "DUO")])
    login(client, cc.email, factories.PASSWORD)
    html = client.get("/compliance").get_data(as_text=True)
    (chart,) = _svg(html)
    assert 'role="img"' in chart and "style=" not in chart
    assert "Spreiding over de organisaties" in html
    table = html[html.index("Aantal organisaties per mate van implementatie"):]
    rows = dict(re.findall(r'<th scope="row">([^<]+)</th><td class="num">(\d+)</td>', table))
    assert sum(int(n) for n in rows.values()) == html.count('href="/compliance/') - html.count("?catalogus")
    assert int(rows["nog niets beoordeeld"]) >= 2     # DUO and UIT at least
    assert "80 tot en met 100\xa0%" in rows


def test_concern_overview_queries_do_not_grow_with_assessments(client: FlaskClient, bio: dict[str, Any],
                                                               count_queries: Any) -> None:
    cc = factories.user([("concern_control", "DUO")])
    login(client, cc.email, factories.PASSWORD)
    _assess_many("DIE", 5)
    with count_queries() as few:
        assert client.get("/compliance").status_code == 200
    for code in ("OA", "UIT", "AMS"):
        _assess_many(code, 40)
        _assess_many(code, 40, offset=1)
    with count_queries() as many:
        assert client.get("/compliance").status_code == 200
    assert many.count == few.count, many.statements
    # no assessment row is loaded: only counts come back
    assert not any("control_assessments.justification" in s for s in many.statements)


def test_organisation_page_queries_do_not_grow_with_history(client: FlaskClient, bio: dict[str, Any],
                                                            count_queries: Any) -> None:
    ciso = factories.user([("ciso", "DIE")])
    login(client, ciso.email, factories.PASSWORD)
    _assess_many("DIE", 5)
    with count_queries() as few:
        assert client.get("/compliance/DIE/BIO2-1.3").status_code == 200
    for offset in range(4):
        _assess_many("DIE", 40, offset=offset, now=utcnow() - dt.timedelta(days=90 * offset))
    factories.measure("DIE")
    with count_queries() as many:
        assert client.get("/compliance/DIE/BIO2-1.3").status_code == 200
    assert many.count == few.count, many.statements
