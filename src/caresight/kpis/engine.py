"""The KPI engine: compute every KPI group the store's tables allow, into kpi_values.

Groups register here; each declares its KPIs (and through the catalogue the tables they
need) and returns ibis expressions in the kpi_values shape. The engine builds the shared
inputs (month spine, account segments), skips groups whose tables are absent, inserts
the rest, and replaces kpi_values and kpi_availability in one transaction, so readers see
either the old results or the new ones.

Adding a section: write a module whose build(ctx) returns kpi_values-shaped expressions
(segments.sum_by_segment sums per-account measures over every segment and period,
values.kpi_rows shapes one KPI's rows), declare its KpiGroup(s), add its KPIs to the
catalogue, and list the groups in GROUPS below.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from caresight.dataset.schema import TABLES
from caresight.errors import CaresightError
from caresight.kpis import adoption, costs, fx, implementation, platform, renewals, revenue
from caresight.kpis.catalog import KPI_AVAILABILITY_DDL, KPI_VALUES_DDL, RESULT_TABLES
from caresight.kpis.group import KpiContext, KpiGroup
from caresight.kpis.notices import notices
from caresight.kpis.periods import month_spine, periods_table
from caresight.kpis.segments import account_segments, segment_spine
from caresight.store import Store

if TYPE_CHECKING:
    from caresight.config import Config

log = logging.getLogger(__name__)

#: Every KPI group, in the order they are computed.
GROUPS: tuple[KpiGroup, ...] = (
    *revenue.GROUPS,
    *renewals.GROUPS,
    *adoption.GROUPS,
    *implementation.GROUPS,
    *platform.GROUPS,
    *costs.GROUPS,
)

ProgressFn = Callable[[str, int, int], None]

_PROGRESS_LABEL = "Computing KPIs"


@dataclass(frozen=True)
class ComputeResult:
    #: KPI ids computed, in catalogue order within each group.
    computed: list[str] = field(default_factory=list)
    #: KPI id -> the tables it needs that the store lacks.
    unavailable: dict[str, list[str]] = field(default_factory=dict)
    periods: int = 0
    rows: int = 0
    #: Settings and names that matched nothing in the data (see kpis/notices.py).
    notices: list[str] = field(default_factory=list)


def compute_kpis(
    store_path: Path, config: Config, progress: ProgressFn | None = None
) -> ComputeResult:
    """Compute every KPI the loaded dataset allows and replace the store's results.

    Measures the book on `config.measured_on()`. Raises StoreError when nothing is
    loaded, and a CaresightError when fx_rates lacks a rate a KPI needs; on any error the
    previous results stay as they were.
    """
    with Store(store_path, memory_limit=config.memory_limit) as store:
        store.require("accounts", "subscription_lines")
        store.con.begin()
        try:
            result = _compute(store, config, progress)
            store.con.commit()
        except BaseException:
            store.con.rollback()
            raise
    return result


def _context(store: Store, config: Config) -> KpiContext:
    """The month spine and the account segments, materialised for every group. The spine
    starts at the earliest record that dates revenue (a line start or a renewal due)."""
    backend = store.ibis
    as_of = config.measured_on()
    first_day = _first_day(store, as_of)
    period_list = month_spine(first_day, as_of, config.zone)

    periods = backend.create_table("_kpi_periods", periods_table(period_list), temp=True)
    segments = backend.create_table(
        "_kpi_segments", account_segments(backend.table("accounts")), temp=True
    )
    spine = backend.create_table("_kpi_spine", segment_spine(periods, segments), temp=True)
    return KpiContext(
        backend, config, period_list, periods, segments, spine, _dataset_tables(store)
    )


def _first_day(store: Store, as_of: date) -> date:
    """The earliest record that dates revenue: a line's start or a renewal's due day."""
    backend = store.ibis
    starts = [backend.table("subscription_lines").start_on.min().execute()]
    if store.has_table("renewals"):
        starts.append(backend.table("renewals").due_on.min().execute())
    known = [_as_date(day) for day in starts if day is not None and str(day) != "NaT"]
    first = min(known, default=as_of)
    if first > as_of:
        raise CaresightError(
            f"as_of {as_of} is before the dataset's first subscription line or renewal "
            f"({first}); there is nothing to measure yet, so measure on a later day"
        )
    return first


def _dataset_tables(store: Store) -> frozenset[str]:
    """The contract tables the store holds. Asked of the store's catalogue in one query:
    ibis 12's list_tables fails on duckdb 2 (it calls a connection method duckdb removed)."""
    rows = store.con.execute(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = 'main'"
    ).fetchall()
    return frozenset(name for (name,) in rows if name in TABLES)


def _as_date(value: object) -> date:
    """A date from what a backend returns for a DATE scalar (date or pandas Timestamp)."""
    to_date = getattr(value, "date", None)
    return to_date() if callable(to_date) else value  # type: ignore[return-value]


def _missing_tables(ctx: KpiContext, group: KpiGroup) -> list[str]:
    missing = [t for t in group.tables if not ctx.has_table(t)]
    if group.one_of and not any(ctx.has_table(t) for t in group.one_of):
        missing.append(" or ".join(group.one_of))
    if missing or ctx.has_table("fx_rates"):
        return missing
    # fx_rates is needed only once some amount is in another currency. A money table may
    # be optional (account_costs, environments): one that is absent needs no rate.
    if any(ctx.has_table(t) and fx.needs_fx(ctx, t) for t in group.money_tables):
        return ["fx_rates"]
    return []


def _compute(store: Store, config: Config, progress: ProgressFn | None) -> ComputeResult:
    ctx = _context(store, config)
    backend = ctx.backend
    for table in RESULT_TABLES:
        backend.drop_table(table, force=True)
    store.con.execute(KPI_VALUES_DDL)
    store.con.execute(KPI_AVAILABILITY_DDL)

    computed: list[str] = []
    unavailable: dict[str, list[str]] = {}
    rows = 0
    for done, group in enumerate(GROUPS):
        if progress:
            progress(_PROGRESS_LABEL, done, len(GROUPS))
        missing = _missing_tables(ctx, group)
        if missing:
            unavailable.update(dict.fromkeys(group.kpis, missing))
            log.info("skipped %s KPIs: no %s", group.name, ", ".join(missing))
            continue

        started = time.perf_counter()
        for expr in group.build(ctx):
            if log.isEnabledFor(logging.DEBUG):
                log.debug("inserting %s KPIs:\n%s", group.name, backend.compile(expr))
            backend.insert("kpi_values", expr)
        total = backend.table("kpi_values").count().execute()
        log.info(
            "computed %s KPIs: %d values in %.1f s",
            group.name, total - rows, time.perf_counter() - started,
        )
        rows = total
        computed.extend(group.kpis)
    if progress:
        progress(_PROGRESS_LABEL, len(GROUPS), len(GROUPS))

    _record_availability(ctx, computed, unavailable)
    store.set_meta(kpis_as_of=ctx.as_of.isoformat(), kpis_currency=config.reporting_currency)
    found = notices(ctx, computed)
    for notice in found:
        log.info("notice: %s", notice)
    return ComputeResult(computed, unavailable, len(ctx.period_list), rows, found)


def _record_availability(
    ctx: KpiContext, computed: list[str], unavailable: dict[str, list[str]]
) -> None:
    import ibis

    kpis = [*computed, *unavailable]
    availability = ibis.memtable(
        {
            "kpi": kpis,
            "available": [k in computed for k in kpis],
            "missing_tables": [", ".join(unavailable[k]) if k in unavailable else None
                               for k in kpis],
        },
        schema={"kpi": "string", "available": "boolean", "missing_tables": "string"},
    )
    ctx.backend.insert("kpi_availability", availability)
