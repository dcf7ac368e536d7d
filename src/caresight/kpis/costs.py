"""Cost to serve and gross margin: what each paying account costs in a month, and what
is left of its MRR.

An account is costed in the months it pays (MRR above 0, from the revenue facts): the
cost of serving an account that brings no revenue is not a margin question, and a
margin over no revenue has no meaning. Its cost is four parts, each taken from
account_costs when that table has rows for the account, month and cost type (their sum,
converted at the month's rate), and allocated otherwise:

- hosting: the monthly_cost of the account's environment, split across the environment's
  paying tenants in proportion to their CPU share of the month (each tenant's cpu_share
  summed over the month's days, over the same sum for all paying tenants), equally when
  no paying tenant has usage in the month; nothing when the account has no environment;
- support: tickets opened in the month (in the reporting time zone) x the configured
  cost per ticket;
- success: the configured monthly cost of the account's service tier, or the default;
- other: only what account_costs gives.

Each account-month's figures and the method behind each part go to the detail table
`cost_to_serve`, so a reader can see how much of a segment's cost was measured and how
much allocated.

Known shortcomings: an environment's cost is charged in full for every month it has a
paying tenant, whatever its ready_at and retired_at say, and an account is taken to run
in the environment accounts.environment_id names today in every month (the contract
keeps no history of moves). The month in progress carries a full month's hosting and
success cost but only the tickets opened by as_of.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from caresight.kpis import fx
from caresight.kpis.group import KpiContext, KpiGroup
from caresight.kpis.periods import month_index
from caresight.kpis.segments import sum_by_segment
from caresight.kpis.values import kpi_rows, rate_parts

if TYPE_CHECKING:
    import ibis.expr.types as ir

#: The parts of cost to serve, as account_costs.cost_type names them.
COST_TYPES = ("hosting", "support", "success", "other")

#: Name of the detail table: one row per paying account and period.
DETAIL_TABLE = "cost_to_serve"


def _paying(ctx: KpiContext) -> ir.Table:
    """(account_id, idx, mrr, environment_id, service_tier) of accounts paying in idx."""
    facts = ctx.cache["account_mrr"]
    paying = facts.filter(facts.mrr > 0).select("account_id", "idx", "mrr")
    accounts = ctx.table("accounts")
    accounts = accounts.select(
        "account_id", "service_tier", environment_id=accounts.environment_id.nullif("")
    )
    return paying.join(accounts, "account_id")


# --- explicit costs ----------------------------------------------------------------------


def _explicit(ctx: KpiContext, paying: ir.Table) -> ir.Table | None:
    """(account_id, idx, hosting, support, success, other): account_costs summed per type
    in the reporting currency, empty for a type the table has no row of; None without
    the table. Only rows of paying account-months are converted, so only they need a
    rate."""
    if not ctx.has_table("account_costs"):
        return None

    costs = ctx.table("account_costs")
    periods = ctx.periods
    costs = costs.join(periods, costs.month == periods.period).select(
        costs.account_id, periods.idx, costs.cost_type, costs.amount, costs.currency
    )
    costs = costs.semi_join(paying, ["account_id", "idx"])
    fx.require_rates(ctx, costs, "account_costs")
    priced = fx.with_rate(ctx, costs)

    # A sum over no rows is empty, which marks a type that must be allocated instead.
    amount = priced.amount * priced.rate
    return priced.group_by(["account_id", "idx"]).aggregate(
        **{t: amount.sum(where=priced.cost_type == t) for t in COST_TYPES}
    )


# --- hosting allocated from the environment ----------------------------------------------


def _cpu_by_tenant(ctx: KpiContext, tenants: ir.Table) -> ir.Table:
    """tenants (environment_id, account_id, idx) with `cpu`: the account's cpu_share in
    that environment summed over the days of the month up to as_of (0 without usage).

    Summing rather than averaging over the tenant's own days is what "mean cpu_share"
    comes to once shares are renormalised: the mean over the month's days differs from
    the sum only by a divisor all tenants share, and a tenant present for a few days
    weighs accordingly rather than as much as one present all month.
    """
    import ibis

    if not ctx.has_table("tenant_usage"):
        return tenants.mutate(cpu=ibis.literal(0.0))

    usage = ctx.table("tenant_usage")
    usage = usage.filter(usage.date <= ctx.as_of)
    usage = usage.mutate(idx=month_index(usage.date, ctx.period_list[0]))
    keys = ["environment_id", "account_id", "idx"]
    summed = usage.group_by(keys).aggregate(cpu=usage.cpu_share.sum().cast("float64"))
    joined = tenants.left_join(summed, keys).select(*[tenants[k] for k in keys], summed.cpu)
    return joined.fill_null({"cpu": 0.0})


def _allocated_hosting(ctx: KpiContext, paying: ir.Table) -> ir.Table | None:
    """(account_id, idx, hosting, hosting_share, hosting_method): each paying tenant's
    part of its environment's monthly cost, by CPU share (`cpu_share`) or, when no
    paying tenant of the environment has usage in the month, equally (`equal_split`).
    None without the environments table.

    Only paying tenants share the cost: a tenant that pays nothing is not costed, so
    its part falls on those that pay. An environment with no paying tenant in a month
    is charged to no one.
    """
    import ibis

    if not ctx.has_table("environments"):
        return None

    tenants = paying.filter(paying.environment_id.notnull()).select(
        "environment_id", "account_id", "idx"
    )
    tenants = _cpu_by_tenant(ctx, tenants)
    totals = tenants.group_by(["environment_id", "idx"]).aggregate(
        tenant_n=tenants.account_id.count(), cpu_total=tenants.cpu.sum()
    )

    environments = ctx.table("environments").select("environment_id", "monthly_cost", "currency")
    charged = totals.join(environments, "environment_id")
    fx.require_rates(ctx, charged, "environments")
    charged = fx.with_rate(ctx, charged)

    shares = tenants.join(charged, ["environment_id", "idx"])
    by_cpu = shares.cpu_total > 0
    share = ibis.ifelse(by_cpu, shares.cpu / shares.cpu_total, 1.0 / shares.tenant_n)
    return shares.select(
        "account_id", "idx",
        hosting=shares.monthly_cost * shares.rate * share,
        hosting_share=share,
        hosting_method=ibis.ifelse(by_cpu, "cpu_share", "equal_split"),
    )


# --- support and success -----------------------------------------------------------------


def _tickets(ctx: KpiContext, paying: ir.Table) -> ir.Table | None:
    """(account_id, idx, tickets): tickets opened in the month in the reporting time zone,
    up to the end of the as_of day, for paying account-months. None without tickets."""
    if not ctx.has_table("tickets"):
        return None

    tickets = ctx.table("tickets")
    periods = ctx.periods
    opened = tickets.join(
        periods,
        [
            tickets.opened_at >= periods.start_utc,
            tickets.opened_at < periods.end_utc,
            tickets.opened_at < periods.measure_end_utc,
        ],
    ).select(tickets.account_id, periods.idx)
    opened = opened.semi_join(paying, ["account_id", "idx"])
    return opened.group_by(["account_id", "idx"]).aggregate(tickets=opened.count())


def _tier_costs(ctx: KpiContext) -> ir.Table:
    """(service_tier, tier_cost): the configured success cost per tier."""
    import ibis

    tiers = ctx.config.costs.success_cost_per_tier
    return ibis.memtable(
        {"service_tier": list(tiers), "tier_cost": [float(c) for c in tiers.values()]},
        schema={"service_tier": "string", "tier_cost": "float64"},
    )


# --- putting the parts together ----------------------------------------------------------


def account_costs(ctx: KpiContext) -> ir.Table:
    """Per paying account and period: mrr, the four costs and total, and the method of
    hosting, support and success (see the module docstring)."""
    import ibis

    settings = ctx.config.costs
    paying = ctx.materialise("costs_paying", _paying(ctx))
    table = paying.left_join(_tier_costs(ctx), "service_tier").drop("service_tier_right")

    explicit = _explicit(ctx, paying)
    if explicit is None:
        table = table.mutate(**{f"explicit_{t}": ibis.null("float64") for t in COST_TYPES})
    else:
        explicit = explicit.rename(**{f"explicit_{t}": t for t in COST_TYPES})
        table = table.left_join(explicit, ["account_id", "idx"]).drop(
            "account_id_right", "idx_right"
        )

    allocated = _allocated_hosting(ctx, paying)
    if allocated is None:
        table = table.mutate(
            hosting=ibis.null("float64"), hosting_share=ibis.null("float64"),
            hosting_method=ibis.null("string"),
        )
    else:
        table = table.left_join(allocated, ["account_id", "idx"]).drop(
            "account_id_right", "idx_right"
        )

    tickets = _tickets(ctx, paying)
    if tickets is None:
        table = table.mutate(tickets=ibis.null("int64"))
    else:
        table = table.left_join(tickets, ["account_id", "idx"]).drop(
            "account_id_right", "idx_right"
        )
        table = table.mutate(tickets=table.tickets.fill_null(0))

    def chosen(part: str, fallback: ir.FloatingValue, method: ir.StringValue) -> dict:
        given = table[f"explicit_{part}"]
        return {
            part: given.coalesce(fallback),
            f"{part}_method": ibis.ifelse(given.notnull(), "account_costs", method),
        }

    hosting = chosen(
        "hosting", table.hosting.fill_null(0.0), table.hosting_method.fill_null("none")
    )
    support = chosen(
        "support",
        (table.tickets * settings.support_cost_per_ticket).cast("float64").fill_null(0.0),
        ibis.ifelse(table.tickets.notnull(), "tickets", "none"),
    )
    success = chosen(
        "success",
        table.tier_cost.fill_null(settings.default_success_cost),
        ibis.ifelse(table.tier_cost.notnull(), "tier", "default"),
    )
    parts = table.select(
        "account_id", "idx", "mrr", "environment_id",
        hosting_share=ibis.ifelse(
            table.explicit_hosting.isnull(), table.hosting_share, ibis.null("float64")
        ),
        other=table.explicit_other.fill_null(0.0),
        **hosting, **support, **success,
    )
    return parts.mutate(total=parts.hosting + parts.support + parts.success + parts.other)


def _detail(ctx: KpiContext, costs: ir.Table) -> None:
    """Write the detail table: what each paying account cost and where each part came
    from. Not temporary: it is a result, replaced with kpi_values on every computation."""
    named = costs.join(ctx.periods.select("idx", "period"), "idx")
    ctx.backend.create_table(
        DETAIL_TABLE,
        named.select(
            "account_id", "period", "mrr", *COST_TYPES, "total",
            "hosting_method", "support_method", "success_method",
            "environment_id", "hosting_share",
        ).order_by(["period", "account_id"]),
    )


def _rows(ctx: KpiContext, facts: ir.Table) -> ir.Table:
    """cost_to_serve and gross_margin rows over `facts` (period, dimension, segment, mrr,
    total, accounts). A slice with no paying account has no cost to serve (empty, as
    nothing there was costed) and no margin (its MRR, the denominator, is 0)."""
    import ibis

    costed = facts.accounts > 0
    cost = ibis.ifelse(costed, facts.total, ibis.null("float64"))
    return ibis.union(
        kpi_rows(
            facts, "cost_to_serve", ctx.config, value=cost, numerator=cost, n=facts.accounts
        ),
        kpi_rows(
            facts, "gross_margin", ctx.config,
            **rate_parts(facts.mrr - facts.total, facts.mrr, facts.accounts),
        ),
    )


def build_costs(ctx: KpiContext) -> list[ir.Table]:
    """The detail table, then both KPIs for the book, every segment and every paying
    account. Margins roll up as sums: (sum MRR - sum cost) / sum MRR, not a mean of
    account ratios."""
    import ibis

    costs = ctx.materialise("account_costs", account_costs(ctx))
    _detail(ctx, costs)

    facts = costs.select("account_id", "idx", "mrr", "total", accounts=ibis.literal(1))
    sums = ctx.materialise(
        "cost_segments",
        sum_by_segment(facts, ctx.segments, ctx.spine, ["mrr", "total", "accounts"]),
    )
    per_account = facts.join(ctx.periods.select("idx", "period"), "idx").mutate(
        dimension=ibis.literal("account"), segment=facts.account_id
    )
    return [_rows(ctx, sums), _rows(ctx, per_account)]


GROUPS = (
    KpiGroup(
        "costs",
        ("cost_to_serve", "gross_margin"),
        build_costs,
        # subscription_lines: the revenue facts this group reads exist only when revenue
        # could be converted. The optional cost tables are checked only when present.
        money_tables=("subscription_lines", "environments", "account_costs"),
        # Without a hosting cost, explicit or to allocate, a margin would rest on the
        # configured success costs alone and look far better than it is.
        one_of=("account_costs", "environments"),
    ),
)
