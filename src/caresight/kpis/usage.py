"""Compact rollups of workflow_events, so that adoption KPIs never rescan raw events.

workflow_events is by far the biggest table (a year of a large book is hundreds of
millions of rows). The adoption KPIs need far less than every event:

- `usage_user_months` (account_id, user_id, month): users with an event in a month,
  for active users and support dependency;
- `usage_account_weeks` (account_id, week, active_users): per ISO week (Monday, local
  days), the users licensed on its Sunday who had an event in it, for stable usage;
- `usage_workflow_months` (account_id, module, workflow, month, events, last_day): events
  of each workflow per month and the last local day one happened, for module utilisation
  (events per module) and features in use (an event in the days to a month's end);
- `usage_productive_steps` (account_id, day, peak): the days on which an account beat its
  own record of events of one workflow in one day, with that record. The first productive
  day for any threshold N is the first step whose peak reaches N, so the rollup does not
  depend on the setting.

Months and weeks are those of the reporting time zone, and only events on or before the
rollup's cut day count: the cut is min(as_of, the last local day with an event), so a
daily computation measured on today reuses the rollups as long as no event is newer
than as_of. The store meta records the zone, the cut, the last event day and the
dataset's fingerprint they were built for; a computation whose zone or cut differs, or a
store holding another dataset, rebuilds them. Loading a dataset drops the old ones.

A load builds them inside its transaction, for the load's zone and as_of, so a rejected
load changes nothing and the first computation finds them ready; the pass over the events
is paid where users expect to wait. A computation whose zone or cut differs (another
reporting_timezone, an earlier as_of) rebuilds them lazily, inside its own transaction,
and keeps them; a store filled without the loader gets them the same way. A build reads
the events three times (users, workflow months, productive days) plus once for the last
event day.

Known shortcoming: local time uses the zone's offsets over the month spine widened by the
margin localtime allows (about two years either side); an event further outside that
range takes the nearest known offset, which can put it on the neighbouring day.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from caresight.kpis.localtime import local_date
from caresight.store import META_TABLE

if TYPE_CHECKING:
    import duckdb
    import ibis.expr.types as ir

    from caresight.config import Config
    from caresight.kpis.group import KpiContext
    from caresight.store import Store

log = logging.getLogger(__name__)

USER_MONTHS = "usage_user_months"
ACCOUNT_WEEKS = "usage_account_weeks"
WORKFLOW_MONTHS = "usage_workflow_months"
PRODUCTIVE_STEPS = "usage_productive_steps"
#: Every rollup table; a load drops them with the dataset they were built from.
ROLLUP_TABLES = (USER_MONTHS, ACCOUNT_WEEKS, WORKFLOW_MONTHS, PRODUCTIVE_STEPS)
#: Store meta keys describing the rollups start with this.
META_PREFIX = "usage_rollup_"

#: Stands in for an open-ended licence.
_OPEN_ENDED = date(9999, 12, 31)


@dataclass(frozen=True)
class Rollups:
    user_months: ir.Table
    workflow_months: ir.Table
    productive_steps: ir.Table
    #: Absent without the users table (licences decide who counts in a week).
    account_weeks: ir.Table | None


def rollups(ctx: KpiContext) -> Rollups:
    """The usage rollups for this computation's zone and as_of, rebuilt when the store
    holds none or ones built for another zone, cut day or dataset."""
    cached = ctx.cache.get("usage_rollups")
    if cached is not None:
        return cached

    ensure(ctx)
    backend = ctx.backend
    built = Rollups(
        user_months=backend.table(USER_MONTHS),
        workflow_months=backend.table(WORKFLOW_MONTHS),
        productive_steps=backend.table(PRODUCTIVE_STEPS),
        account_weeks=backend.table(ACCOUNT_WEEKS) if ctx.has_table("users") else None,
    )
    ctx.cache["usage_rollups"] = built
    return built


def ensure(ctx: KpiContext) -> bool:
    """Build the rollups unless the store holds ones for this zone, cut day and dataset;
    says whether it built them."""
    con = _connection(ctx)
    recorded = _recorded(con)
    wanted = _wanted(ctx, recorded)
    needed = {USER_MONTHS, WORKFLOW_MONTHS, PRODUCTIVE_STEPS}
    if ctx.has_table("users"):
        needed.add(ACCOUNT_WEEKS)
    if recorded == wanted and needed <= _tables_present(con):
        return False

    started = time.perf_counter()
    _build(ctx, date.fromisoformat(wanted[f"{META_PREFIX}through"]))
    _record(con, wanted)
    log.info("built the usage rollups in %.1f s", time.perf_counter() - started)
    return True


def build_at_load(store: Store, config: Config) -> None:
    """Build the rollups of a dataset just written, for the load's zone and as_of, in the
    loader's transaction. Skipped without workflow_events, or when the book cannot be
    measured on as_of (a computation would refuse it too)."""
    from caresight.kpis.group import KpiContext
    from caresight.kpis.periods import month_spine, periods_table
    from caresight.kpis.segments import account_segments, segment_spine

    if not store.has_table("workflow_events"):
        return
    backend = store.ibis
    as_of = config.measured_on()
    first_day = backend.table("subscription_lines").start_on.min().execute()
    if first_day is None or str(first_day) == "NaT" or _day(first_day) > as_of:
        return

    # The same inputs a computation has, so local time is worked out over the same spine.
    period_list = month_spine(_day(first_day), as_of, config.zone)
    periods = backend.create_table("_usage_periods", periods_table(period_list), temp=True)
    segments = backend.create_table(
        "_usage_segments", account_segments(backend.table("accounts")), temp=True
    )
    spine = segment_spine(periods, segments)
    present = frozenset(n for n in ("users", "workflow_events") if store.has_table(n))
    ensure(KpiContext(backend, config, period_list, periods, segments, spine, present))


def _day(value: object) -> date:
    """A date from what a backend returns for a DATE scalar (date or pandas Timestamp)."""
    to_date = getattr(value, "date", None)
    return to_date() if callable(to_date) else value  # type: ignore[return-value]


# --- what the store holds and what this computation wants ---------------------------------


def _connection(ctx: KpiContext) -> duckdb.DuckDBPyConnection:
    """The store's DuckDB connection, for the meta bookkeeping (not KPI logic)."""
    return ctx.backend.con


def _recorded(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    exists = con.execute(
        "SELECT count(*) FROM information_schema.tables "
        "WHERE table_schema = 'main' AND table_name = ?", [META_TABLE],
    ).fetchall()[0][0]
    if not exists:
        return {}
    rows = con.execute(
        f"SELECT key, value FROM {META_TABLE} WHERE starts_with(key, ?) OR key = ?",
        [META_PREFIX, "dataset_fingerprint"],
    ).fetchall()
    return {str(key): str(value) for key, value in rows}


def _tables_present(con: duckdb.DuckDBPyConnection) -> set[str]:
    rows = con.execute(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = 'main'"
    ).fetchall()
    return {str(name) for (name,) in rows if name in ROLLUP_TABLES}


def _wanted(ctx: KpiContext, recorded: dict[str, str]) -> dict[str, str]:
    """The meta the rollups must carry for this computation. The last event day is
    found with one scan of occurred_at unless the store already knows it for this zone
    and dataset."""
    zone = ctx.config.reporting_timezone
    dataset = recorded.get("dataset_fingerprint", "")
    known = (
        recorded.get(f"{META_PREFIX}zone") == zone
        and recorded.get(f"{META_PREFIX}dataset") == dataset
        and f"{META_PREFIX}last_event_day" in recorded
    )
    last = recorded[f"{META_PREFIX}last_event_day"] if known else _last_event_day(ctx)
    through = min(ctx.as_of, date.fromisoformat(last)) if last else ctx.as_of
    wanted = {
        f"{META_PREFIX}zone": zone,
        f"{META_PREFIX}through": through.isoformat(),
        f"{META_PREFIX}last_event_day": last,
        f"{META_PREFIX}dataset": dataset,
    }
    if "dataset_fingerprint" in recorded:
        wanted["dataset_fingerprint"] = dataset
    return wanted


def _last_event_day(ctx: KpiContext) -> str:
    """The latest local day with an event, or "" when there are none."""
    events = ctx.table("workflow_events")
    last = local_date(ctx, events.occurred_at.max()).execute()
    if last is None or str(last) == "NaT":
        return ""
    return _day(last).isoformat()


def _record(con: duckdb.DuckDBPyConnection, wanted: dict[str, str]) -> None:
    con.execute(f"CREATE TABLE IF NOT EXISTS {META_TABLE} (key VARCHAR, value VARCHAR)")
    for key, value in wanted.items():
        if key.startswith(META_PREFIX):
            con.execute(f"DELETE FROM {META_TABLE} WHERE key = ?", [key])
            con.execute(f"INSERT INTO {META_TABLE} VALUES (?, ?)", [key, value])


# --- building ----------------------------------------------------------------------------


def _counted(ctx: KpiContext, through: date) -> ir.Table:
    """Events up to the cut day with their local day, month and ISO week (Monday) and
    their count (1 when the row has none)."""
    import ibis

    events = ctx.table("workflow_events")
    day = local_date(ctx, events.occurred_at)
    counted = events.select(
        "account_id", "user_id", "module", "workflow", day=day,
        events=events["count"].fill_null(1),
    )
    counted = counted.filter(counted.day <= ibis.date(through))
    return counted.mutate(
        month=counted.day.truncate("M").cast("date"),
        week=counted.day - counted.day.day_of_week.index().as_interval("D"),
    )


def _replace(ctx: KpiContext, name: str, expr: ir.Table) -> None:
    ctx.backend.drop_table(name, force=True)
    ctx.backend.create_table(name, expr)


def _build(ctx: KpiContext, through: date) -> None:
    counted = _counted(ctx, through)
    _build_user_rollups(ctx, counted)
    _replace(ctx, WORKFLOW_MONTHS, _workflow_months(counted))
    _replace(ctx, PRODUCTIVE_STEPS, _productive_steps(counted))


def _build_user_rollups(ctx: KpiContext, counted: ir.Table) -> None:
    """One scan for both user rollups: (account, user, month, week) once, then each."""
    seen = ctx.materialise(
        "usage_user_periods",
        counted.select("account_id", "user_id", "month", "week").distinct(),
    )
    _replace(ctx, USER_MONTHS, seen.select("account_id", "user_id", "month").distinct())
    if ctx.has_table("users"):
        _replace(ctx, ACCOUNT_WEEKS, _account_weeks(ctx, seen))
    else:
        ctx.backend.drop_table(ACCOUNT_WEEKS, force=True)
    # Temporary tables live until the connection closes; this one is large.
    ctx.backend.drop_table(seen.get_name(), force=True)


def _account_weeks(ctx: KpiContext, seen: ir.Table) -> ir.Table:
    """Per account and ISO week, users licensed on the week's Sunday with an event in it."""
    import ibis

    weeks = seen.select("account_id", "user_id", "week").distinct()
    users = ctx.table("users")
    sunday = weeks.week + ibis.interval(days=6)
    until = users.licensed_until.fill_null(ibis.date(_OPEN_ENDED))
    licensed = weeks.join(
        users,
        [
            weeks.account_id == users.account_id,
            weeks.user_id == users.user_id,
            users.licensed_from <= sunday,
            until >= sunday,
        ],
    )
    return licensed.group_by([weeks.account_id, weeks.week]).aggregate(
        active_users=weeks.user_id.count()
    )


def _workflow_months(counted: ir.Table) -> ir.Table:
    return counted.group_by(["account_id", "module", "workflow", "month"]).aggregate(
        events=counted.events.sum(), last_day=counted.day.max()
    )


def _productive_steps(counted: ir.Table) -> ir.Table:
    """The days an account's busiest workflow-day so far was beaten, with that peak."""
    import ibis

    daily = counted.group_by(["account_id", "module", "workflow", "day"]).aggregate(
        events=counted.events.sum()
    )
    peaks = daily.group_by(["account_id", "day"]).aggregate(peak=daily.events.max())
    before = ibis.window(group_by="account_id", order_by="day", rows=(None, -1))
    ranked = peaks.mutate(record=peaks.peak.max().over(before))
    steps = ranked.filter(ranked.record.isnull() | (ranked.peak > ranked.record))
    return steps.select("account_id", "day", "peak")
