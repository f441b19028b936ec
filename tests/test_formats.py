"""Numbers, percentages and durations in the user's language (issue 19, Dutch formats)."""

from __future__ import annotations

import datetime as dt

import pytest
from flask import Flask
from flask.testing import FlaskClient

from bio_register.database import utcnow
from bio_register.i18n import format_fixed, format_hours, format_percentage
from tests import factories
from tests.conftest import login


@pytest.mark.parametrize(("lang", "fixed", "percentage", "hours", "days"), [
    ("nl", "1.234,5", "70,0\u00a0%", "19,7 uur", "143 dagen en 9 uur"),
    ("en", "1,234.5", "70.0%", "19.7 hours", "143 days and 9 hours"),
])
def test_numbers_and_durations_follow_the_language(app: Flask, lang: str, fixed: str, percentage: str, hours: str,
                                                   days: str) -> None:
    with app.test_request_context(f"/?lang={lang}"):
        assert format_fixed(1234.5) == fixed
        assert format_percentage(70) == percentage
        assert format_hours(19.66) == hours
        assert format_hours(-3441.4) == days        # the sign is the caller's: "te laat"
        assert format_fixed(4.25, 2) == fixed.replace("1.234,5", "4,25").replace("1,234.5", "4.25")


def test_a_number_formatted_before_reads_in_the_language_and_decimals_asked_now(app: Flask) -> None:
    """The formatted numbers are remembered (a page of hundreds of percentages): the same value
    asked again in another language or with other decimals is not given the earlier text."""
    seen = []
    for lang, digits in (("nl", 1), ("en", 1), ("nl", 1), ("nl", 0), ("en", 2)):
        with app.app_context(), app.test_request_context(f"/?lang={lang}"):  # a new request, a new locale
            seen.append((format_fixed(1234.5, digits), format_percentage(55.5, digits)))
    assert seen == [("1.234,5", "55,5\u00a0%"), ("1,234.5", "55.5%"), ("1.234,5", "55,5\u00a0%"),
                    ("1.234", "56\u00a0%"), ("1,234.50", "55.50%")]
    # outside a request: Babel's default locale, as before
    with app.app_context():
        assert format_fixed(2.0, 1) in ("2.0", "2,0")


def test_durations_switch_to_days_at_48_hours(app: Flask) -> None:
    with app.test_request_context("/?lang=nl"):
        assert format_hours(47.9) == "47,9 uur"
        assert format_hours(48) == "2 dagen"
        assert format_hours(49) == "2 dagen en 1 uur"
        assert format_hours(24 * 1 + 0.2 + 24) == "2 dagen"


def test_a_datalek_long_past_its_deadline_reads_in_days(client: FlaskClient) -> None:
    """Seen: "3441.6 uur te laat" for a datalek 143 days past its AP deadline."""
    fg = factories.user([("fg", "DIE")])
    factories.incident("DIE", is_datalek=True, title="Oude brief met BSN",
                       discovered_at=utcnow() - dt.timedelta(days=10, hours=3))
    login(client, fg.email, factories.PASSWORD)
    for page in ("/datalekken", "/"):
        html = client.get(page).get_data(as_text=True)
        assert "7 dagen en 3 uur te laat" in html, page
        assert "uur te laat" not in html.replace("3 uur te laat", ""), page


def test_times_carry_an_offset_only_in_the_hour_that_comes_twice(app: Flask) -> None:
    """Seen: "06-12-2026 14:11 (UTC+01:00)" after ordinary times."""
    from bio_register.i18n import format_local

    utc = dt.UTC
    with app.test_request_context("/"):
        assert format_local(dt.datetime(2026, 12, 6, 13, 11, tzinfo=utc), True) == "06-12-2026 14:11"
        assert format_local(dt.datetime(2027, 3, 28, 1, 30, tzinfo=utc), True) == "28-03-2027 03:30"  # spring
        # 25 October 2026: 02:30 happens twice, first in summer time, then in winter time
        assert format_local(dt.datetime(2026, 10, 25, 0, 30, tzinfo=utc), True) == "25-10-2026 02:30 (UTC+02:00)"
        assert format_local(dt.datetime(2026, 10, 25, 1, 30, tzinfo=utc), True) == "25-10-2026 02:30 (UTC+01:00)"
        assert format_local(dt.datetime(2026, 10, 25, 1, 30, tzinfo=utc)) == "25-10-2026 02:30"


@pytest.mark.parametrize(("lang", "quarter", "month"), [("nl", "4e kwartaal 2026", "oktober 2026"),
                                                         ("en", "Q4 2026", "October 2026")])
def test_report_periods_read_as_people_say_them(app: Flask, lang: str, quarter: str, month: str) -> None:
    """Seen: "2026-Q4" on screen where the PDF says "4e kwartaal 2026"."""
    from bio_register.i18n import format_period

    with app.test_request_context(f"/?lang={lang}"):
        assert (format_period("2026-Q4"), format_period("2026-10"), format_period("2026")) == (quarter, month, "2026")


def test_the_report_archive_names_its_periods_in_words(client: FlaskClient) -> None:
    from bio_register.reporting import services as reporting

    factories.organisation("DIE")
    reporting.generate("quarterly", "2026-Q3", "DIE", actor_label="test",
                       now=dt.datetime(2026, 10, 5, 9, 0, tzinfo=dt.UTC))
    control = factories.user([("concern_control", "DUO")])
    login(client, control.email, factories.PASSWORD)
    html = client.get("/rapportages").get_data(as_text=True)
    assert "3e kwartaal 2026" in html and "2026-Q3</td>" not in html
