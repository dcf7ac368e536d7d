"""Revenue durability: MRR, the month-to-month bridge, retention and expansion.

Everything rests on one table of account-month facts. For each account and period m it
holds the account's MRR in m and in m-1 and m-12, the earlier months priced at m's rates
(constant currency) and m-1 also at its own rates. Because each account's change is split
exactly into new, reactivation, expansion, contraction, churn and the FX effect, the
bridge mrr(m) = mrr(m-1) + new + reactivation + expansion - contraction - churned + fx
closes by construction, for the book and for every segment.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import TYPE_CHECKING

from caresight.kpis import fx
from caresight.kpis.catalog import KPIS
from caresight.kpis.group import KpiContext, KpiGroup
from caresight.kpis.segments import sum_by_segment
from caresight.kpis.values import kpi_rows, rate_parts

if TYPE_CHECKING:
    import ibis.expr.types as ir

#: Stands in for an open-ended line's last day, so "active on d" is one range test.
_OPEN_ENDED = date(9999, 12, 31)

#: How far back each compared month lies: m itself, m-1 and m-12.
_LAGS = (0, 1, 12)


def native_mrr(ctx: KpiContext) -> ir.Table:
    """MRR in its own currency per account, period, product category and currency: the
    lines active on the period's measuring day, each amount / billing_period_months."""
    import ibis

    lines = ctx.table("subscription_lines")
    periods = ctx.periods
    last_day = lines.end_on.fill_null(ibis.date(_OPEN_ENDED))
    active = lines.join(
        periods, [lines.start_on <= periods.measure_day, last_day >= periods.measure_day]
    )
    return active.group_by(["account_id", "idx", "product_category", "currency"]).aggregate(
        native=(active.amount / active.billing_period_months).sum()
    )


def _months_priced(ctx: KpiContext, native: ir.Table) -> ir.Table:
    """(currency, idx) of every rate the comparisons use: each month's own, and the later
    months its MRR is priced at."""
    import ibis

    held = native.select("currency", "idx").distinct()
    parts = [held.select("currency", idx=held.idx + lag) for lag in _LAGS]
    needed = ibis.union(*parts)
    return needed.filter(needed.idx <= ctx.last_idx)


def _rates_now_and_later(ctx: KpiContext) -> ir.Table:
    """(currency, idx, rate, next_rate, year_rate): each month's rate, and the rates of the
    months one and twelve later, at which its MRR is priced when they compare with it."""
    grid = fx.rates(ctx)
    table = grid
    for name, lag in (("next_rate", 1), ("year_rate", 12)):
        later = grid.select(_currency=grid.currency, _idx=grid.idx - lag, **{name: grid.rate})
        table = table.left_join(
            later, [table.currency == later._currency, table.idx == later._idx]
        ).drop("_currency", "_idx")
    return ctx.materialise("rates_now_and_later", table)


def category_mrr(ctx: KpiContext) -> ir.Table:
    """Per account, period m and product category: mrr (m at m's rates), prev1 (m-1 at
    m-1's rates), prev1_cc (m-1 at m's rates) and prev12_cc (m-12 at m's rates).

    Each month's native MRR is priced at its own rate and at the rates of the months that
    compare with it (m+1, m+12), then moved under the month it serves as m-1 or m-12 for.
    """
    import ibis

    native = ctx.materialise("native_mrr", native_mrr(ctx))
    fx.require_rates(ctx, _months_priced(ctx, native), "subscription_lines")
    rated = native.join(_rates_now_and_later(ctx), ["currency", "idx"])

    zero = ibis.literal(0.0)
    keys = ["account_id", "product_category"]
    mrr = rated.native * rated.rate
    stacked = ibis.union(
        rated.select(*keys, idx=rated.idx, mrr=mrr, prev1=zero, prev1_cc=zero,
                     prev12_cc=zero),
        rated.select(*keys, idx=rated.idx + 1, mrr=zero, prev1=mrr,
                     prev1_cc=rated.native * rated.next_rate, prev12_cc=zero),
        rated.select(*keys, idx=rated.idx + 12, mrr=zero, prev1=zero, prev1_cc=zero,
                     prev12_cc=rated.native * rated.year_rate),
    )
    stacked = stacked.filter(stacked.idx <= ctx.last_idx)
    figures = ["mrr", "prev1", "prev1_cc", "prev12_cc"]
    return stacked.group_by(["account_id", "idx", "product_category"]).aggregate(
        **{f: stacked[f].sum() for f in figures}
    )


def account_facts(by_category: ir.Table) -> ir.Table:
    """Per account and period: its MRR figures and the bridge and retention measures.

    An account is paying in a month when its MRR is above 0 (at its own or any other
    month's rates alike, since rates are positive). Before the first period nobody pays.
    """
    import ibis

    figures = ["mrr", "prev1", "prev1_cc", "prev12_cc"]
    acc = by_category.group_by(["account_id", "idx"]).aggregate(
        **{f: by_category[f].sum() for f in figures}
    )
    first = (
        acc.filter(acc.mrr > 0)
        .group_by("account_id")
        .aggregate(first_paying_idx=acc.idx.min())
    )
    acc = acc.left_join(first, "account_id").drop("account_id_right")

    paying, was_paying = acc.mrr > 0, acc.prev1_cc > 0
    stayed, in_cohort12 = paying & was_paying, acc.prev12_cc > 0
    zero = ibis.literal(0.0)

    def only(condition: ir.BooleanValue, amount: ir.FloatingValue) -> ir.FloatingValue:
        return ibis.ifelse(condition, amount, zero)

    def flag(condition: ir.BooleanValue) -> ir.IntegerValue:
        return condition.cast("int64")

    new = paying & (acc.first_paying_idx == acc.idx)
    reactivated = paying & ~was_paying & (acc.first_paying_idx < acc.idx)
    churned = was_paying & ~paying
    expansion = only(stayed, ibis.greatest(acc.mrr - acc.prev1_cc, zero))
    contraction = only(stayed, ibis.greatest(acc.prev1_cc - acc.mrr, zero))
    return acc.select(
        "account_id", "idx", "mrr", "prev1", "prev1_cc", "prev12_cc",
        paying_n=flag(paying),
        was_paying_n=flag(was_paying),
        new_mrr=only(new, acc.mrr),
        new_n=flag(new),
        reactivation_mrr=only(reactivated, acc.mrr),
        reactivated_n=flag(reactivated),
        expansion_mrr=expansion,
        expanded_n=flag(expansion > 0),
        contraction_mrr=contraction,
        contracted_n=flag(contraction > 0),
        churned_mrr=only(churned, acc.prev1_cc),
        churned_n=flag(churned),
        fx_mrr=acc.prev1_cc - acc.prev1,
        kept1=only(was_paying, ibis.least(acc.mrr, acc.prev1_cc)),
        cohort1_mrr=only(was_paying, acc.mrr),
        kept12=only(in_cohort12, ibis.least(acc.mrr, acc.prev12_cc)),
        cohort12_mrr=only(in_cohort12, acc.mrr),
        cohort12_n=flag(in_cohort12),
    )


_MEASURES = [
    "mrr", "prev1", "prev1_cc", "prev12_cc", "paying_n", "was_paying_n", "new_mrr", "new_n",
    "reactivation_mrr", "reactivated_n", "expansion_mrr", "expanded_n", "contraction_mrr",
    "contracted_n", "churned_mrr", "churned_n", "fx_mrr", "kept1", "cohort1_mrr", "kept12",
    "cohort12_mrr", "cohort12_n",
]

def _amount(total: ir.NumericValue, n: ir.IntegerValue) -> dict[str, ir.Value]:
    """A sum KPI: the value is its own numerator; there is nothing to divide by."""
    return {"value": total, "numerator": total, "n": n}


#: The KPI expressions over summed measures: value, numerator, denominator and n. The same
#: expressions serve a segment (sums over its accounts) and a single account.
KpiSpec = Callable[["ir.Table"], dict[str, "ir.Value"]]
_KPIS: dict[str, KpiSpec] = {
    "mrr": lambda f: _amount(f.mrr, f.paying_n),
    "arr": lambda f: _amount(12 * f.mrr, f.paying_n),
    "paying_accounts": lambda f: _amount(f.paying_n, f.paying_n),
    "arpa": lambda f: rate_parts(f.mrr, f.paying_n, f.paying_n),
    "new_mrr": lambda f: _amount(f.new_mrr, f.new_n),
    "reactivation_mrr": lambda f: _amount(f.reactivation_mrr, f.reactivated_n),
    "expansion_mrr": lambda f: _amount(f.expansion_mrr, f.expanded_n),
    "contraction_mrr": lambda f: _amount(f.contraction_mrr, f.contracted_n),
    "churned_mrr": lambda f: _amount(f.churned_mrr, f.churned_n),
    "fx_mrr": lambda f: _amount(f.fx_mrr, f.was_paying_n),
    "logo_churn_rate": lambda f: rate_parts(f.churned_n, f.was_paying_n, f.was_paying_n),
    "contraction_rate": lambda f: rate_parts(f.contraction_mrr, f.prev1_cc, f.was_paying_n),
    "grr_1m": lambda f: rate_parts(f.kept1, f.prev1_cc, f.was_paying_n),
    "nrr_1m": lambda f: rate_parts(f.cohort1_mrr, f.prev1_cc, f.was_paying_n),
    "grr_12m": lambda f: rate_parts(f.kept12, f.prev12_cc, f.cohort12_n),
    "nrr_12m": lambda f: rate_parts(f.cohort12_mrr, f.prev12_cc, f.cohort12_n),
    "expansion_per_account": lambda f: rate_parts(f.expansion_mrr, f.was_paying_n, f.was_paying_n),
}

#: Per-account KPIs over a 12-month cohort: an account gets a row while it is in it.
_COHORT12 = ("grr_12m", "nrr_12m")


def _segment_rows(ctx: KpiContext, facts: ir.Table) -> ir.Table:
    """Every MRR KPI for the book and every segment, in every period."""
    import ibis

    sums = ctx.materialise(
        "revenue_segments", sum_by_segment(facts, ctx.segments, ctx.spine, _MEASURES)
    )
    return ibis.union(*[kpi_rows(sums, k, ctx.config, **spec(sums)) for k, spec in _KPIS.items()])


def _account_rows(ctx: KpiContext, facts: ir.Table) -> ir.Table:
    """Per-account KPIs (dimension `account`), only for account-months that matter: the
    account pays in m or m-1, or, for the 12-month cohort KPIs, paid in m-12."""
    import ibis

    named = facts.join(ctx.periods.select("idx", "period"), "idx").mutate(
        dimension=ibis.literal("account"), segment=facts.account_id
    )
    recent = named.filter((named.paying_n + named.was_paying_n) > 0)
    cohort = named.filter(named.cohort12_n > 0)
    parts = []
    for kpi, spec in _KPIS.items():
        if KPIS[kpi].per_account:
            rows = cohort if kpi in _COHORT12 else recent
            parts.append(kpi_rows(rows, kpi, ctx.config, **spec(rows)))
    return ibis.union(*parts)


def _category_rows(ctx: KpiContext, by_category: ir.Table, facts: ir.Table) -> ir.Table:
    """expansion_mrr_by_category: each account's category growth, counted only when the
    account pays in m-1 and m. For the book the dimension is `product_category` with the
    category as segment; for a segment it is `<dimension>:product_category` with segment
    `<segment>:<category>` (say `channel:product_category`, `reseller:hosting`)."""
    import ibis

    stayed = facts.filter((facts.paying_n == 1) & (facts.was_paying_n == 1)).select(
        "account_id", "idx"
    )
    grown = by_category.join(stayed, ["account_id", "idx"])
    grown = grown.mutate(growth=ibis.greatest(grown.mrr - grown.prev1_cc, 0.0))
    grown = grown.join(ctx.segments, "account_id")
    keys = ["idx", "dimension", "segment", "product_category"]
    sums = grown.group_by(keys).aggregate(
        expansion_mrr=grown.growth.sum(), expanded_n=(grown.growth > 0).cast("int64").sum()
    )

    categories = ctx.table("subscription_lines").select("product_category").distinct()
    spine = ctx.spine.cross_join(categories)
    book = spine.dimension == "all"
    filled = (
        spine.left_join(sums, keys)
        .select(
            spine.idx, spine.period, sums.expansion_mrr, sums.expanded_n,
            dimension=ibis.ifelse(
                book, "product_category", spine.dimension.concat(":product_category")
            ),
            segment=ibis.ifelse(
                book, spine.product_category,
                spine.segment.concat(":", spine.product_category),
            ),
        )
        .fill_null({"expansion_mrr": 0.0, "expanded_n": 0})
    )
    return kpi_rows(
        filled, "expansion_mrr_by_category", ctx.config,
        value=filled.expansion_mrr, numerator=filled.expansion_mrr, n=filled.expanded_n,
    )


def build_revenue(ctx: KpiContext) -> list[ir.Table]:
    by_category = ctx.materialise("category_mrr", category_mrr(ctx))
    facts = ctx.materialise("account_mrr", account_facts(by_category))
    # Later groups (cost to serve, margins, time to expansion) read the same facts.
    ctx.cache["account_mrr"] = facts
    return [
        _segment_rows(ctx, facts),
        _category_rows(ctx, by_category, facts),
        _account_rows(ctx, facts),
    ]


GROUPS = (
    KpiGroup(
        "revenue",
        (*_KPIS, "expansion_mrr_by_category"),
        build_revenue,
        money_tables=("subscription_lines",),
    ),
)
