"""Timestamps as the reporting time zone reads them.

Timestamps are stored as naive UTC instants. A ticket, an event or an incident belongs to
the day and month its local time falls in, so KPIs that count by day (days after go-live,
productive days, ISO weeks) convert first. The conversion is a plain column expression:
the zone's UTC offsets over the spine, found with zoneinfo, become one CASE over the
instant, so it runs as is on any ibis backend and needs no join against a calendar.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

if TYPE_CHECKING:
    import ibis.expr.types as ir

    from caresight.kpis.group import KpiContext

#: How far beyond the spine offsets are worked out: records a little before the first
#: period or after as_of (a go-live's 90 days, a restore test's window) convert correctly.
_MARGIN = timedelta(days=800)


def offsets(zone: ZoneInfo, start: datetime, end: datetime) -> list[tuple[datetime, timedelta]]:
    """(from_utc, offset) pairs: from each naive UTC instant on, local time is UTC +
    offset, until the next pair. The first pair starts at `start`."""
    def offset_at(instant: datetime) -> timedelta:
        return instant.replace(tzinfo=UTC).astimezone(zone).utcoffset() or timedelta(0)

    changes = [(start, offset_at(start))]
    hour = start
    # Zone rules change on the hour or half hour: stepping by 30 minutes would find every
    # change but is slow over years, so step by day and narrow down where the offset moves.
    while hour < end:
        following = hour + timedelta(days=1)
        if offset_at(following) != changes[-1][1]:
            low, high = hour, following
            while high - low > timedelta(minutes=15):
                middle = low + (high - low) / 2
                if offset_at(middle) == changes[-1][1]:
                    low = middle
                else:
                    high = middle
            changes.append((high.replace(minute=high.minute - high.minute % 15, second=0,
                                         microsecond=0), offset_at(high)))
        hour = following
    return changes


def local_timestamp(ctx: KpiContext, instant: ir.TimestampValue) -> ir.TimestampValue:
    """`instant` (naive UTC) as naive local time in the reporting time zone."""
    import ibis

    first, last = ctx.period_list[0], ctx.period_list[-1]
    pairs = ctx.cache.get("_zone_offsets")
    if pairs is None:
        pairs = offsets(ctx.config.zone, first.start_utc - _MARGIN, last.end_utc + _MARGIN)
        ctx.cache["_zone_offsets"] = pairs

    def shifted(offset: timedelta) -> ir.TimestampValue:
        if not offset:
            return instant
        return instant + ibis.interval(seconds=int(offset.total_seconds()))

    if len(pairs) == 1:
        return shifted(pairs[0][1])
    branches = [
        (instant < pairs[i + 1][0], shifted(pairs[i][1])) for i in range(len(pairs) - 1)
    ]
    return ibis.cases(*branches, else_=shifted(pairs[-1][1]))


def local_date(ctx: KpiContext, instant: ir.TimestampValue) -> ir.DateValue:
    """The reporting time zone's calendar day of `instant` (naive UTC)."""
    return local_timestamp(ctx, instant).date()
