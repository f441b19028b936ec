"""Local (Europe/Amsterdam) wall-clock times ↔ stored UTC, and periods cut in local time.

Forms take local time. At the autumn change 02:00–03:00 happens twice and in spring it does
not exist: we never guess; the caller gets :class:`AmbiguousLocalTime` (ask which one) or
:class:`NonexistentLocalTime`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

DEFAULT_TZ = "Europe/Amsterdam"


class LocalTimeError(ValueError):
    pass


class AmbiguousLocalTime(LocalTimeError):
    """The wall-clock time occurs twice (the autumn change). ``options`` are both readings."""

    def __init__(self, local: dt.datetime, options: tuple[dt.datetime, dt.datetime]) -> None:
        super().__init__(f"{local:%d-%m-%Y %H:%M} occurs twice")
        self.local = local
        self.options = options


class NonexistentLocalTime(LocalTimeError):
    """The wall-clock time is skipped (the spring change)."""


def to_utc(local: dt.datetime, tz: str = DEFAULT_TZ, fold: int | None = None) -> dt.datetime:
    """A naive local wall-clock time as an aware UTC datetime.

    ``fold`` picks the reading of an ambiguous time: 0 the first (summer time), 1 the
    second (winter time). Without it an ambiguous time raises :class:`AmbiguousLocalTime`.
    """
    if local.tzinfo is not None:
        return local.astimezone(dt.UTC)
    zone = ZoneInfo(tz)
    first = local.replace(tzinfo=zone, fold=0)
    second = local.replace(tzinfo=zone, fold=1)
    # A skipped time does not survive the round trip through UTC.
    if first.astimezone(dt.UTC).astimezone(zone).replace(tzinfo=None) != local:
        raise NonexistentLocalTime(f"{local:%d-%m-%Y %H:%M} does not exist in {tz}")
    if first.utcoffset() != second.utcoffset():
        if fold is None:
            raise AmbiguousLocalTime(local, (first.astimezone(dt.UTC), second.astimezone(dt.UTC)))
        return (second if fold else first).astimezone(dt.UTC)
    return first.astimezone(dt.UTC)


def to_local(value: dt.datetime, tz: str = DEFAULT_TZ) -> dt.datetime:
    return value.astimezone(ZoneInfo(tz))


@dataclass(frozen=True)
class Period:
    """A half-open interval [start, end) in UTC, cut at local midnight."""

    label: str
    start: dt.datetime
    end: dt.datetime

    def __contains__(self, moment: dt.datetime) -> bool:
        return self.start <= moment < self.end


def _local_midnight(year: int, month: int, day: int, tz: str) -> dt.datetime:
    return dt.datetime(year, month, day, tzinfo=ZoneInfo(tz)).astimezone(dt.UTC)


def quarter_of(moment: dt.datetime, tz: str = DEFAULT_TZ) -> Period:
    local = to_local(moment, tz)
    q = (local.month - 1) // 3 + 1
    return quarter(local.year, q, tz)


def quarter(year: int, q: int, tz: str = DEFAULT_TZ) -> Period:
    start = _local_midnight(year, 3 * (q - 1) + 1, 1, tz)
    end = _local_midnight(year + (q == 4), 1 if q == 4 else 3 * q + 1, 1, tz)
    return Period(f"{year}-Q{q}", start, end)


def year_of(moment: dt.datetime, tz: str = DEFAULT_TZ) -> int:
    return to_local(moment, tz).year


def hours_between(start: dt.datetime, end: dt.datetime) -> float:
    """Elapsed hours (not wall-clock hours): right across daylight-saving changes."""
    return (end - start).total_seconds() / 3600
