"""The demo's calendar: the window of history and vectorised date arithmetic.

Dates are numpy `datetime64[D]` arrays and timestamps `datetime64[s]` arrays; a missing
date is NaT. Everything here works on whole arrays, never on one row at a time.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np

#: A date argument: an array of dates, or one date.
Dates = np.ndarray | np.datetime64

NAT = np.datetime64("NaT", "D")
DAY = np.timedelta64(1, "D")
SECONDS_PER_DAY = 86_400


@dataclass(frozen=True)
class Window:
    """History runs from the first day of `start` month to `end`, both included."""

    start: np.datetime64  # datetime64[D], the first day of the first month
    end: np.datetime64  # datetime64[D], the last day of history
    months: int

    @classmethod
    def ending(cls, end: date, months: int) -> Window:
        last = np.datetime64(end, "D")
        first_month = last.astype("datetime64[M]") - (months - 1)
        return cls(start=first_month.astype("datetime64[D]"), end=last, months=months)

    @property
    def days(self) -> int:
        """Days of history, both ends included."""
        return int((self.end - self.start) / DAY) + 1

    @property
    def end_ts(self) -> np.datetime64:
        """The last second of history: nothing may happen after it."""
        return (self.end + DAY).astype("datetime64[s]") - np.timedelta64(1, "s")

    @property
    def month_starts(self) -> np.ndarray:
        """First day of every month of history, oldest first."""
        first = self.start.astype("datetime64[M]")
        return (first + np.arange(self.months)).astype("datetime64[D]")


def add_months(days: np.ndarray, months: int | np.ndarray) -> np.ndarray:
    """The same day of the month `months` later, clipped to the month's last day."""
    days = np.asarray(days, dtype="datetime64[D]")
    month = days.astype("datetime64[M]")
    day_of_month = days - month.astype("datetime64[D]")
    target = month + np.asarray(months, dtype="timedelta64[M]")
    last_day = (target + 1).astype("datetime64[D]") - DAY
    return np.minimum(target.astype("datetime64[D]") + day_of_month, last_day)


def month_index(days: Dates, window: Window) -> np.ndarray:
    """Months since the window's first month (0 for the first month of history)."""
    first = window.start.astype("datetime64[M]")
    return (np.asarray(days, dtype="datetime64[D]").astype("datetime64[M]") - first).astype(
        np.int64
    )


def days_between(later: Dates, earlier: Dates) -> np.ndarray:
    """Whole days from `earlier` to `later` as floats (NaN where either is NaT)."""
    delta = (np.asarray(later, "datetime64[D]") - np.asarray(earlier, "datetime64[D]"))
    out = delta.astype("timedelta64[D]").astype(np.float64)
    out[np.isnat(delta)] = np.nan
    return out


def shift_days(days: Dates, offset: np.ndarray | float) -> np.ndarray:
    """Dates moved by a (possibly fractional, rounded) number of days; NaT stays NaT."""
    whole = np.rint(np.asarray(offset, dtype=np.float64)).astype(np.int64)
    return np.asarray(days, dtype="datetime64[D]") + whole.astype("timedelta64[D]")


def at_time(days: np.ndarray, seconds: np.ndarray | float) -> np.ndarray:
    """Timestamps `seconds` after midnight of `days` (seconds may exceed one day)."""
    base = np.asarray(days, dtype="datetime64[D]").astype("datetime64[s]")
    whole = np.rint(np.asarray(seconds, dtype=np.float64)).astype(np.int64)
    return base + whole.astype("timedelta64[s]")


def after(timestamps: np.ndarray, hours: np.ndarray | float) -> np.ndarray:
    """Timestamps moved `hours` later, to the second."""
    whole = np.rint(np.asarray(hours, dtype=np.float64) * 3600).astype(np.int64)
    return np.asarray(timestamps, dtype="datetime64[s]") + whole.astype("timedelta64[s]")


def not_after(values: np.ndarray, limit: np.datetime64) -> np.ndarray:
    """Values later than `limit` become NaT: they have not happened yet."""
    out = np.array(values, copy=True)
    out[out > limit] = np.datetime64("NaT")
    return out


def uniform_between(
    rng: np.random.Generator, first: np.ndarray, last: np.ndarray
) -> np.ndarray:
    """A random day in [first, last] for each pair (last must not precede first)."""
    span = days_between(last, first)
    offset = np.floor(rng.random(len(span)) * (span + 1))
    return shift_days(first, offset)
