"""The month spine: every period the KPIs are computed for.

A period is a calendar month. The book is measured on each month's last day, except the
month containing as_of, which is measured on as_of itself (a month in progress). The spine
is a few dozen rows, built in Python so that daylight-saving rules of the reporting time
zone stay out of SQL, and handed to the KPI expressions as a table.
"""

from __future__ import annotations

import calendar
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

if TYPE_CHECKING:
    import ibis.expr.types as ir


@dataclass(frozen=True)
class Period:
    """One month of the spine.

    `idx` counts months from the first period (0), so "the month k months earlier" is a
    subtraction. The UTC bounds are naive UTC instants, as timestamps are stored:
    `start_utc` inclusive and `end_utc` exclusive bound the month in the reporting time
    zone; `measure_end_utc` is the end of the measuring day (exclusive), the moment after
    which nothing has happened yet in the as_of month.
    """

    idx: int
    period: str
    month_start: date
    month_end: date
    measure_day: date
    start_utc: datetime
    end_utc: datetime
    measure_end_utc: datetime


def _utc(day: date, zone: ZoneInfo) -> datetime:
    """Midnight starting `day` in `zone`, as a naive UTC instant."""
    local = datetime.combine(day, time(), tzinfo=zone)
    return local.astimezone(UTC).replace(tzinfo=None)


def _next_month(day: date) -> date:
    return date(day.year + day.month // 12, day.month % 12 + 1, 1)


def month_spine(first_day: date, as_of: date, zone: ZoneInfo) -> list[Period]:
    """Periods from the month of `first_day` through the month containing `as_of`.

    When `first_day` is after `as_of` (nothing has started yet), the spine is the as_of
    month alone.
    """
    start = date(min(first_day, as_of).year, min(first_day, as_of).month, 1)
    periods: list[Period] = []
    while start <= as_of:
        following = _next_month(start)
        month_end = date(start.year, start.month, calendar.monthrange(start.year, start.month)[1])
        measure_day = min(month_end, as_of)
        periods.append(
            Period(
                idx=len(periods),
                period=f"{start.year:04d}-{start.month:02d}",
                month_start=start,
                month_end=month_end,
                measure_day=measure_day,
                start_utc=_utc(start, zone),
                end_utc=_utc(following, zone),
                measure_end_utc=_utc(measure_day + timedelta(days=1), zone),
            )
        )
        start = following
    return periods


def periods_table(periods: list[Period]) -> ir.Table:
    """The spine as an in-memory ibis table, one row per period."""
    import ibis

    rows = [asdict(p) for p in periods]
    schema = {
        "idx": "int64",
        "period": "string",
        "month_start": "date",
        "month_end": "date",
        "measure_day": "date",
        "start_utc": "timestamp",
        "end_utc": "timestamp",
        "measure_end_utc": "timestamp",
    }
    columns = {name: [row[name] for row in rows] for name in schema}
    return ibis.memtable(columns, schema=schema)


def month_index(day: ir.DateValue, first: Period) -> ir.IntegerValue:
    """The idx of the period containing `day`, counted from the `first` period (negative
    before it, past the last index after the spine)."""
    start = first.month_start
    return (day.year() - start.year) * 12 + day.month() - start.month
