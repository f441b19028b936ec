"""The quarterly report: open findings per organisation, the overdue ones by name (issue 21, item 3)."""

from __future__ import annotations

import datetime as dt

import pytest

from bio_register.findings import services as findings
from bio_register.reporting import services as reporting
from bio_register.timeutil import quarter, to_utc
from reports import render
from tests import factories
from tests.reports.test_render import pages

pytestmark = pytest.mark.usefixtures("app_ctx")

NOW = dt.datetime(2026, 11, 22, 9, 0, tzinfo=dt.UTC)
IN_Q3 = to_utc(dt.datetime(2026, 8, 3, 10, 0))


def _data(code: str):
    return reporting.quarterly_data(reporting.resolve_scope(code), quarter(2026, 3), version=1, generated_at=NOW)


def test_open_findings_per_organisation_and_the_overdue_ones_named() -> None:
    factories.finding("DIE", now=IN_Q3, title="MFA ontbreekt", found_on=dt.date(2026, 7, 1),
                      retest_on=dt.date(2026, 9, 1))
    factories.finding("DIE", now=IN_Q3, title="Back-up niet getest", found_on=dt.date(2026, 7, 1),
                      retest_on=dt.date(2026, 9, 30))   # the quarter's last day: passed by its end
    factories.finding("DIE", now=IN_Q3, title="Hertest in oktober", found_on=dt.date(2026, 7, 1),
                      retest_on=dt.date(2026, 10, 15))
    factories.finding("DIE", now=IN_Q3, title="Al opgelost", found_on=dt.date(2026, 7, 1), status="opgelost",
                      retest_on=dt.date(2026, 8, 1))
    resolved_later = factories.finding("UIT", now=IN_Q3, title="Suwinet-logging", source="ensia_suwinet",
                                       found_on=dt.date(2026, 7, 1), retest_on=dt.date(2026, 9, 1))
    # resolved after the quarter: it was open (and overdue) at the quarter's end
    findings.update_finding(None, resolved_later, {"status": "opgelost"}, 1, now=NOW)
    factories.finding("UIT", now=NOW, title="Na het kwartaal vastgelegd", found_on=dt.date(2026, 11, 1))

    data = _data("all")
    figures = data.findings
    assert [(c.organisation, c.open, c.overdue) for c in figures.per_organisation] == [
        ("Gemeente Diemen", 3, 2), ("Gemeente Uithoorn", 1, 1)]
    assert {f.title for f in figures.overdue} == {"MFA ontbreekt", "Back-up niet getest", "Suwinet-logging"}
    assert any(item.startswith("3 bevindingen zijn over de hertestdatum") and "Suwinet-logging" in item
               for item in data.attention)

    text = " ".join(pages(render.render_quarterly(data)))
    assert "Bevindingen met verlopen hertest" in text and "Back-up niet getest" in text
    assert "ENSIA-assessment Suwinet" in text and "Open bevindingen" in text
    assert "Hertest in oktober" not in text.split("Bevindingen met verlopen hertest", 1)[1].split("Compliance")[0]


def test_no_findings_says_so() -> None:
    factories.organisation("DIE")
    data = _data("DIE")
    assert data.findings.per_organisation == [] and not [i for i in data.attention if "bevinding" in i]
    text = " ".join(pages(render.render_quarterly(data)))
    assert "geen bevindingen open" in text


def test_one_organisation_leaves_out_the_organisation_column() -> None:
    factories.finding("DIE", now=IN_Q3, title="MFA ontbreekt", found_on=dt.date(2026, 7, 1),
                      retest_on=dt.date(2026, 9, 1))
    data = _data("DIE")
    assert [(c.organisation, c.open, c.overdue) for c in data.findings.per_organisation] == [("Gemeente Diemen", 1, 1)]
    text = " ".join(pages(render.render_quarterly(data)))
    overdue_part = text.split("Bevindingen met verlopen hertest", 1)[1].split("4 Compliance")[0]
    assert "MFA ontbreekt IT-audit hoog 01-09-2026" in overdue_part and "Gemeente Diemen" not in overdue_part
