"""Platform reliability: uptime, incidents, backups and restores, the database,
deployments, provisioning, shared-environment health and customisation.

Every KPI is computed per environment (dimension `environment`, in the months it
existed), for its deployment model and region, for the whole platform, and for the
account dimensions through the accounts on each environment (see environments.py for
which segments a fact counts in). Uptime is also computed per account (dimension
`account`), and for the account dimensions it is weighted by tenant: the sum of the
segment's accounts' downtime over the sum of their eligible minutes (downtime.py).

An instant falls in month m when it lies between the month's start in the reporting
time zone and the end of its measuring day (the month's last day, or as_of); a day
(db_performance, tenant_usage) when it is in m and not after as_of.

Cost to serve and gross margin, though in the same section of the catalogue, are
computed in costs.py.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from caresight.dataset.schema import CAUSE_OWNERS
from caresight.kpis.downtime import downtime_facts
from caresight.kpis.environments import (
    WHOLE,
    environment_dimensions,
    environment_months,
    fill_spine,
    quantiles_by_platform_segment,
    scoped_incidents,
    sum_by_platform_segment,
    tenant_dimensions,
)
from caresight.kpis.group import KpiContext, KpiGroup
from caresight.kpis.localtime import local_date
from caresight.kpis.periods import month_index
from caresight.kpis.values import kpi_rows, rate_parts

if TYPE_CHECKING:
    import ibis.expr.types as ir

#: Incidents that took service away, wholly or in part.
_IMPACTING = ("outage", "degraded")

_HOUR = 3600.0
_MINUTE = 60.0


def _in_month(ctx: KpiContext, table: ir.Table, column: str) -> ir.Table:
    """Rows of `table` whose instant `column` falls in a period, with that period's idx."""
    periods = ctx.periods
    instant = table[column]
    joined = table.join(
        periods, [instant >= periods.start_utc, instant < periods.measure_end_utc]
    )
    return joined.select(*table.columns, idx=periods.idx)


def _on_day(ctx: KpiContext, table: ir.Table, column: str = "date") -> ir.Table:
    """Rows of `table` whose day `column` is in a period and not after as_of, with idx."""
    day = table[column]
    dated = table.filter(day <= ctx.as_of).mutate(idx=month_index(day, ctx.period_list[0]))
    return dated.filter(dated.idx >= 0)


def _flag(condition: ir.BooleanValue) -> ir.IntegerValue:
    return condition.fill_null(False).cast("int64")


def _duration_rows(
    ctx: KpiContext, facts: ir.Table, column: str, kpi: str, p90_kpi: str
) -> ir.Table:
    """A duration KPI as its median (`kpi`) and 90th percentile (`p90_kpi`)."""
    import ibis

    stats = quantiles_by_platform_segment(ctx, facts, column, {"p50": 0.5, "p90": 0.9})
    stats = ctx.materialise(kpi, stats)
    return ibis.union(
        kpi_rows(stats, kpi, ctx.config, value=stats.p50, n=stats.n),
        kpi_rows(stats, p90_kpi, ctx.config, value=stats.p90, n=stats.n),
    )


# --- uptime --------------------------------------------------------------------------------


def build_uptime(ctx: KpiContext) -> list[ir.Table]:
    """uptime = 1 - downtime / eligible minutes, as numerator up minutes (eligible -
    downtime) over eligible minutes. The book, deployment models, regions and
    environments sum environments; the account dimensions and accounts sum accounts."""
    import ibis

    environment_facts, account_facts = downtime_facts(ctx)
    environment_facts = ctx.materialise("uptime_environments", environment_facts)
    account_facts = ctx.materialise("uptime_accounts", account_facts)

    columns = ["idx", "dimension", "segment", "eligible", "downtime"]
    by_environment = environment_facts.join(environment_dimensions(ctx), "environment_id")
    by_tenant = account_facts.join(tenant_dimensions(ctx), "account_id")
    assigned = ibis.union(by_environment.select(*columns), by_tenant.select(*columns))
    sums = assigned.group_by(["idx", "dimension", "segment"]).aggregate(
        eligible=assigned.eligible.sum(), downtime=assigned.downtime.sum(), n=assigned.count()
    )
    filled = ctx.materialise(
        "uptime", fill_spine(ctx, sums, {"eligible": 0.0, "downtime": 0.0, "n": 0})
    )

    named = account_facts.join(ctx.periods.select("idx", "period"), "idx")
    accounts = named.select(
        "idx", "period", "eligible", "downtime",
        dimension=ibis.literal("account"), segment=named.account_id, n=ibis.literal(1, "int64"),
    )
    return [_uptime_rows(ctx, filled), _uptime_rows(ctx, accounts)]


def _uptime_rows(ctx: KpiContext, sums: ir.Table) -> ir.Table:
    up = sums.eligible - sums.downtime
    return kpi_rows(sums, "uptime", ctx.config, **rate_parts(up, sums.eligible, sums.n))


# --- incidents -----------------------------------------------------------------------------


def _incident_facts(ctx: KpiContext) -> ir.Table:
    """Per period: each environment existing in it (environments = 1) and each incident
    started in it (impacting = 1 for outage or degraded, one column per cause owner for
    those, breaches = 1 for an isolation breach of any impact)."""
    import ibis

    months = environment_months(ctx)
    incidents = _in_month(ctx, scoped_incidents(ctx), "started_at")
    impacting = incidents.impact.isin(_IMPACTING)
    zero = ibis.literal(0, "int64")
    owners = {f"cause_{owner}": zero for owner in CAUSE_OWNERS}
    existing = months.select(
        "environment_id", "idx", tenant=ibis.literal(WHOLE), environments=ibis.literal(1, "int64"),
        impacting=zero, breaches=zero, **owners,
    )
    started = incidents.select(
        "environment_id", "idx", "tenant", environments=zero,
        impacting=_flag(impacting), breaches=_flag(incidents.isolation_breach),
        **{f"cause_{o}": _flag(impacting & (incidents.cause_owner == o)) for o in CAUSE_OWNERS},
    )
    return ibis.union(existing, started)


def build_incidents(ctx: KpiContext) -> list[ir.Table]:
    """incident_rate, incidents_by_cause, isolation_breaches, mttr and mtta."""
    import ibis

    measures = ["environments", "impacting", "breaches", *[f"cause_{o}" for o in CAUSE_OWNERS]]
    sums = ctx.materialise(
        "incidents", sum_by_platform_segment(ctx, _incident_facts(ctx), measures)
    )
    rate = kpi_rows(
        sums, "incident_rate", ctx.config,
        **rate_parts(sums.impacting, sums.environments, sums.environments),
    )
    breaches = kpi_rows(
        sums, "isolation_breaches", ctx.config,
        value=sums.breaches, numerator=sums.breaches, n=sums.breaches,
    )
    return [
        ibis.union(rate, breaches, _by_cause_rows(ctx, sums)),
        _mttr_rows(ctx),
        _mtta_rows(ctx),
    ]


def _by_cause_rows(ctx: KpiContext, sums: ir.Table) -> ir.Table:
    """incidents_by_cause: for the platform, dimension `cause_owner` and segment the
    owner; for a segment, `<dimension>:cause_owner` and `<segment>:<owner>`. Every owner
    has a row, 0 when it caused nothing."""
    import ibis

    book = sums.dimension == "all"
    parts = []
    for owner in CAUSE_OWNERS:
        count = sums[f"cause_{owner}"]
        shaped = sums.select(
            "period",
            dimension=ibis.ifelse(book, "cause_owner", sums.dimension.concat(":cause_owner")),
            segment=ibis.ifelse(book, owner, sums.segment.concat(f":{owner}")),
            count=count,
        )
        parts.append(
            kpi_rows(
                shaped, "incidents_by_cause", ctx.config,
                value=shaped["count"], numerator=shaped["count"], n=shaped["count"],
            )
        )
    return ibis.union(*parts)


def _impacting(ctx: KpiContext) -> ir.Table:
    incidents = scoped_incidents(ctx)
    return incidents.filter(incidents.impact.isin(_IMPACTING))


def _mttr_rows(ctx: KpiContext) -> ir.Table:
    """Outage and degraded incidents resolved in the month: hours from start to
    resolution. mttr_hours is the mean (numerator total hours, denominator incidents),
    with the median and the 90th percentile beside it."""
    import ibis

    resolved = _in_month(ctx, _impacting(ctx), "resolved_at")
    hours = resolved.resolved_at.delta(resolved.started_at, unit="second") / _HOUR
    facts = resolved.select("environment_id", "tenant", "idx", hours=hours)
    stats = quantiles_by_platform_segment(ctx, facts, "hours", {"p50": 0.5, "p90": 0.9})
    stats = ctx.materialise("mttr", stats)
    return ibis.union(
        kpi_rows(stats, "mttr_hours", ctx.config,
                 **rate_parts(stats.total.fill_null(0.0), stats.n, stats.n)),
        kpi_rows(stats, "mttr_hours_p50", ctx.config, value=stats.p50, n=stats.n),
        kpi_rows(stats, "mttr_hours_p90", ctx.config, value=stats.p90, n=stats.n),
    )


def _mtta_rows(ctx: KpiContext) -> ir.Table:
    """Outage and degraded incidents acknowledged in the month: minutes from start to
    acknowledgement, median and 90th percentile."""
    acknowledged = _in_month(ctx, _impacting(ctx), "acknowledged_at")
    minutes = acknowledged.acknowledged_at.delta(acknowledged.started_at, unit="second")
    facts = acknowledged.select(
        "environment_id", "tenant", "idx", minutes=minutes / _MINUTE
    )
    return _duration_rows(ctx, facts, "minutes", "mtta_minutes", "mtta_minutes_p90")


# --- backups and restores ------------------------------------------------------------------


def build_backups(ctx: KpiContext) -> list[ir.Table]:
    """backup_success_rate: backups scheduled in the month that succeeded / backups
    scheduled (failed and missed alike count against it)."""
    import ibis

    backups = _in_month(ctx, ctx.table("backups"), "scheduled_at")
    facts = backups.select(
        "environment_id", "idx", tenant=ibis.literal(WHOLE), scheduled=ibis.literal(1, "int64"),
        succeeded=_flag(backups.status == "success"),
    )
    sums = sum_by_platform_segment(ctx, facts, ["scheduled", "succeeded"])
    return [
        kpi_rows(
            sums, "backup_success_rate", ctx.config,
            **rate_parts(sums.succeeded, sums.scheduled, sums.scheduled),
        )
    ]


def build_restores(ctx: KpiContext) -> list[ir.Table]:
    """restore_validation_coverage: environments existing at the end of the measuring
    day with a succeeded restore test at most restore_window_days old on that day (a
    test is n days old n calendar days after the local day it ran) / those
    environments."""
    import ibis

    envs = ctx.table("environments").filter(ibis._.ready_at.notnull())
    periods = ctx.periods
    at_end = envs.join(
        periods,
        [
            envs.ready_at < periods.measure_end_utc,
            envs.retired_at.isnull() | (envs.retired_at >= periods.measure_end_utc),
        ],
    ).select("environment_id", "idx", "measure_day", "measure_end_utc")

    tests = ctx.table("restore_tests")
    tests = tests.filter(tests.succeeded).mutate(tested_on=local_date(ctx, tests.tested_at))
    window = ibis.interval(days=ctx.config.platform.restore_window_days)
    validated = at_end.join(
        tests,
        [
            at_end.environment_id == tests.environment_id,
            tests.tested_at < at_end.measure_end_utc,
            tests.tested_on >= at_end.measure_day - window,
        ],
    ).select(at_end.environment_id, at_end.idx, validated=ibis.literal(1, "int64")).distinct()

    joined = at_end.left_join(validated, ["environment_id", "idx"])
    facts = joined.select(
        at_end.environment_id, at_end.idx, tenant=ibis.literal(WHOLE),
        environments=ibis.literal(1, "int64"), validated=joined.validated.fill_null(0),
    )
    sums = sum_by_platform_segment(ctx, facts, ["environments", "validated"])
    return [
        kpi_rows(
            sums, "restore_validation_coverage", ctx.config,
            **rate_parts(sums.validated, sums.environments, sums.environments),
        )
    ]


# --- database ------------------------------------------------------------------------------


def build_database(ctx: KpiContext) -> list[ir.Table]:
    """db_p95_query_ms (mean of the daily p95 over environment-days), db_slow_day_rate
    (days above slow_query_ms / days) and shared_cpu_utilization (the 95th percentile of
    daily CPU utilisation of multi-tenant environments)."""
    import ibis

    days = _on_day(ctx, ctx.table("db_performance"))
    slow = days.p95_query_ms > ctx.config.platform.slow_query_ms
    facts = days.select(
        "environment_id", "idx", tenant=ibis.literal(WHOLE), days=ibis.literal(1, "int64"),
        query_ms=days.p95_query_ms, slow_days=_flag(slow),
    )
    sums = sum_by_platform_segment(ctx, facts, ["days", "query_ms", "slow_days"])
    sums = ctx.materialise("database", sums)

    envs = ctx.table("environments")
    shared = envs.filter(envs.deployment_model == "multi_tenant").select("environment_id")
    cpu = days.join(shared, "environment_id").select(
        "environment_id", "idx", tenant=ibis.literal(WHOLE), cpu=days.cpu_utilization
    )
    stats = quantiles_by_platform_segment(ctx, cpu, "cpu", {"p95": 0.95})
    return [
        ibis.union(
            kpi_rows(sums, "db_p95_query_ms", ctx.config,
                     **rate_parts(sums.query_ms, sums.days, sums.days)),
            kpi_rows(sums, "db_slow_day_rate", ctx.config,
                     **rate_parts(sums.slow_days, sums.days, sums.days)),
            kpi_rows(stats, "shared_cpu_utilization", ctx.config, value=stats.p95, n=stats.n),
        )
    ]


# --- deployments ---------------------------------------------------------------------------


def build_deployments(ctx: KpiContext) -> list[ir.Table]:
    """release_success_rate, patch_latency_days and upgrade_coordination."""
    import ibis

    deployed = _in_month(ctx, ctx.table("deployments"), "deployed_at")
    facts = deployed.select(
        "environment_id", "idx", tenant=ibis.literal(WHOLE), deployments=ibis.literal(1, "int64"),
        succeeded=_flag(deployed.outcome == "success"),
    )
    sums = sum_by_platform_segment(ctx, facts, ["deployments", "succeeded"])
    releases = kpi_rows(
        sums, "release_success_rate", ctx.config,
        **rate_parts(sums.succeeded, sums.deployments, sums.deployments),
    )
    return [releases, _patch_rows(ctx, deployed), _upgrade_rows(ctx)]


def _patch_rows(ctx: KpiContext, deployed: ir.Table) -> ir.Table:
    """Patches deployed successfully in the month that give available_on: days from
    availability to the local day of deployment. A failed or rolled-back patch is not
    deployed; its latency runs on until a deployment succeeds."""
    import ibis

    patches = deployed.filter(
        (deployed.kind == "patch") & (deployed.outcome == "success")
        & deployed.available_on.notnull()
    )
    latency = local_date(ctx, patches.deployed_at).delta(patches.available_on, unit="day")
    facts = patches.select(
        "environment_id", "idx", tenant=ibis.literal(WHOLE), days=latency.cast("float64")
    )
    return _duration_rows(ctx, facts, "days", "patch_latency_days", "patch_latency_days_p90")


def _upgrade_rows(ctx: KpiContext) -> ir.Table:
    """upgrade_coordination. For each version upgraded to multi-tenant environments by
    as_of, the first attempt opens a window of upgrade_window_days; the version counts
    in the month its window closes (once closed by as_of). Its environments are the
    multi-tenant environments existing through the window (ready when it opened and not
    retired before it closed), whether or not an upgrade to it was attempted on them,
    and those that became ready inside it and were upgraded to it at some point;
    coordinated are those with a successful upgrade to it by the close. An environment left behind
    counts against the version like one upgraded late."""
    import ibis

    last = ctx.period_list[-1]
    upgrades = ctx.table("deployments")
    upgrades = upgrades.filter(
        (upgrades.kind == "upgrade") & (upgrades.deployed_at < last.measure_end_utc)
    )
    envs = ctx.table("environments")
    shared = envs.filter(
        (envs.deployment_model == "multi_tenant") & envs.ready_at.notnull()
    ).select("environment_id", "ready_at", "retired_at")
    upgrades = upgrades.join(shared.select("environment_id"), "environment_id")

    window = ibis.interval(days=ctx.config.platform.upgrade_window_days)
    first = upgrades.group_by("version").aggregate(first_at=upgrades.deployed_at.min())
    closes = _in_month(ctx, first.mutate(closes_at=first.first_at + window), "closes_at")

    # Every multi-tenant environment existing when the window opened is expected to
    # upgrade within it. One that became ready inside the window is expected only when an
    # upgrade to the version was attempted there; otherwise it was built on that version.
    attempted = upgrades.select(
        _version=upgrades.version, _environment_id=upgrades.environment_id,
        _attempted=ibis.literal(True),
    ).distinct()
    candidates = closes.join(
        shared,
        [
            shared.ready_at <= closes.closes_at,
            shared.retired_at.isnull() | (shared.retired_at > closes.closes_at),
        ],
    )
    candidates = candidates.left_join(
        attempted,
        [
            candidates.version == attempted._version,
            candidates.environment_id == attempted._environment_id,
        ],
    )
    expected = candidates.filter(
        (candidates.ready_at <= candidates.first_at) | candidates._attempted.fill_null(False)
    ).select("version", "environment_id", "idx", "closes_at")

    done = upgrades.filter(upgrades.outcome == "success")
    on_time = expected.join(
        done,
        [
            expected.version == done.version,
            expected.environment_id == done.environment_id,
            done.deployed_at <= expected.closes_at,
        ],
    ).select(expected.version, expected.environment_id, coordinated=ibis.literal(1, "int64"))
    on_time = on_time.distinct()

    joined = expected.left_join(on_time, ["version", "environment_id"])
    facts = joined.select(
        expected.environment_id, expected.idx, tenant=ibis.literal(WHOLE),
        environments=ibis.literal(1, "int64"), coordinated=joined.coordinated.fill_null(0),
    )
    sums = sum_by_platform_segment(ctx, facts, ["environments", "coordinated"])
    return kpi_rows(
        sums, "upgrade_coordination", ctx.config,
        **rate_parts(sums.coordinated, sums.environments, sums.environments),
    )


# --- environments --------------------------------------------------------------------------


def build_provisioning(ctx: KpiContext) -> list[ir.Table]:
    """provisioning_hours (median, with p90): environments that became ready in the
    month, hours from request to ready; and customization_overhead."""
    import ibis

    ready = _in_month(ctx, ctx.table("environments"), "ready_at")
    hours = ready.ready_at.delta(ready.requested_at, unit="second") / _HOUR
    facts = ready.select("environment_id", "idx", tenant=ibis.literal(WHOLE), hours=hours)
    return [
        _duration_rows(ctx, facts, "hours", "provisioning_hours", "provisioning_hours_p90"),
        _customization_rows(ctx),
    ]


def _customization_rows(ctx: KpiContext) -> ir.Table:
    """Dedicated environments existing at any time in the month that state custom_modules:
    mean custom modules per environment. One that leaves it empty is left out rather than
    counted as having none."""
    import ibis

    envs = ctx.table("environments")
    dedicated = envs.filter(
        (envs.deployment_model == "dedicated") & envs.custom_modules.notnull()
    ).select("environment_id", "custom_modules")
    months = environment_months(ctx).join(dedicated, "environment_id")
    facts = months.select(
        "environment_id", "idx", tenant=ibis.literal(WHOLE), environments=ibis.literal(1, "int64"),
        modules=months.custom_modules,
    )
    sums = sum_by_platform_segment(ctx, facts, ["environments", "modules"])
    return kpi_rows(
        sums, "customization_overhead", ctx.config,
        **rate_parts(sums.modules, sums.environments, sums.environments),
    )


# --- shared environments -------------------------------------------------------------------


def build_noisy_neighbors(ctx: KpiContext) -> list[ir.Table]:
    """noisy_neighbor_rate: tenant-days of multi-tenant environments in the month with a
    CPU share above noisy_neighbor_cpu_share / tenant-days. A tenant-day counts in its
    tenant's segments."""
    import ibis

    usage = _on_day(ctx, ctx.table("tenant_usage"))
    envs = ctx.table("environments")
    shared = envs.filter(envs.deployment_model == "multi_tenant").select("environment_id")
    usage = usage.join(shared, "environment_id")
    noisy = usage.cpu_share > ctx.config.platform.noisy_neighbor_cpu_share
    facts = usage.select(
        "environment_id", "idx", tenant=usage.account_id, tenant_days=ibis.literal(1, "int64"),
        noisy_days=_flag(noisy),
    )
    sums = sum_by_platform_segment(ctx, facts, ["tenant_days", "noisy_days"])
    return [
        kpi_rows(
            sums, "noisy_neighbor_rate", ctx.config,
            **rate_parts(sums.noisy_days, sums.tenant_days, sums.tenant_days),
        )
    ]


GROUPS = (
    KpiGroup("uptime", ("uptime",), build_uptime),
    KpiGroup(
        "incidents",
        ("incident_rate", "isolation_breaches", "incidents_by_cause", "mttr_hours",
         "mttr_hours_p50", "mttr_hours_p90", "mtta_minutes", "mtta_minutes_p90"),
        build_incidents,
    ),
    KpiGroup("backups", ("backup_success_rate",), build_backups),
    KpiGroup("restore tests", ("restore_validation_coverage",), build_restores),
    KpiGroup(
        "database", ("db_p95_query_ms", "db_slow_day_rate", "shared_cpu_utilization"),
        build_database,
    ),
    KpiGroup(
        "deployments",
        ("release_success_rate", "patch_latency_days", "patch_latency_days_p90",
         "upgrade_coordination"),
        build_deployments,
    ),
    KpiGroup(
        "provisioning",
        ("provisioning_hours", "provisioning_hours_p90", "customization_overhead"),
        build_provisioning,
    ),
    KpiGroup("noisy neighbours", ("noisy_neighbor_rate",), build_noisy_neighbors),
)
