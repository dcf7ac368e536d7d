"""The kpi_values shape: turning a group's measures into result rows.

Conventions every group follows, so a reader can check any value:
- a ratio has its numerator and denominator, and is empty when the denominator is 0;
- a sum (MRR, ARR at risk, ...) carries itself as numerator and no denominator;
- a percentile has neither;
- `n` counts the units (accounts, renewals, ...) the value rests on.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from caresight.kpis.catalog import KPIS

if TYPE_CHECKING:
    import ibis.expr.types as ir

    from caresight.config import Config


def ratio(numerator: ir.NumericValue, denominator: ir.NumericValue) -> ir.FloatingValue:
    """numerator / denominator, empty (never an error or 0) when the denominator is 0."""
    return numerator / denominator.nullif(0)


def rate_parts(
    numerator: ir.NumericValue, denominator: ir.NumericValue, n: ir.IntegerValue
) -> dict[str, ir.Value]:
    """A ratio KPI's value with its parts, for kpi_rows; empty when the denominator is 0."""
    return {"value": ratio(numerator, denominator), "numerator": numerator,
            "denominator": denominator, "n": n}


def status(kpi_id: str, value: ir.FloatingValue, config: Config) -> ir.StringValue:
    """green, amber or red against the configured thresholds; empty without a threshold
    or a value."""
    import ibis

    threshold = config.thresholds.get(kpi_id)
    direction = KPIS[kpi_id].direction
    if threshold is None or direction == "none":
        return ibis.null("string")
    # Compared at 9 decimals: 0.1 + 0.7 of 1.0 is 0.7999999999999999 in floating point,
    # and a value a reader sees as exactly on its threshold must take the better colour.
    value = value.round(9)
    if direction == "up":
        green, amber = value >= threshold.green, value >= threshold.amber
    else:
        green, amber = value <= threshold.green, value <= threshold.amber
    return ibis.cases(
        (value.isnull(), ibis.null("string")),
        (green, "green"),
        (amber, "amber"),
        else_="red",
    )


def kpi_rows(
    facts: ir.Table,
    kpi_id: str,
    config: Config,
    *,
    value: ir.NumericValue,
    n: ir.IntegerValue,
    numerator: ir.NumericValue | None = None,
    denominator: ir.NumericValue | None = None,
) -> ir.Table:
    """Rows of one KPI from `facts`, a table with period, dimension and segment columns
    and the measures the expressions use."""
    import ibis

    def number(expr: ir.NumericValue | None) -> ir.FloatingValue:
        # Rounded to 6 decimals: sums of doubles differ in their last bits with the order
        # DuckDB's threads add them in, and the same data must give the same results.
        return ibis.null("float64") if expr is None else expr.cast("float64").round(6)

    value_expr = number(value)
    return facts.select(
        kpi=ibis.literal(kpi_id),
        period=facts.period,
        dimension=facts.dimension,
        segment=facts.segment,
        value=value_expr,
        numerator=number(numerator),
        denominator=number(denominator),
        n=n.cast("int64"),
        unit=ibis.literal(KPIS[kpi_id].unit),
        status=status(kpi_id, value_expr, config),
    )
