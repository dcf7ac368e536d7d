"""Segments: which slice of the book each account belongs to, one per dimension.

Every KPI is computed for the whole book (dimension `all`, segment `all`) and for each
segment of each account dimension. The membership is one long table,
(account_id, dimension, segment), that KPI facts join to and group by, so adding a
dimension is one entry here rather than a change to every KPI.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from caresight.kpis.catalog import ACCOUNT_DIMENSIONS

if TYPE_CHECKING:
    import ibis.expr.types as ir

ALL = "all"


def _filled(column: str, default: str) -> Callable[[ir.Table], ir.StringValue]:
    def segment(accounts: ir.Table) -> ir.StringValue:
        return accounts[column].nullif("").fill_null(default)

    return segment


#: How each dimension names an account's segment; an empty value gets a word, not a gap.
SEGMENT_OF: dict[str, Callable[[ir.Table], ir.StringValue]] = {
    "customer_type": _filled("customer_type", "unknown"),
    "deployment_model": _filled("deployment_model", "unknown"),
    "channel": _filled("channel", "unknown"),
    "partner": _filled("partner_id", "direct"),
    "delivery_partner": _filled("delivery_partner_id", "platform"),
    "service_tier": _filled("service_tier", "unknown"),
    "region": _filled("region", "unknown"),
}
assert tuple(SEGMENT_OF) == ACCOUNT_DIMENSIONS, "every account dimension needs a rule"


def account_segments(accounts: ir.Table) -> ir.Table:
    """(account_id, dimension, segment): each account once per dimension, and in `all`."""
    import ibis

    parts = [
        accounts.select(
            "account_id", dimension=ibis.literal(ALL), segment=ibis.literal(ALL)
        )
    ]
    for dimension, segment_of in SEGMENT_OF.items():
        parts.append(
            accounts.select(
                "account_id", dimension=ibis.literal(dimension), segment=segment_of(accounts)
            )
        )
    return ibis.union(*parts)


def segment_spine(periods: ir.Table, segments: ir.Table) -> ir.Table:
    """(idx, period, dimension, segment): every segment of the book in every period."""
    names = segments.select("dimension", "segment").distinct()
    return periods.select("idx", "period").cross_join(names)


def sum_by_segment(
    facts: ir.Table,
    segments: ir.Table,
    spine: ir.Table,
    measures: list[str],
    on: str = "account_id",
) -> ir.Table:
    """Sum `measures` of facts (`on`, idx, ...) per period and segment.

    `segments` says which segments each `on` key belongs to ((on, dimension, segment),
    usually the account segments). The result has a row for every (period, dimension,
    segment) of `spine`; a segment where nothing contributes gets zeros, so ratios over
    it come out empty.
    """
    joined = facts.join(segments, on)
    sums = joined.group_by(["idx", "dimension", "segment"]).aggregate(
        **{m: joined[m].sum() for m in measures}
    )
    filled = spine.left_join(sums, ["idx", "dimension", "segment"]).select(
        spine.idx, spine.period, spine.dimension, spine.segment, *[sums[m] for m in measures]
    )
    return filled.fill_null({m: 0 for m in measures})


def quantiles_by_segment(
    facts: ir.Table,
    segments: ir.Table,
    spine: ir.Table,
    column: str,
    on: str = "account_id",
) -> ir.Table:
    """p50, p90 and mean of `column` of facts (`on`, idx, column) per period and segment,
    with n, the rows they rest on.

    Percentiles interpolate linearly between ranks, as numpy's default does. Every
    (period, dimension, segment) of `spine` has a row; where nothing contributes, the
    figures are empty and n is 0.
    """
    joined = facts.join(segments, on)
    value = joined[column]
    stats = joined.group_by(["idx", "dimension", "segment"]).aggregate(
        p50=value.quantile(0.5), p90=value.quantile(0.9), mean=value.mean(),
        n=value.count(),
    )
    filled = spine.left_join(stats, ["idx", "dimension", "segment"]).select(
        spine.idx, spine.period, spine.dimension, spine.segment,
        stats.p50, stats.p90, stats.mean, stats.n,
    )
    return filled.fill_null({"n": 0})
