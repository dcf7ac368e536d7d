"""The month spine: which months, measured on which day, bounded where in UTC."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import ibis
import pytest

from caresight.kpis.periods import month_index, month_spine

UTC = ZoneInfo("UTC")


def test_the_spine_runs_from_the_first_month_to_the_month_of_as_of() -> None:
    spine = month_spine(date(2023, 11, 20), date(2024, 2, 10), UTC)
    assert [p.period for p in spine] == ["2023-11", "2023-12", "2024-01", "2024-02"]
    assert [p.idx for p in spine] == [0, 1, 2, 3]


def test_full_months_are_measured_on_their_last_day_and_the_last_on_as_of() -> None:
    spine = month_spine(date(2024, 1, 1), date(2024, 2, 10), UTC)
    assert [p.measure_day for p in spine] == [date(2024, 1, 31), date(2024, 2, 10)]
    assert spine[-1].month_end == date(2024, 2, 29)


def test_as_of_on_a_months_last_day_measures_that_whole_month() -> None:
    spine = month_spine(date(2024, 1, 5), date(2024, 1, 31), UTC)
    assert [(p.period, p.measure_day) for p in spine] == [("2024-01", date(2024, 1, 31))]


def test_nothing_started_yet_gives_the_as_of_month_alone() -> None:
    spine = month_spine(date(2025, 1, 1), date(2024, 6, 15), UTC)
    assert [p.period for p in spine] == ["2024-06"]


def test_month_bounds_follow_the_reporting_time_zone_through_daylight_saving() -> None:
    (march,) = month_spine(date(2021, 3, 1), date(2021, 3, 31), ZoneInfo("America/Los_Angeles"))
    # PST (UTC-8) on March 1st; PDT (UTC-7) from March 14th, so April starts at 07:00 UTC.
    assert march.start_utc == datetime(2021, 3, 1, 8)
    assert march.end_utc == datetime(2021, 4, 1, 7)
    assert march.measure_end_utc == datetime(2021, 4, 1, 7)


def test_the_measuring_day_ends_at_local_midnight_in_utc() -> None:
    spine = month_spine(date(2021, 9, 1), date(2021, 9, 10), ZoneInfo("America/Los_Angeles"))
    assert spine[-1].measure_end_utc == datetime(2021, 9, 11, 7)


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        pytest.param(date(2023, 12, 31), -1, id="before-the-spine"),
        pytest.param(date(2024, 1, 1), 0, id="first-day"),
        pytest.param(date(2024, 1, 31), 0, id="last-day-of-the-first-month"),
        pytest.param(date(2025, 2, 1), 13, id="a-year-and-a-month-later"),
    ],
)
def test_month_index_counts_months_from_the_first_period(day: date, expected: int) -> None:
    first = month_spine(date(2024, 1, 1), date(2024, 1, 31), UTC)[0]
    days = ibis.memtable({"day": [day]}, schema={"day": "date"})
    con = ibis.duckdb.connect()
    assert con.execute(days.select(i=month_index(days.day, first))).i.tolist() == [expected]
