"""Renewals: how much of what fell due was renewed, how well it was forecast, and what
is at risk ahead.

What as_of knows: a renewal closed after as_of is still open, and forecasts made after
it have not been made yet. Amounts are converted at the rate of the month of
min(due_on, as_of), so a renewal due in the future is priced at today's rates.

Known shortcoming: upcoming_renewal_arr_at_risk prices a renewal due after as_of at the
as_of month's rate in every month that watches it, so when as_of moves on, the at-risk
ARR of past months is repriced at the newer rate. Pricing each month at its own rate
would need rates for every month a renewal is watched, which the loader does not demand.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from caresight.kpis import fx
from caresight.kpis.group import KpiContext, KpiGroup
from caresight.kpis.periods import month_index
from caresight.kpis.segments import quantiles_by_segment, sum_by_segment
from caresight.kpis.values import kpi_rows, rate_parts

if TYPE_CHECKING:
    import ibis.expr.types as ir

#: Stands in for "not closed", so "closed by d" is one comparison.
_NEVER = date(9999, 12, 31)

#: Forecast categories that put a renewal at risk.
_AT_RISK = ("at_risk", "lost")


def renewals_known(ctx: KpiContext) -> ir.Table:
    """Renewals due from the first period on, in the reporting currency, with `due_idx`,
    `decided` (renewed or churned by as_of) and `actual` (the ARR renewed, 0 if churned)."""
    import ibis

    first = ctx.period_list[0]
    raw = ctx.table("renewals")
    raw = raw.filter(raw.due_on >= first.month_start)
    raw = raw.mutate(
        due_idx=month_index(raw.due_on, first),
        rate_idx=month_index(ibis.least(raw.due_on, ibis.date(ctx.as_of)), first),
    )
    fx.require_rates(ctx, raw.select("currency", idx=raw.rate_idx), "renewals")
    priced = fx.with_rate(ctx, raw, idx="rate_idx")

    closed_on = priced.closed_on.fill_null(ibis.date(_NEVER))
    decided = (priced.outcome != "open") & (closed_on <= ctx.as_of)
    renewed = decided & (priced.outcome == "renewed")
    return priced.select(
        "renewal_id", "account_id", "due_on", "due_idx", "outcome", "rate",
        closed_on=ibis.ifelse(decided, priced.closed_on, ibis.null("date")),
        decided=decided,
        renewed=renewed,
        arr_due=priced.arr_due * priced.rate,
        actual=ibis.ifelse(renewed, priced.renewed_arr.fill_null(0) * priced.rate, 0.0),
    )


def _forecasts(ctx: KpiContext) -> ir.Table:
    """Forecasts made by as_of."""
    forecasts = ctx.table("renewal_forecasts")
    return forecasts.filter(forecasts.as_of <= ctx.as_of)


def _latest(
    forecasts: ir.Table, wanted: ir.Table, keys: list[str], by: ir.BooleanValue
) -> ir.Table:
    """For each row of `wanted` (keyed by `keys`, with a renewal_id), the latest forecast
    satisfying `by` (a predicate over `wanted` and `forecasts`), as forecast_arr and
    category; rows without one are dropped."""
    candidates = wanted.join(forecasts, [wanted.renewal_id == forecasts.renewal_id, by])
    latest = candidates.group_by(keys).aggregate(made_on=candidates.as_of.max())
    return latest.join(
        forecasts,
        [latest.renewal_id == forecasts.renewal_id, latest.made_on == forecasts.as_of],
    ).select(*keys, "forecast_arr", "category")


# --- renewal_rate, renewal_arr_rate ------------------------------------------------------


def _decided_due(ctx: KpiContext, renewals: ir.Table) -> ir.Table:
    """Renewals due in a period and decided by as_of; in the month in progress that
    includes one due later in the month but already decided."""
    last = len(ctx.period_list) - 1
    return renewals.filter(
        renewals.decided & (renewals.due_idx >= 0) & (renewals.due_idx <= last)
    )


def build_renewal_rates(ctx: KpiContext) -> list[ir.Table]:
    """renewal_rate (renewed / decided) and renewal_arr_rate (renewed ARR, each capped at
    its ARR due, / ARR due) of the renewals due in each period and decided."""
    import ibis

    renewals = renewals_known(ctx)
    due = _decided_due(ctx, renewals)
    facts = due.select(
        "account_id",
        idx=due.due_idx,
        decided_n=ibis.literal(1),
        renewed_n=due.renewed.cast("int64"),
        due_arr=due.arr_due,
        kept_arr=ibis.least(due.actual, due.arr_due),
    )
    measures = ["decided_n", "renewed_n", "due_arr", "kept_arr"]
    sums = ctx.materialise(
        "renewal_rates", sum_by_segment(facts, ctx.segments, ctx.spine, measures)
    )
    return [
        ibis.union(
            kpi_rows(
                sums, "renewal_rate", ctx.config,
                **rate_parts(sums.renewed_n, sums.decided_n, sums.decided_n),
            ),
            kpi_rows(
                sums, "renewal_arr_rate", ctx.config,
                **rate_parts(sums.kept_arr, sums.due_arr, sums.decided_n),
            ),
        )
    ]


# --- forecast accuracy and coverage ------------------------------------------------------


def _accuracy_rows(ctx: KpiContext, renewals: ir.Table, forecasts: ir.Table) -> ir.Table:
    """renewal_forecast_accuracy and renewal_forecast_coverage.

    Accuracy reports numerator = ARR due - total absolute error and denominator = ARR
    due, over renewals that had a forecast in time. A forecast off by more than the ARR
    due makes it negative: the spec's formula has no floor, and value = numerator /
    denominator must stay checkable.
    """
    import ibis

    due = _decided_due(ctx, renewals)
    lead = ibis.interval(days=ctx.config.revenue.forecast_lead_days)
    timely = _latest(
        forecasts, due, ["renewal_id"], forecasts.as_of <= due.due_on - lead
    )
    joined = due.left_join(timely, "renewal_id")
    had = joined.forecast_arr.notnull()
    error = (joined.forecast_arr * joined.rate - joined.actual).abs()
    facts = joined.select(
        "account_id",
        idx=joined.due_idx,
        decided_n=ibis.literal(1),
        forecast_n=had.cast("int64"),
        forecast_due_arr=ibis.ifelse(had, joined.arr_due, 0.0),
        forecast_error=error.fill_null(0.0),
    )
    measures = ["decided_n", "forecast_n", "forecast_due_arr", "forecast_error"]
    sums = ctx.materialise(
        "renewal_accuracy", sum_by_segment(facts, ctx.segments, ctx.spine, measures)
    )

    accurate_arr = sums.forecast_due_arr - sums.forecast_error
    return ibis.union(
        kpi_rows(
            sums, "renewal_forecast_accuracy", ctx.config,
            **rate_parts(accurate_arr, sums.forecast_due_arr, sums.forecast_n),
        ),
        kpi_rows(
            sums, "renewal_forecast_coverage", ctx.config,
            **rate_parts(sums.forecast_n, sums.decided_n, sums.decided_n),
        ),
    )


# --- renewal_confidence_days -------------------------------------------------------------


def _confidence_rows(ctx: KpiContext, renewals: ir.Table, forecasts: ir.Table) -> ir.Table:
    """Renewals renewed in a period (closed_on in it): days from the first forecast that
    committed (category commit, or probability at or above the configured level) to
    due_on, as p50 and p90 per segment. Renewals never committed are left out; a
    commitment made after due_on gives negative days."""
    import ibis

    first = ctx.period_list[0]
    renewed = renewals.filter(renewals.renewed)
    renewed = renewed.mutate(idx=month_index(renewed.closed_on, first))
    renewed = renewed.filter(renewed.idx >= 0)

    committed = (forecasts.category == "commit") | (
        forecasts.probability >= ctx.config.revenue.commit_probability
    )
    commitments = forecasts.filter(committed.fill_null(False))
    first_commit = commitments.group_by("renewal_id").aggregate(
        committed_on=commitments.as_of.min()
    )
    days = renewed.join(first_commit, "renewal_id").select(
        "account_id", "idx",
        days=renewed.due_on.delta(first_commit.committed_on, unit="day").cast("float64"),
    )

    filled = quantiles_by_segment(days, ctx.segments, ctx.spine, "days")
    filled = ctx.materialise("renewal_confidence", filled)
    return ibis.union(
        kpi_rows(filled, "renewal_confidence_days", ctx.config, value=filled.p50, n=filled.n),
        kpi_rows(
            filled, "renewal_confidence_days_p90", ctx.config, value=filled.p90, n=filled.n
        ),
    )


# --- upcoming_renewal_arr_at_risk --------------------------------------------------------


def _at_risk_rows(ctx: KpiContext, renewals: ir.Table, forecasts: ir.Table) -> ir.Table:
    """ARR of renewals due in the horizon after the measuring day d, still undecided on d,
    whose latest forecast made by d is at_risk or lost. Numerator = value = that ARR,
    denominator = all undecided ARR due in the window, n = renewals at risk."""
    import ibis

    periods = ctx.periods
    horizon = ibis.interval(days=ctx.config.revenue.renewal_horizon_days)
    closed_on = renewals.closed_on.fill_null(ibis.date(_NEVER))
    window = renewals.join(
        periods,
        [
            renewals.due_on > periods.measure_day,
            renewals.due_on <= periods.measure_day + horizon,
            closed_on > periods.measure_day,
        ],
    ).select("renewal_id", "account_id", "arr_due", periods.idx, periods.measure_day)
    window = ctx.materialise("renewal_window", window)

    latest = _latest(
        forecasts, window, ["renewal_id", "idx"], forecasts.as_of <= window.measure_day
    )
    joined = window.left_join(latest, ["renewal_id", "idx"])
    at_risk = joined.category.isin(_AT_RISK).fill_null(False)
    facts = joined.select(
        "account_id", "idx",
        window_arr=joined.arr_due,
        at_risk_arr=ibis.ifelse(at_risk, joined.arr_due, 0.0),
        at_risk_n=at_risk.cast("int64"),
    )
    measures = ["window_arr", "at_risk_arr", "at_risk_n"]
    sums = ctx.materialise(
        "renewal_at_risk", sum_by_segment(facts, ctx.segments, ctx.spine, measures)
    )
    return kpi_rows(
        sums, "upcoming_renewal_arr_at_risk", ctx.config,
        value=sums.at_risk_arr, numerator=sums.at_risk_arr, denominator=sums.window_arr,
        n=sums.at_risk_n,
    )


def build_renewal_forecasts(ctx: KpiContext) -> list[ir.Table]:
    """Forecast accuracy and coverage, confidence days and the ARR at risk ahead."""
    renewals = ctx.materialise("renewals", renewals_known(ctx))
    forecasts = _forecasts(ctx)
    return [
        _accuracy_rows(ctx, renewals, forecasts),
        _confidence_rows(ctx, renewals, forecasts),
        _at_risk_rows(ctx, renewals, forecasts),
    ]


GROUPS = (
    KpiGroup(
        "renewals",
        ("renewal_rate", "renewal_arr_rate"),
        build_renewal_rates,
        money_tables=("renewals",),
    ),
    KpiGroup(
        "renewal forecasts",
        (
            "renewal_forecast_accuracy",
            "renewal_forecast_coverage",
            "renewal_confidence_days",
            "renewal_confidence_days_p90",
            "upcoming_renewal_arr_at_risk",
        ),
        build_renewal_forecasts,
        money_tables=("renewals",),
    ),
)
