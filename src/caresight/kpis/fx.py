"""Currency conversion: the rate of a currency in a period, and a clear error when the
store lacks one (for example after the reporting currency was changed)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from caresight.errors import CaresightError

if TYPE_CHECKING:
    import ibis.expr.types as ir

    from caresight.kpis.group import KpiContext

#: How many missing (currency, month) pairs an error lists before counting the rest.
_LISTED = 5


class MissingRate(CaresightError):
    """fx_rates lacks a rate a KPI needs."""


def needs_fx(ctx: KpiContext, table: str) -> bool:
    """Whether any row of `table` is in a currency other than the reporting currency."""
    rows = ctx.table(table)
    foreign = rows.filter(rows.currency != ctx.config.reporting_currency)
    return bool(foreign.count().execute())


def rates(ctx: KpiContext) -> ir.Table:
    """(currency, idx, rate): every rate fx_rates holds for a period of the spine, and
    rate 1 for the reporting currency in every period (whatever fx_rates says of it).
    Materialised once per computation; it has a row per currency and month at most."""
    import ibis

    cached = ctx.cache.get("fx_rates")
    if cached is not None:
        return cached

    reporting = ctx.config.reporting_currency
    periods = ctx.periods
    own = periods.select(currency=ibis.literal(reporting), idx=periods.idx, rate=1.0)
    if ctx.has_table("fx_rates"):
        fx = ctx.table("fx_rates")
        fx = fx.filter(fx.currency != reporting)
        held = fx.join(periods, fx.month == periods.period).select(
            fx.currency, periods.idx, fx.rate
        )
        own = ibis.union(own, held)
    table = ctx.materialise("fx_rates", own)
    ctx.cache["fx_rates"] = table
    return table


def require_rates(ctx: KpiContext, needed: ir.Table, what: str) -> None:
    """Raise MissingRate naming the currencies and months of `needed` (currency, idx)
    that fx_rates cannot convert to the reporting currency."""
    pairs = needed.select("currency", "idx").distinct().anti_join(rates(ctx), ["currency", "idx"])
    missing = (
        pairs.join(ctx.periods, "idx")
        .select("currency", "period")
        .order_by(["currency", "period"])
        .execute()
    )
    if missing.empty:
        return
    listed = ", ".join(f"{c} in {p}" for c, p in missing.head(_LISTED).itertuples(index=False))
    more = f" and {len(missing) - _LISTED} more" if len(missing) > _LISTED else ""
    raise MissingRate(
        f"fx_rates has no rate for {listed}{more}, needed to report {what} in "
        f"{ctx.config.reporting_currency}; add those rates to fx_rates and load the dataset "
        "again, or report in the currency of the data"
    )


def with_rate(
    ctx: KpiContext, facts: ir.Table, *, idx: str = "idx", name: str = "rate"
) -> ir.Table:
    """`facts` with a column `name`: the rate of its `currency` in period `facts[idx]`
    (empty where there is none, which require_rates rules out beforehand)."""
    grid = rates(ctx).rename(_rate_currency="currency", _rate_idx="idx", **{name: "rate"})
    joined = facts.left_join(
        grid, [facts.currency == grid._rate_currency, facts[idx] == grid._rate_idx]
    )
    return joined.drop("_rate_currency", "_rate_idx")
