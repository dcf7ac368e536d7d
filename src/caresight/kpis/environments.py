"""Environments as the platform KPIs see them: when each existed, and which segments its
facts count in.

Platform facts belong to an environment, and some to one tenant of it (an incident that
names an account, a tenant's daily CPU share). Every fact carries `environment_id` and
`tenant` (the account id, or '' when the fact concerns the whole environment), and its
segments follow from those two:

- `all`, `environment` (the environment id), `deployment_model` and `region` are the
  environment's own (region empty -> `unknown`);
- the account dimensions (channel, partner, delivery_partner, service_tier,
  customer_type) come from the tenants: a tenant's fact counts in that tenant's segments
  only, a whole-environment fact in the segments of every account on the environment
  (accounts.environment_id) from the month of its contract on, once per segment however
  many of its tenants share it.

Tenancy starts in the month the account's contract was signed. Before then an account
is no tenant: an incident naming it is the whole environment's (scoped_incidents), and
any other fact of its own (a CPU-share day) counts in none of its segments.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from caresight.kpis.catalog import ACCOUNT_DIMENSIONS
from caresight.kpis.localtime import local_date
from caresight.kpis.periods import month_index
from caresight.kpis.segments import ALL

if TYPE_CHECKING:
    import ibis.expr.types as ir

    from caresight.kpis.group import KpiContext

#: Dimensions an environment has itself. deployment_model and region are the
#: environment's values here, not its accounts'.
ENVIRONMENT_DIMENSIONS = ("environment", "deployment_model", "region")

#: Account dimensions a platform fact reaches through the accounts on its environment.
TENANT_DIMENSIONS = tuple(d for d in ACCOUNT_DIMENSIONS if d not in ENVIRONMENT_DIMENSIONS)

#: The tenant of a fact about the whole environment.
WHOLE = ""


def _cached(ctx: KpiContext, name: str, build: ir.Table) -> ir.Table:
    """`build` materialised once per computation, under `name`."""
    table = ctx.cache.get(name)
    if table is None:
        table = ctx.materialise(name, build)
        ctx.cache[name] = table
    return table


def environment_months(ctx: KpiContext) -> ir.Table:
    """(environment_id, idx, win_start, win_end): the part of each month, up to its
    measuring day's end, during which the environment existed (from ready_at to
    retired_at). Months it did not exist in have no row; an environment never ready
    never existed."""
    import ibis

    envs = ctx.table("environments").filter(ibis._.ready_at.notnull())
    periods = ctx.periods
    retired = envs.retired_at.fill_null(periods.measure_end_utc)
    joined = envs.join(
        periods,
        [envs.ready_at < periods.measure_end_utc, retired > periods.start_utc],
    )
    windows = joined.select(
        "environment_id",
        "idx",
        win_start=ibis.greatest(joined.start_utc, joined.ready_at),
        win_end=ibis.least(
            joined.measure_end_utc, joined.retired_at.fill_null(joined.measure_end_utc)
        ),
    )
    return _cached(ctx, "environment_months", windows.filter(windows.win_start < windows.win_end))


def environment_dimensions(ctx: KpiContext) -> ir.Table:
    """(environment_id, dimension, segment) for `all` and the environment's own
    dimensions."""
    import ibis

    envs = ctx.table("environments")
    region = envs.region.nullif("").fill_null("unknown")
    parts = [
        envs.select("environment_id", dimension=ibis.literal(ALL), segment=ibis.literal(ALL)),
        envs.select("environment_id", dimension=ibis.literal("environment"),
                    segment=envs.environment_id),
        envs.select("environment_id", dimension=ibis.literal("deployment_model"),
                    segment=envs.deployment_model),
        envs.select("environment_id", dimension=ibis.literal("region"), segment=region),
    ]
    return _cached(ctx, "environment_dimensions", ibis.union(*parts))


def tenant_dimensions(ctx: KpiContext) -> ir.Table:
    """(account_id, dimension, segment) of every account for the tenant dimensions."""
    segments = ctx.segments
    return segments.filter(segments.dimension.isin(TENANT_DIMENSIONS))


def contract_months(ctx: KpiContext) -> ir.Table:
    """(account_id, environment_id, from_idx): every account with the idx of the month
    its contract was signed, from which it is a tenant of its environment (if any)."""
    accounts = ctx.table("accounts")
    return accounts.select(
        "account_id", "environment_id",
        from_idx=month_index(accounts.contract_signed_on, ctx.period_list[0]),
    )


def tenancies(ctx: KpiContext) -> ir.Table:
    """(account_id, environment_id, from_idx): the accounts on each environment, each a
    tenant from the month its contract was signed (accounts carry no end of tenancy)."""
    months = contract_months(ctx)
    return months.filter(months.environment_id.notnull())


def environment_tenant_dimensions(ctx: KpiContext) -> ir.Table:
    """(environment_id, dimension, segment, from_idx): the tenant-dimension segments of
    the accounts on each environment, each from the first month one of its accounts was
    a tenant."""
    joined = tenancies(ctx).join(tenant_dimensions(ctx), "account_id")
    build = joined.group_by(["environment_id", "dimension", "segment"]).aggregate(
        from_idx=joined.from_idx.min()
    )
    return _cached(ctx, "environment_tenant_dimensions", build)


def platform_spine(ctx: KpiContext) -> ir.Table:
    """(idx, period, dimension, segment): the rows every platform KPI has. The book and
    the deployment models, regions and tenant segments in every period; an environment
    in the months it existed."""
    import ibis

    periods = ctx.periods.select("idx", "period")
    own = environment_dimensions(ctx)
    named = own.filter(own.dimension.isin(("deployment_model", "region")))
    book = ibis.memtable({"dimension": [ALL], "segment": [ALL]})
    segments = ibis.union(book, named.select("dimension", "segment")).distinct()
    spine = ctx.spine
    tenant = spine.filter(spine.dimension.isin(TENANT_DIMENSIONS))
    months = environment_months(ctx).join(periods, "idx")
    existing = months.select(
        "idx", "period", dimension=ibis.literal("environment"), segment=months.environment_id
    )
    build = ibis.union(
        periods.cross_join(segments).select("idx", "period", "dimension", "segment"),
        tenant.select("idx", "period", "dimension", "segment"),
        existing,
    )
    return _cached(ctx, "platform_spine", build)


def with_segments(ctx: KpiContext, facts: ir.Table) -> ir.Table:
    """`facts` (environment_id, tenant, idx, measures...) once per segment each row
    counts in, with dimension and segment columns. A tenant's fact reaches its segments
    only from the month its contract was signed."""
    import ibis

    columns = list(facts.columns)
    own = facts.join(environment_dimensions(ctx), "environment_id")

    whole = facts.filter(facts.tenant == WHOLE)
    reached = environment_tenant_dimensions(ctx)
    shared = whole.join(
        reached,
        [whole.environment_id == reached.environment_id, whole.idx >= reached.from_idx],
    )

    single = facts.filter(facts.tenant != WHOLE)
    signed = contract_months(ctx).select(_account=ibis._.account_id, _from_idx=ibis._.from_idx)
    dimensions = tenant_dimensions(ctx)
    tenants = dimensions.join(signed, dimensions.account_id == signed._account)
    tenant = single.join(
        tenants, [single.tenant == tenants.account_id, single.idx >= tenants._from_idx]
    )
    return ibis.union(
        own.select(*columns, "dimension", "segment"),
        shared.select(*[whole[c] for c in columns], "dimension", "segment"),
        tenant.select(*columns, "dimension", "segment"),
    )


def fill_spine(ctx: KpiContext, sums: ir.Table, zeros: dict[str, int | float]) -> ir.Table:
    """`sums` (idx, dimension, segment, figures...) on every row of the platform spine;
    figures named in `zeros` become 0 where nothing contributed, others stay empty."""
    spine = platform_spine(ctx)
    keys = ["idx", "dimension", "segment"]
    figures = [c for c in sums.columns if c not in keys]
    filled = spine.left_join(sums, keys).select(
        spine.idx, spine.period, spine.dimension, spine.segment, *[sums[f] for f in figures]
    )
    return filled.fill_null(zeros) if zeros else filled


def sum_by_platform_segment(ctx: KpiContext, facts: ir.Table, measures: list[str]) -> ir.Table:
    """Sum `measures` of facts (environment_id, tenant, idx, ...) per period and
    platform segment, 0 where nothing contributes."""
    # Summed per environment, tenant and month first: a segment holds many of them, and
    # daily facts (tenant usage, database days) would otherwise be copied per segment.
    keys = ["environment_id", "tenant", "idx"]
    facts = facts.group_by(keys).aggregate(**{m: facts[m].sum() for m in measures})
    assigned = with_segments(ctx, facts)
    sums = assigned.group_by(["idx", "dimension", "segment"]).aggregate(
        **{m: assigned[m].sum() for m in measures}
    )
    return fill_spine(ctx, sums, dict.fromkeys(measures, 0))


def quantiles_by_platform_segment(
    ctx: KpiContext, facts: ir.Table, column: str, quantiles: dict[str, float]
) -> ir.Table:
    """Quantiles of `column` of facts (environment_id, tenant, idx, column) per period
    and platform segment, named as in `quantiles` ({"p50": 0.5, ...}), with the mean, the
    sum and n (rows counted). Linear interpolation between ranks, as numpy's default."""
    assigned = with_segments(ctx, facts)
    value = assigned[column]
    stats = assigned.group_by(["idx", "dimension", "segment"]).aggregate(
        **{name: value.quantile(q) for name, q in quantiles.items()},
        mean=value.mean(),
        total=value.sum(),
        n=value.count(),
    )
    return fill_spine(ctx, stats, {"n": 0})


def scoped_incidents(ctx: KpiContext) -> ir.Table:
    """Incidents started by as_of, with `tenant`: the account they name when it is a
    tenant of the incident's environment in the (local) month the incident started, else
    '' (the whole environment). An incident naming an account of another environment, or
    one whose tenancy had not begun, cannot be placed on a tenant, so it counts for the
    environment it names; the whole incident follows its start month."""
    import ibis

    incidents = ctx.table("incidents")
    incidents = incidents.filter(incidents.started_at < ctx.period_list[-1].measure_end_utc)
    started = incidents.mutate(
        _started_idx=month_index(local_date(ctx, incidents.started_at), ctx.period_list[0])
    )
    accounts = tenancies(ctx).select(
        _tenant=ibis._.account_id, _tenant_env=ibis._.environment_id, _from_idx=ibis._.from_idx
    )
    joined = started.left_join(
        accounts,
        [started.account_id == accounts._tenant,
         started.environment_id == accounts._tenant_env,
         started._started_idx >= accounts._from_idx],
    )
    build = joined.select(
        *incidents.columns, tenant=joined._tenant.fill_null(WHOLE)
    )
    return _cached(ctx, "scoped_incidents", build)
