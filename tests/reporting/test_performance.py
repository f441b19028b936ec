"""The quarterly report at scale: its data set is counted in the database, so the number of
queries does not grow with the number of incidents."""

from __future__ import annotations

import datetime as dt
from typing import Any

from bio_register.breaches import services as breaches
from bio_register.extensions import db
from bio_register.reporting import services as reporting
from bio_register.timeutil import quarter, to_utc
from tests import factories

NOW = to_utc(dt.datetime(2026, 10, 5, 12, 0))


def _log(n: int, start: int) -> None:
    fg = factories.fg_of("DIE")
    for i in range(start, start + n):
        item = factories.incident("DIE", title=f"Incident {i}", is_datalek=i % 2 == 0, category="phishing",
                                  severity="midden", discovered_at=to_utc(dt.datetime(2026, 7 + i % 3, 1 + i % 20)))
        if i % 4 == 0:
            factories.decide_not_to_notify(item, fg=fg)
        elif i % 4 == 2:
            factories.assess(item, fg=fg)
            breaches.decide(fg, item, True, "Melden: risico voor betrokkenen.")
            breaches.record_notification(fg, item, "initial", item.discovered_at + dt.timedelta(hours=80),
                                         f"M-{i}", late_reason="Later gezien.", now=NOW)
            db.session.commit()


def test_quarterly_data_issues_a_fixed_number_of_queries(count_queries: Any) -> None:
    _log(4, 0)
    scope = reporting.resolve_scope("DIE")
    with count_queries() as few:
        small = reporting.quarterly_data(scope, quarter(2026, 3), version=1, generated_at=NOW)
    _log(24, 4)
    with count_queries() as many:
        data = reporting.quarterly_data(scope, quarter(2026, 3), version=1, generated_at=NOW)
    assert many.count == few.count, many.statements
    assert small.incidents.value == 4 and data.incidents.value == 28
    assert data.datalekken.value == 14
    assert data.breaches.not_notified == 7 and data.breaches.notified == 7 and data.breaches.notified_late == 7
    assert [c.value for c in data.by_category] == [28]
    assert data.trend[-1].incidents + data.trend[-1].datalekken == 28
