"""When a measure is overdue: the rule shared by the services, the templates and the API."""

from __future__ import annotations

import datetime as dt

from bio_register.database import utcnow
from bio_register.measures.models import OPEN_MEASURE_STATUSES, Measure
from bio_register.timeutil import DEFAULT_TZ, to_local


def local_today(now: dt.datetime | None = None, tz: str = DEFAULT_TZ) -> dt.date:
    """Today's date on the wall in ``tz`` (Europe/Amsterdam): deadlines are local days."""
    return to_local(now or utcnow(), tz).date()


def is_overdue(measure: Measure, today: dt.date) -> bool:
    """Open (gepland or in uitvoering) and due before ``today``: due today is not yet late."""
    return (measure.status in OPEN_MEASURE_STATUSES and measure.due_date is not None
            and measure.due_date < today)
