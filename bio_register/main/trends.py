"""The start page's trend: per quarter, the incidents, the datalekken and the initial AP meldingen
on time and late, over the organisations the user may read. Never commits, knows no Flask.

The counts follow the quarterly report's definitions (``reporting.services``): an incident counts in
the quarter it was discovered; an initial AP melding in the quarter it was submitted, late when it
was submitted more than 72 hours after the organisation became aware (the FG's ``aware_at``, else
the discovery).

Completed quarters hardly change but cost the most to count (at national scale about 25,000
incidents a quarter for concern control), so their figures are kept per process for
:data:`CACHE_SECONDS`; the current quarter is always counted afresh.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import and_, case, func, select

from bio_register.accounts.models import User
from bio_register.breaches.models import ApNotification, BreachAssessment, NotificationKind
from bio_register.breaches.services import AP_DEADLINE
from bio_register.extensions import db
from bio_register.incidents.models import Incident
from bio_register.permissions import (
    AllOrganisations,
    Permission,
    has_permission,
    organisation_ids_with,
    organisation_scope,
)
from bio_register.timeutil import DEFAULT_TZ, Period, quarter, quarter_of

QUARTERS = 8
#: how long a completed quarter's figures are reused within one process
CACHE_SECONDS = 600
#: at most this many (scope, quarter) figures are kept; the oldest go first
CACHE_SIZE = 2048


@dataclass(frozen=True)
class QuarterFigures:
    period: str              # "2026-Q3"
    incidents: int           # beveiligingsincidenten that are not datalekken
    datalekken: int
    ap_on_time: int          # initial AP meldingen within 72 hours of awareness
    ap_late: int

    @property
    def total(self) -> int:
        return self.incidents + self.datalekken


@dataclass(frozen=True)
class Trend:
    quarters: list[QuarterFigures]   # oldest first, the current quarter last
    shows_ap: bool                   # the user reads datalekken (else the AP columns are left out)


_cache: dict[tuple[object, ...], tuple[float, QuarterFigures]] = {}
_cache_lock = threading.Lock()


def clear_cache() -> None:
    with _cache_lock:
        _cache.clear()


def last_quarters(now: dt.datetime, count: int = QUARTERS, tz: str = DEFAULT_TZ) -> list[Period]:
    """The ``count`` quarters up to the one holding ``now``, oldest first."""
    current = quarter_of(now, tz)
    year, q = int(current.label[:4]), int(current.label[-1])
    periods = []
    for _step in range(count):
        periods.append(quarter(year, q, tz))
        year, q = (year - 1, 4) if q == 1 else (year, q - 1)
    return periods[::-1]


def _scope_key(user: User, permission: Permission) -> object:
    scope = organisation_ids_with(user, permission)
    return "all" if isinstance(scope, AllOrganisations) else tuple(sorted(scope))


def quarterly_trend(user: User, now: dt.datetime, tz: str = DEFAULT_TZ) -> Trend:
    """The last eight quarters for the organisations in which ``user`` reads incidents (and, for the
    AP meldingen, datalekken): a fixed number of queries (two when the completed quarters are
    known, nine when none are)."""
    periods = last_quarters(now, QUARTERS, tz)
    shows_ap = has_permission(user, Permission.BREACH_READ)
    key = (_scope_key(user, Permission.INCIDENT_READ),
           _scope_key(user, Permission.BREACH_READ) if shows_ap else None, tz)
    moment = time.monotonic()
    known: dict[str, QuarterFigures] = {}
    with _cache_lock:
        for period in periods[:-1]:
            hit = _cache.get((*key, period.label))
            if hit is not None and moment - hit[0] < CACHE_SECONDS:
                known[period.label] = hit[1]
    missing = [p for p in periods if p.label not in known]
    counted = _count(user, missing, shows_ap)
    with _cache_lock:
        for period in missing:
            if period.label != periods[-1].label:  # the current quarter is never kept
                _cache[(*key, period.label)] = (moment, counted[period.label])
        while len(_cache) > CACHE_SIZE:
            _cache.pop(next(iter(_cache)))
    figures = {**known, **counted}
    return Trend([figures[p.label] for p in periods], shows_ap)


def _count(user: User, periods: Sequence[Period], shows_ap: bool) -> dict[str, QuarterFigures]:
    """The figures of ``periods`` (contiguous or not): the incidents in one query grouped by quarter
    in SQL, the AP meldingen in one query per quarter."""
    if not periods:
        return {}
    start, end = min(p.start for p in periods), max(p.end for p in periods)
    bucket = case(*((and_(Incident.discovered_at >= p.start, Incident.discovered_at < p.end), p.label)
                    for p in periods), else_=None)
    incidents = {label: (int(n), int(leaks)) for label, n, leaks in db.session.execute(
        select(bucket, func.count(), func.coalesce(func.sum(case((Incident.is_datalek.is_(True), 1), else_=0)), 0))
        .where(organisation_scope(user, Permission.INCIDENT_READ, Incident.organisation_id),
               Incident.discovered_at >= start, Incident.discovered_at < end)
        .group_by(bucket)) if label is not None}
    on_time: dict[str, int] = {}
    late: dict[str, int] = {}
    if shows_ap:
        # One query a quarter: over two years at once PostgreSQL hashes the whole incidents index
        # (~250 ms at a million); a quarter at a time it looks up each melding's incident (~6 ms).
        # The lateness is decided in Python: interval arithmetic differs between SQLite and
        # PostgreSQL, and these are the initial meldingen only (a few thousand a quarter nationally).
        for period in periods:
            rows = db.session.execute(
                select(ApNotification.submitted_at,
                       func.coalesce(BreachAssessment.aware_at, Incident.discovered_at))
                .join(Incident, Incident.id == ApNotification.incident_id)
                .outerjoin(BreachAssessment, BreachAssessment.incident_id == Incident.id)
                .where(organisation_scope(user, Permission.BREACH_READ, Incident.organisation_id),
                       ApNotification.kind == NotificationKind.INITIAL,
                       ApNotification.submitted_at >= period.start, ApNotification.submitted_at < period.end))
            for submitted_at, aware_at in rows:
                target = late if _aware(submitted_at) > _aware(aware_at) + AP_DEADLINE else on_time
                target[period.label] = target.get(period.label, 0) + 1
    out = {}
    for period in periods:
        total, leaks = incidents.get(period.label, (0, 0))
        out[period.label] = QuarterFigures(period.label, total - leaks, leaks, on_time.get(period.label, 0),
                                           late.get(period.label, 0))
    return out


def _aware(value: dt.datetime) -> dt.datetime:
    """A timestamp read through ``coalesce`` loses the column type (naive on SQLite): UTC then."""
    return value if value.tzinfo is not None else value.replace(tzinfo=dt.UTC)
