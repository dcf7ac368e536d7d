"""Date arithmetic of the demo world."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from caresight.demo.timeline import Window, add_months, days_between, not_after


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        ("2024-01-15", 1, "2024-02-15"),
        ("2024-01-31", 1, "2024-02-29"),  # clipped to the last day of a leap February
        ("2023-01-31", 1, "2023-02-28"),
        ("2024-02-29", 12, "2025-02-28"),
        ("2024-12-31", 2, "2025-02-28"),
        ("2024-03-31", -1, "2024-02-29"),
    ],
    ids=["mid-month", "leap-february", "february", "anniversary-of-leap-day",
         "across-new-year", "backwards"],
)
def test_adding_months_keeps_the_day_or_clips_it_to_the_month_end(day, months, expected):
    result = add_months(np.array([day], dtype="datetime64[D]"), months)
    assert str(result[0]) == expected


def test_adding_months_to_a_missing_date_leaves_it_missing():
    result = add_months(np.array(["NaT"], dtype="datetime64[D]"), 3)
    assert np.isnat(result[0])


@given(st.dates(min_value=date(1990, 1, 1), max_value=date(2090, 1, 1)),
       st.integers(min_value=-240, max_value=240))
def test_adding_months_moves_exactly_that_many_calendar_months(day, months):
    result = add_months(np.array([day], dtype="datetime64[D]"), months)[0].item()
    assert (result.year * 12 + result.month) - (day.year * 12 + day.month) == months
    assert result.day <= day.day


def test_a_window_starts_on_the_first_day_of_its_first_month():
    window = Window.ending(date(2024, 3, 15), 3)
    # January, February and March 2024; March is in progress on the 15th.
    assert window.start == np.datetime64("2024-01-01")
    assert window.days == 31 + 29 + 15
    assert [str(m) for m in window.month_starts] == ["2024-01-01", "2024-02-01", "2024-03-01"]
    assert window.end_ts == np.datetime64("2024-03-15T23:59:59")


def test_days_between_is_empty_where_a_date_is_missing():
    later = np.array(["2024-03-01", "NaT"], dtype="datetime64[D]")
    earlier = np.array(["2024-02-01", "2024-01-01"], dtype="datetime64[D]")
    result = days_between(later, earlier)
    assert result[0] == 29
    assert np.isnan(result[1])


def test_values_after_the_limit_have_not_happened_yet():
    limit = np.datetime64(date(2024, 1, 10) + timedelta(days=0))
    values = np.array(["2024-01-09", "2024-01-10", "2024-01-11"], dtype="datetime64[D]")
    assert [str(v) for v in not_after(values, limit)] == ["2024-01-09", "2024-01-10", "NaT"]
