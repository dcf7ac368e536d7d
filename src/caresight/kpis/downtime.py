"""Downtime and eligible minutes per environment, tenant and month, as interval
arithmetic over sets.

Within each month an environment existed, its minutes are split by three unions of
intervals, all clipped to the part of the month it existed in (up to the measuring
day's end):

    M = its maintenance windows, O = its outage incidents, D = its degraded incidents,
    |X| the minutes covered by the union of the intervals in X, X + Y both sets together

    eligible   = existed - |M|
    outage     = |O + M| - |M|          the outage minutes outside maintenance
    degraded   = |O + D + M| - |O + M|  degraded minutes outside outages and maintenance
    downtime   = outage + degraded_weight x degraded

so only unions are ever measured. A union is measured with one window over the
intervals sorted by start: each interval adds what it reaches beyond the running
maximum of the ends before it (the gaps-and-islands sweep; overlapping intervals count
once, and the order of equal starts does not matter). An incident still open on as_of
runs to the end of the month, or of the measuring day in the month in progress.

Tenants. An incident that names an account of its environment, started in or after the
month that account became a tenant (see environments.scoped_incidents), counts for that
tenant alone; one started before counts for the whole environment. The tenant's minutes are
measured with the environment's own intervals plus its own incidents. The environment's
downtime is the mean of its tenants' downtime (each tenant holds an equal share of the
environment), so a tenant's own outage counts in full on a dedicated environment and
as 1/n of itself on a shared one with n tenants; an environment without tenants counts
only what concerns it whole. Tenants are the accounts whose environment_id names the
environment, from the month their contract was signed on; accounts say nothing of a
tenancy ending, so a churned account stays a tenant.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from caresight.kpis.environments import WHOLE, environment_months, scoped_incidents, tenancies

if TYPE_CHECKING:
    import ibis.expr.types as ir

    from caresight.kpis.group import KpiContext

#: Which unions each kind of interval belongs to: 1 = M, 2 = O + M, 3 = O + D + M.
_LAYERS = {"maintenance": (1, 2, 3), "outage": (2, 3), "degraded": (3,)}

_MINUTE = 60.0


def _raw_intervals(ctx: KpiContext) -> ir.Table:
    """(environment_id, tenant, kind, starts, ends): maintenance windows and outage and
    degraded incidents; `ends` is empty while an incident is open (or resolved only
    after as_of, which the clipping to the measuring day treats alike)."""
    import ibis

    incidents = scoped_incidents(ctx)
    incidents = incidents.filter(incidents.impact.isin(("outage", "degraded")))
    parts = [
        incidents.select(
            "environment_id", "tenant", kind=incidents.impact,
            starts=incidents.started_at, ends=incidents.resolved_at,
        )
    ]
    # maintenance_windows is optional: without it nothing is taken out.
    if ctx.has_table("maintenance_windows"):
        windows = ctx.table("maintenance_windows")
        parts.append(
            windows.select(
                "environment_id", tenant=ibis.literal(WHOLE), kind=ibis.literal("maintenance"),
                starts=windows.starts_at, ends=windows.ends_at,
            )
        )
    return ibis.union(*parts)


def _clipped(ctx: KpiContext) -> ir.Table:
    """(environment_id, tenant, idx, kind, s, e): the intervals cut to each month's part
    in which their environment existed; empty pieces dropped."""
    import ibis

    raw = _raw_intervals(ctx)
    months = environment_months(ctx)
    joined = raw.join(
        months,
        [
            raw.environment_id == months.environment_id,
            raw.starts < months.win_end,
            raw.ends.isnull() | (raw.ends > months.win_start),
        ],
    )
    clipped = joined.select(
        raw.environment_id, "tenant", "idx", "kind",
        s=ibis.greatest(joined.starts, joined.win_start),
        e=ibis.least(joined.ends.fill_null(joined.win_end), joined.win_end),
    )
    return clipped.filter(clipped.s < clipped.e)


def _scoped(clipped: ir.Table) -> ir.Table:
    """(environment_id, scope, idx, kind, s, e): the intervals each scope is measured
    with. Scope '' is the whole environment; a tenant with its own incidents in a month
    is a scope of its own that month, holding the environment's intervals and its own."""
    whole = clipped.filter(clipped.tenant == WHOLE)
    own = clipped.filter(clipped.tenant != WHOLE)
    tenant_months = own.select("environment_id", "idx", scope=own.tenant).distinct()
    inherited = whole.join(tenant_months, ["environment_id", "idx"])
    columns = ["environment_id", "scope", "idx", "kind", "s", "e"]
    return (
        whole.mutate(scope=whole.tenant).select(*columns)
        .union(inherited.select(*columns))
        .union(own.mutate(scope=own.tenant).select(*columns))
    )


def union_seconds(intervals: ir.Table, keys: list[str]) -> ir.Table:
    """(keys..., covered): seconds covered by the union of [s, e) per group of `keys`.

    Sorted by start, each interval adds the part of it past the latest end before it;
    an interval wholly inside earlier ones adds nothing, one after a gap adds itself.
    """
    import ibis

    before = ibis.window(group_by=keys, order_by=[intervals.s, intervals.e], rows=(None, -1))
    swept = intervals.mutate(reached=intervals.e.max().over(before))
    start = ibis.greatest(swept.s, swept.reached.fill_null(swept.s))
    added = ibis.greatest(swept.e.delta(start, unit="second"), 0)
    return swept.group_by(keys).aggregate(covered=added.sum())


def _layered(scoped: ir.Table) -> ir.Table:
    """Each interval once per union it belongs to (column `layer`)."""
    import ibis

    pairs = [(kind, layer) for kind, layers in _LAYERS.items() for layer in layers]
    layers = ibis.memtable(
        {"kind": [k for k, _ in pairs], "layer": [layer for _, layer in pairs]},
        schema={"kind": "string", "layer": "int64"},
    )
    return scoped.join(layers, "kind").select("environment_id", "scope", "idx", "layer", "s", "e")


def _scope_minutes(ctx: KpiContext) -> ir.Table:
    """(environment_id, scope, idx, maintenance, outage, degraded): minutes of each scope
    in each month, per the formulas in the module docstring."""
    import ibis

    keys = ["environment_id", "scope", "idx"]
    covered = union_seconds(_layered(_scoped(_clipped(ctx))), [*keys, "layer"])

    def layer(n: int) -> ir.FloatingValue:
        return ibis.ifelse(covered.layer == n, covered.covered, 0).sum() / _MINUTE

    unions = covered.group_by(keys).aggregate(u1=layer(1), u2=layer(2), u3=layer(3))
    return unions.select(
        *keys,
        maintenance=unions.u1,
        outage=unions.u2 - unions.u1,
        degraded=unions.u3 - unions.u2,
    )


def _with_downtime(ctx: KpiContext, minutes: ir.Table) -> ir.Table:
    weight = ctx.config.platform.degraded_weight
    return minutes.mutate(downtime=minutes.outage + weight * minutes.degraded)


def downtime_facts(ctx: KpiContext) -> tuple[ir.Table, ir.Table]:
    """Per environment and per tenant, for each month the environment existed (a tenant
    from its contract's month on): (environment_id, idx, eligible, downtime) and
    (account_id, environment_id, idx, eligible, downtime), in minutes."""
    scopes = ctx.materialise("downtime_scopes", _with_downtime(ctx, _scope_minutes(ctx)))
    months = environment_months(ctx)
    existed = months.select(
        "environment_id", "idx",
        minutes=months.win_end.delta(months.win_start, unit="second") / _MINUTE,
    )

    whole = scopes.filter(scopes.scope == WHOLE)
    base = existed.left_join(whole, ["environment_id", "idx"]).select(
        existed.environment_id, existed.idx,
        eligible=existed.minutes - whole.maintenance.fill_null(0.0),
        whole_downtime=whole.downtime.fill_null(0.0),
    )
    base = ctx.materialise("downtime_base", base)

    # A tenant with incidents of its own that month has a scope of its own; every other
    # tenant sees the whole environment's figures.
    own = scopes.filter(scopes.scope != WHOLE).select(
        "environment_id", "idx", "downtime", account_id=scopes.scope
    )
    on_env = tenancies(ctx).join(base, "environment_id")
    on_env = on_env.filter(on_env.idx >= on_env.from_idx)
    joined = on_env.left_join(own, ["account_id", "environment_id", "idx"])
    account_facts = joined.select(
        on_env.account_id, on_env.environment_id, on_env.idx, on_env.eligible,
        downtime=own.downtime.fill_null(on_env.whole_downtime),
        extra=own.downtime.fill_null(on_env.whole_downtime) - on_env.whole_downtime,
    )
    account_facts = ctx.materialise("downtime_accounts", account_facts)

    # The environment: the mean of its tenants' downtime, i.e. its own downtime plus the
    # mean of what each tenant's own incidents add to it.
    shares = account_facts.group_by(["environment_id", "idx"]).aggregate(
        share=account_facts.extra.mean()
    )
    joined = base.left_join(shares, ["environment_id", "idx"])
    environment_facts = joined.select(
        base.environment_id, base.idx, base.eligible,
        downtime=base.whole_downtime + joined.share.fill_null(0.0),
    )
    account_facts = account_facts.drop("extra")
    return environment_facts, account_facts
