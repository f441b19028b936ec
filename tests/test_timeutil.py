from __future__ import annotations

import datetime as dt

import pytest

from bio_register.timeutil import (
    AmbiguousLocalTime,
    NonexistentLocalTime,
    hours_between,
    quarter,
    quarter_of,
    to_utc,
)

UTC = dt.UTC


def test_winter_and_summer_offsets() -> None:
    assert to_utc(dt.datetime(2026, 1, 15, 12, 0)) == dt.datetime(2026, 1, 15, 11, 0, tzinfo=UTC)
    assert to_utc(dt.datetime(2026, 7, 15, 12, 0)) == dt.datetime(2026, 7, 15, 10, 0, tzinfo=UTC)


def test_autumn_hour_that_happens_twice_is_never_guessed() -> None:
    local = dt.datetime(2026, 10, 25, 2, 30)
    with pytest.raises(AmbiguousLocalTime) as info:
        to_utc(local)
    summer, winter = info.value.options
    assert summer == dt.datetime(2026, 10, 25, 0, 30, tzinfo=UTC)
    assert winter == dt.datetime(2026, 10, 25, 1, 30, tzinfo=UTC)
    assert to_utc(local, fold=0) == summer
    assert to_utc(local, fold=1) == winter


def test_spring_hour_that_does_not_exist_is_refused() -> None:
    with pytest.raises(NonexistentLocalTime):
        to_utc(dt.datetime(2026, 3, 29, 2, 30))


def test_quarter_is_cut_in_amsterdam_time() -> None:
    # 23:30 on 31 March Amsterdam time is 21:30 UTC: still Q1
    assert quarter_of(dt.datetime(2026, 3, 31, 21, 30, tzinfo=UTC)).label == "2026-Q1"
    # 00:30 on 1 April Amsterdam (summer time) is 22:30 UTC on 31 March: Q2
    assert quarter_of(dt.datetime(2026, 3, 31, 22, 30, tzinfo=UTC)).label == "2026-Q2"
    q4 = quarter(2026, 4)
    assert q4.start == dt.datetime(2026, 9, 30, 22, 0, tzinfo=UTC)
    assert q4.end == dt.datetime(2026, 12, 31, 23, 0, tzinfo=UTC)


def test_hours_are_elapsed_hours_across_the_autumn_change() -> None:
    start = to_utc(dt.datetime(2026, 10, 24, 12, 0))
    end = to_utc(dt.datetime(2026, 10, 25, 12, 0))
    assert hours_between(start, end) == 25
