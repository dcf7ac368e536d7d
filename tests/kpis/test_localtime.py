"""Local time in the reporting time zone, as the KPI expressions compute it, against
zoneinfo's own conversion."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import ibis
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from caresight.config import Config
from caresight.kpis.group import KpiContext
from caresight.kpis.localtime import local_date, local_timestamp
from caresight.kpis.periods import month_spine, periods_table

ZONES = ["UTC", "America/Los_Angeles", "Europe/Berlin", "Australia/Lord_Howe", "Asia/Kolkata"]


def context(zone: str) -> KpiContext:
    config = Config(as_of=date(2024, 12, 31), reporting_timezone=zone)
    spine = month_spine(date(2023, 1, 1), config.measured_on(), config.zone)
    backend = ibis.duckdb.connect()
    table = periods_table(spine)
    return KpiContext(backend, config, spine, table, table, table)


def converted(ctx: KpiContext, instants: list[datetime]) -> list[tuple[datetime, date]]:
    table = ibis.memtable({"at": instants}, schema={"at": "timestamp"})
    expr = table.select(local=local_timestamp(ctx, table.at), day=local_date(ctx, table.at))
    frame = ctx.backend.execute(expr)
    return [(row.local.to_pydatetime(), row.day.date()) for row in frame.itertuples()]


def expected(zone: str, instant: datetime) -> datetime:
    return instant.replace(tzinfo=UTC).astimezone(Config(reporting_timezone=zone).zone).replace(
        tzinfo=None
    )


def test_an_evening_event_on_a_months_last_utc_day_is_that_day_in_los_angeles() -> None:
    # 2024-03-31T23:30Z is 16:30 PDT (UTC-7) on 31 March; 2024-04-01T06:30Z is 23:30 on
    # 31 March too, and 2024-04-01T07:30Z is 00:30 on 1 April.
    ctx = context("America/Los_Angeles")
    rows = converted(
        ctx, [datetime(2024, 3, 31, 23, 30), datetime(2024, 4, 1, 6, 30),
              datetime(2024, 4, 1, 7, 30)]
    )
    assert [day for _, day in rows] == [date(2024, 3, 31), date(2024, 3, 31), date(2024, 4, 1)]
    assert rows[0][0] == datetime(2024, 3, 31, 16, 30)


@pytest.mark.parametrize("zone", ZONES)
def test_the_hours_around_daylight_saving_changes_convert_as_zoneinfo_does(zone: str) -> None:
    ctx = context(zone)
    # Every 15 minutes through both 2024 changes in the northern and southern hemispheres.
    instants = [datetime(2024, 3, 9) + timedelta(minutes=15 * i) for i in range(4 * 24 * 30)]
    instants += [datetime(2024, 10, 1) + timedelta(minutes=15 * i) for i in range(4 * 24 * 40)]
    rows = converted(ctx, instants)
    assert [local for local, _ in rows] == [expected(zone, i) for i in instants]


@settings(max_examples=25, deadline=None)
@given(
    zone=st.sampled_from(ZONES),
    instants=st.lists(
        st.datetimes(min_value=datetime(2022, 6, 1), max_value=datetime(2025, 6, 1)),
        min_size=1, max_size=20,
    ),
)
def test_any_instant_converts_as_zoneinfo_does(zone: str, instants: list[datetime]) -> None:
    instants = [i.replace(microsecond=0) for i in instants]
    rows = converted(context(zone), instants)
    assert [local for local, _ in rows] == [expected(zone, i) for i in instants]
    assert [day for _, day in rows] == [expected(zone, i).date() for i in instants]
