"""Implementation quality: how projects reach go-live, and how the first months after it go.

Each KPI is attributed to a month by its own event: a project by the month it went live,
a milestone by the month it was planned for, a migration batch by the month it was
submitted, an account by the month its first 90 days closed, a ticket by the month it was
resolved. What happens after as_of has not happened yet: a milestone completed later is
still open, a batch accepted later has nothing accepted, a ticket resolved later is open.

Segments follow the project, not the account: the delivery_partner of these KPIs is the
partner that ran the project (`platform` when the platform team did), which can differ
from the account's delivery_partner_id; every other dimension is the account's. KPIs
counted from an account's go-live (first-90-day intensity, closure hours) take the
project that took the account live. Partners that only ran projects get segments too.

The go-live gates are measured per project into the detail table `project_gates`, one
row per project live by as_of with each gate's measure, whether it passed and which
gates failed, so a violation can be reported with its cause.

Known shortcoming: the dataset gives each migration batch's latest count of accepted
records, not its history. A batch whose acceptance is dated after the day measured counts
nothing accepted, but one without an acceptance date counts its records_accepted as
given, even when as_of is set to a day before those records were accepted.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from caresight.kpis import lifecycle
from caresight.kpis.group import KpiContext, KpiGroup
from caresight.kpis.localtime import local_date
from caresight.kpis.periods import month_index
from caresight.kpis.segments import SEGMENT_OF, quantiles_by_segment, sum_by_segment
from caresight.kpis.values import kpi_rows, rate_parts, ratio

if TYPE_CHECKING:
    import ibis.expr.types as ir

_DELIVERY = "delivery_partner"

#: The go-live gates, in the order failed_gates names them; each is also a column of
#: project_gates (the measure) with `_met` beside it, and a threshold in [gates].
GATES = (
    "data_migration_acceptance",
    "integration_readiness",
    "training_before_go_live",
    "milestone_adherence",
)

#: Gates that fail when there is nothing to measure. No migration batch or required
#: integration can be right for a project; no training at all before go-live cannot.
_EVIDENCE_REQUIRED = ("training_before_go_live",)

#: The detail table of per-project gate results (listed in catalog.DETAIL_TABLES).
PROJECT_GATES = "project_gates"


# --- shared inputs -------------------------------------------------------------------------


def project_segments(ctx: KpiContext) -> ir.Table:
    """(project_id, dimension, segment): the account's segments, except delivery_partner,
    which is the project's own (`platform` when empty)."""
    import ibis

    cached = ctx.cache.get("project_segments")
    if cached is not None:
        return cached

    projects = ctx.table("implementations")
    account_dims = ctx.segments.filter(ctx.segments.dimension != _DELIVERY)
    inherited = projects.join(account_dims, "account_id").select(
        "project_id", "dimension", "segment"
    )
    own = projects.select(
        "project_id", dimension=ibis.literal(_DELIVERY), segment=SEGMENT_OF[_DELIVERY](projects)
    )
    table = ctx.materialise("project_segments", ibis.union(inherited, own))
    ctx.cache["project_segments"] = table
    return table


def project_spine(ctx: KpiContext) -> ir.Table:
    """The book's spine plus, in every period, the delivery partners that ran projects but
    are no account's delivery_partner_id, so they get rows too."""
    import ibis

    cached = ctx.cache.get("project_spine")
    if cached is not None:
        return cached

    segments = project_segments(ctx)
    partners = segments.filter(segments.dimension == _DELIVERY).select(
        "dimension", "segment"
    ).distinct()
    extra = ctx.periods.select("idx", "period").cross_join(partners)
    table = ctx.materialise("project_spine", ibis.union(ctx.spine, extra, distinct=True))
    ctx.cache["project_spine"] = table
    return table


def live_projects(ctx: KpiContext) -> ir.Table:
    """Projects live by as_of: project_id, account_id, kind, delivery_partner, go_live_on,
    planned_go_live_on and idx, the period of the go-live (negative before the spine)."""
    cached = ctx.cache.get("live_projects")
    if cached is not None:
        return cached

    projects = ctx.table("implementations")
    live = projects.filter(projects.go_live_on.notnull() & (projects.go_live_on <= ctx.as_of))
    table = ctx.materialise(
        "live_projects",
        live.select(
            "project_id", "account_id", "kind", "go_live_on", "planned_go_live_on",
            delivery_partner=SEGMENT_OF[_DELIVERY](live),
            idx=month_index(live.go_live_on, ctx.period_list[0]),
        ),
    )
    ctx.cache["live_projects"] = table
    return table


def _sums(ctx: KpiContext, name: str, facts: ir.Table, measures: list[str]) -> ir.Table:
    """Per-project facts (project_id, idx, measures) summed over every segment and period."""
    sums = sum_by_segment(
        facts, project_segments(ctx), project_spine(ctx), measures, on="project_id"
    )
    return ctx.materialise(name, sums)


def _quantile_rows(ctx: KpiContext, kpi: str, facts: ir.Table, column: str) -> ir.Table:
    """`kpi` (the median) and `kpi`_p90 of a per-project column, per segment and period."""
    import ibis

    stats = quantiles_by_segment(
        facts, project_segments(ctx), project_spine(ctx), column, on="project_id"
    )
    stats = ctx.materialise(kpi, stats)
    return ibis.union(
        kpi_rows(stats, kpi, ctx.config, value=stats.p50, n=stats.n),
        kpi_rows(stats, f"{kpi}_p90", ctx.config, value=stats.p90, n=stats.n),
    )


# --- onboarding_cycle_days, go_live_delay_days ---------------------------------------------


def build_projects(ctx: KpiContext) -> list[ir.Table]:
    """Onboarding projects going live in the month: days from the account's contract
    signature to go-live (cycle), and from planned to actual go-live (delay, negative when
    early), each as median and p90."""
    live = live_projects(ctx)
    onboarding = live.filter(live.kind == "onboarding")
    accounts = ctx.table("accounts").select("account_id", "contract_signed_on")
    joined = onboarding.join(accounts, "account_id")
    days = joined.select(
        "project_id", "idx",
        cycle=joined.go_live_on.delta(joined.contract_signed_on, unit="day").cast("float64"),
        delay=joined.go_live_on.delta(joined.planned_go_live_on, unit="day").cast("float64"),
    )
    trailing = _trailing_year(ctx, days)
    return [
        _quantile_rows(ctx, "onboarding_cycle_days", days, "cycle"),
        _quantile_rows(ctx, "go_live_delay_days", days, "delay"),
        _quantile_rows(ctx, "onboarding_cycle_days_12m", trailing, "cycle"),
        _quantile_rows(ctx, "go_live_delay_days_12m", trailing, "delay"),
    ]


def _trailing_year(ctx: KpiContext, facts: ir.Table) -> ir.Table:
    """`facts` (with idx) repeated under each of the 12 months whose trailing year holds
    idx: a partner takes one or two projects live a month, too few for a percentile, so
    the 12-month figures compare partners on a year of go-lives."""
    import ibis

    lags = ibis.memtable({"_lag": list(range(12))}, schema={"_lag": "int64"})
    spread = facts.cross_join(lags)
    spread = spread.mutate(idx=spread.idx + spread._lag).drop("_lag")
    return spread.filter(spread.idx <= ctx.last_idx)


# --- milestone_adherence -------------------------------------------------------------------


def milestone_status(ctx: KpiContext) -> ir.Table:
    """Milestones planned by the end of the as_of month, with `met` and `decided` as of
    as_of: met when completed by as_of within the tolerance of its plan; missed when
    completed later, or still open once the tolerance has passed (planned_on + tolerance
    before as_of); undecided while open within the tolerance."""
    import ibis

    milestones = ctx.table("milestones")
    idx = month_index(milestones.planned_on, ctx.period_list[0])
    milestones = milestones.mutate(idx=idx).filter(idx <= ctx.last_idx)

    latest_on_time = milestones.planned_on + ibis.interval(
        days=ctx.config.implementation.milestone_tolerance_days
    )
    completed = milestones.completed_on.notnull() & (milestones.completed_on <= ctx.as_of)
    met = completed & (milestones.completed_on <= latest_on_time)
    decided = completed | (latest_on_time < ctx.as_of)
    return milestones.select(
        "project_id", "planned_on", "idx", met=met, decided=decided
    )


def build_milestones(ctx: KpiContext) -> list[ir.Table]:
    """Milestones planned in the month and decided by as_of: met / decided. An open
    milestone still within its tolerance is left out until it is decided."""
    status = milestone_status(ctx)
    decided = status.filter(status.decided)
    facts = decided.select(
        "project_id", "idx", met=decided.met.cast("int64"), milestones=1
    )
    sums = _sums(ctx, "milestone_adherence", facts, ["met", "milestones"])
    return [
        kpi_rows(
            sums, "milestone_adherence", ctx.config,
            **rate_parts(sums.met, sums.milestones, sums.milestones),
        )
    ]


# --- data_migration_acceptance, migration_first_pass_rate ----------------------------------


def _accepted_by(batches: ir.Table, day: ir.DateValue) -> ir.IntegerValue:
    """Records of a batch accepted by `day`: records_accepted as given, unless the batch's
    acceptance is dated after `day`, when nothing was accepted yet."""
    import ibis

    later = batches.accepted_on.notnull() & (batches.accepted_on > day)
    return ibis.ifelse(later, 0, batches.records_accepted)


def build_migrations(ctx: KpiContext) -> list[ir.Table]:
    """Batches submitted in the month: records accepted / records submitted, and the
    share of batches accepted whole, as known on as_of."""
    import ibis

    batches = ctx.table("data_migrations")
    batches = batches.filter(batches.submitted_on <= ctx.as_of)
    accepted = _accepted_by(batches, ibis.date(ctx.as_of))
    facts = batches.select(
        "project_id",
        idx=month_index(batches.submitted_on, ctx.period_list[0]),
        accepted=accepted,
        submitted=batches.records_submitted,
        whole=(accepted == batches.records_submitted).cast("int64"),
        batches=1,
    )
    sums = _sums(ctx, "migrations", facts, ["accepted", "submitted", "whole", "batches"])
    return [
        ibis.union(
            kpi_rows(
                sums, "data_migration_acceptance", ctx.config,
                **rate_parts(sums.accepted, sums.submitted, sums.batches),
            ),
            kpi_rows(
                sums, "migration_first_pass_rate", ctx.config,
                **rate_parts(sums.whole, sums.batches, sums.batches),
            ),
        )
    ]


# --- integration_readiness -----------------------------------------------------------------


def _integrations_at_go_live(ctx: KpiContext) -> ir.Table:
    """Per live project with required integrations: required, and ready (ready_on on or
    before go-live). Integrations not required for go-live are ignored."""
    live = live_projects(ctx)
    integrations = ctx.table("integrations")
    required = integrations.filter(integrations.required_for_go_live)
    joined = required.join(live, "project_id")
    ready = joined.ready_on.notnull() & (joined.ready_on <= joined.go_live_on)
    return joined.group_by("project_id").aggregate(
        required=joined.count(), ready=ready.cast("int64").sum()
    )


def build_integrations(ctx: KpiContext) -> list[ir.Table]:
    """Projects going live in the month: required integrations ready by go-live / required
    integrations. A project without required integrations adds nothing."""
    live = live_projects(ctx)
    counts = _integrations_at_go_live(ctx)
    joined = counts.join(live, "project_id")
    facts = joined.select("project_id", "idx", "ready", "required", projects=1)
    sums = _sums(ctx, "integration_readiness", facts, ["ready", "required", "projects"])
    return [
        kpi_rows(
            sums, "integration_readiness", ctx.config,
            **rate_parts(sums.ready, sums.required, sums.projects),
        )
    ]


# --- training_before_go_live ---------------------------------------------------------------


def _training_at_go_live(ctx: KpiContext) -> ir.Table:
    """Per live project whose account had assignments by go-live: assigned (assigned_on on
    or before go-live) and completed (of those, completed_on on or before go-live)."""
    live = live_projects(ctx)
    training = ctx.table("training")
    joined = training.join(live, "account_id")
    joined = joined.filter(joined.assigned_on <= joined.go_live_on)
    completed = joined.completed_on.notnull() & (joined.completed_on <= joined.go_live_on)
    return joined.group_by("project_id").aggregate(
        assigned=joined.count(), completed=completed.cast("int64").sum()
    )


def build_training(ctx: KpiContext) -> list[ir.Table]:
    """Projects going live in the month: their accounts' assignments made by go-live and
    completed by it / assignments made by it."""
    live = live_projects(ctx)
    counts = _training_at_go_live(ctx)
    joined = counts.join(live, "project_id")
    facts = joined.select("project_id", "idx", "completed", "assigned", projects=1)
    sums = _sums(ctx, "training_before_go_live", facts, ["completed", "assigned", "projects"])
    return [
        kpi_rows(
            sums, "training_before_go_live", ctx.config,
            **rate_parts(sums.completed, sums.assigned, sums.projects),
        )
    ]


# --- the first 90 days after go-live -------------------------------------------------------


def early_tickets(ctx: KpiContext) -> ir.Table:
    """Tickets opened on local days 0 .. first_90d_days - 1 after their account's go-live
    (day 0 is the go-live day), with the go-live project_id."""
    cached = ctx.cache.get("early_tickets")
    if cached is not None:
        return cached

    go_lives = lifecycle.go_lives(ctx)
    tickets = ctx.table("tickets")
    joined = tickets.join(go_lives, "account_id")
    day = local_date(ctx, joined.opened_at).delta(joined.go_live_on, unit="day")
    early = joined.filter(
        (day >= 0) & (day < ctx.config.implementation.first_90d_days)
    )
    table = ctx.materialise(
        "early_tickets",
        early.select("ticket_id", "account_id", "project_id", "opened_at", "resolved_at"),
    )
    ctx.cache["early_tickets"] = table
    return table


def build_first_90d_intensity(ctx: KpiContext) -> list[ir.Table]:
    """Accounts whose first 90 days closed in the month (go-live + first_90d_days falls in
    it, by as_of): tickets of those days per 10 users licensed on the go-live day.

    Numerator = tickets, denominator = users / 10, so value = numerator / denominator; n =
    accounts. An account with no user licensed on its go-live day has no intensity and is
    left out (its tickets would otherwise count against other accounts' users).
    """
    import ibis

    days = ctx.config.implementation.first_90d_days
    go_lives = lifecycle.go_lives(ctx)
    closed_on = go_lives.go_live_on + ibis.interval(days=days)
    closing = go_lives.mutate(idx=month_index(closed_on, ctx.period_list[0])).filter(
        closed_on <= ctx.as_of
    )

    early = early_tickets(ctx)
    tickets = early.group_by("account_id").aggregate(tickets=early.count())
    users = ctx.table("users")
    licensed = users.join(go_lives, "account_id")
    licensed = licensed.filter(
        (licensed.licensed_from <= licensed.go_live_on)
        & (licensed.licensed_until.isnull() | (licensed.licensed_until >= licensed.go_live_on))
    )
    seats = licensed.group_by("account_id").aggregate(users=licensed.count())

    joined = closing.join(seats, "account_id").left_join(tickets, "account_id")
    facts = joined.select(
        "project_id", "idx",
        tickets=joined.tickets.fill_null(0),
        users_per_10=joined.users / 10.0,
        accounts=1,
    )
    sums = _sums(ctx, "first_90d", facts, ["tickets", "users_per_10", "accounts"])
    return [
        kpi_rows(
            sums, "first_90d_support_intensity", ctx.config,
            **rate_parts(sums.tickets, sums.users_per_10, sums.accounts),
        )
    ]


def build_closure_hours(ctx: KpiContext) -> list[ir.Table]:
    """Tickets opened in their account's first 90 days after go-live and resolved in the
    month (its local month, by as_of): median and p90 hours from opening to resolution."""
    early = early_tickets(ctx)
    periods = ctx.periods
    resolved = early.join(
        periods,
        [early.resolved_at >= periods.start_utc, early.resolved_at < periods.measure_end_utc],
    )
    seconds = resolved.resolved_at.epoch_seconds() - resolved.opened_at.epoch_seconds()
    facts = resolved.select("project_id", "idx", hours=seconds / 3600.0)
    return [_quantile_rows(ctx, "post_go_live_closure_hours", facts, "hours")]


# --- stage gates ---------------------------------------------------------------------------


def _migrations_at_go_live(ctx: KpiContext) -> ir.Table:
    """Per live project with batches submitted by go-live: records submitted and records
    accepted by the go-live day."""
    live = live_projects(ctx)
    batches = ctx.table("data_migrations")
    joined = batches.join(live, "project_id")
    joined = joined.filter(joined.submitted_on <= joined.go_live_on)
    return joined.group_by("project_id").aggregate(
        records_submitted=joined.records_submitted.sum(),
        records_accepted=_accepted_by(joined, joined.go_live_on).sum(),
    )


def _milestones_by_go_live(ctx: KpiContext) -> ir.Table:
    """Per live project: its milestones planned on or before go-live and decided by as_of,
    and how many of them were met."""
    live = live_projects(ctx)
    status = milestone_status(ctx)
    joined = status.join(live, "project_id")
    joined = joined.filter((joined.planned_on <= joined.go_live_on) & joined.decided)
    return joined.group_by("project_id").aggregate(
        decided=joined.count(), met=joined.met.cast("int64").sum()
    )


def _gate_measures(ctx: KpiContext) -> ir.Table:
    """Every live project with its four gate measures (empty when there is nothing to
    measure: no batches, no required integrations, no assignments, no decided
    milestones)."""
    live = live_projects(ctx)
    parts = [
        _migrations_at_go_live(ctx),
        _integrations_at_go_live(ctx),
        _training_at_go_live(ctx),
        _milestones_by_go_live(ctx),
    ]
    table = live
    for part in parts:
        joined = table.left_join(part, "project_id")
        table = joined.select(table, *[part[c] for c in part.columns if c != "project_id"])
    return table.select(
        "project_id", "account_id", "kind", "delivery_partner", "go_live_on", "idx",
        data_migration_acceptance=ratio(table.records_accepted, table.records_submitted),
        integration_readiness=ratio(table.ready, table.required),
        training_before_go_live=ratio(table.completed, table.assigned),
        milestone_adherence=ratio(table.met, table.decided),
    )


def _failed_gates(met: dict[str, ir.BooleanValue]) -> ir.StringValue:
    """The names of the gates not met, comma-separated in GATES order; empty when none."""
    import ibis

    names: ir.StringValue = ibis.literal("")
    for gate in GATES:
        listed = ibis.ifelse(names == "", ibis.literal(gate), names + "," + gate)
        names = ibis.ifelse(met[gate], names, listed)
    return names


def project_gates(ctx: KpiContext) -> ir.Table:
    """One row per project live by as_of: each gate's measure, whether it met its
    threshold in [gates], passed_all and the failed gates. A gate with nothing to measure
    is met, except training: a project whose users were assigned no training by go-live
    went live without it. Measures are compared at 9 decimals, as KPI statuses are."""
    import ibis

    measures = _gate_measures(ctx)
    thresholds = ctx.config.gates
    met = {
        gate: (measures[gate].round(9) >= getattr(thresholds, gate)).fill_null(
            gate not in _EVIDENCE_REQUIRED
        )
        for gate in GATES
    }
    columns: dict[str, ir.Value] = {}
    for gate in GATES:
        columns[gate] = measures[gate]
        columns[f"{gate}_met"] = met[gate]
    passed = ibis.and_(*met.values())
    return measures.select(
        "project_id", "account_id", "kind", "delivery_partner", "go_live_on",
        period=measures.go_live_on.strftime("%Y-%m"),
        **columns,
        passed_all=passed,
        failed_gates=_failed_gates(met),
    )


def build_stage_gates(ctx: KpiContext) -> list[ir.Table]:
    """Writes project_gates, then stage_gate_pass_rate: projects going live in the month
    that met every gate / projects going live in the month."""
    ctx.backend.create_table(PROJECT_GATES, project_gates(ctx))
    gates = ctx.table(PROJECT_GATES)
    facts = gates.select(
        "project_id",
        idx=month_index(gates.go_live_on, ctx.period_list[0]),
        passed=gates.passed_all.cast("int64"),
        projects=1,
    )
    sums = _sums(ctx, "stage_gates", facts, ["passed", "projects"])
    return [
        kpi_rows(
            sums, "stage_gate_pass_rate", ctx.config,
            **rate_parts(sums.passed, sums.projects, sums.projects),
        )
    ]


GROUPS = (
    KpiGroup(
        "onboarding projects",
        (
            "onboarding_cycle_days",
            "onboarding_cycle_days_p90",
            "go_live_delay_days",
            "go_live_delay_days_p90",
            "onboarding_cycle_days_12m",
            "onboarding_cycle_days_12m_p90",
            "go_live_delay_days_12m",
            "go_live_delay_days_12m_p90",
        ),
        build_projects,
    ),
    KpiGroup("milestones", ("milestone_adherence",), build_milestones),
    KpiGroup(
        "data migrations",
        ("data_migration_acceptance", "migration_first_pass_rate"),
        build_migrations,
    ),
    KpiGroup("integrations", ("integration_readiness",), build_integrations),
    KpiGroup("training before go-live", ("training_before_go_live",), build_training),
    KpiGroup(
        "first-90-day support", ("first_90d_support_intensity",), build_first_90d_intensity
    ),
    KpiGroup(
        "post-go-live closure",
        ("post_go_live_closure_hours", "post_go_live_closure_hours_p90"),
        build_closure_hours,
    ),
    KpiGroup("stage gates", ("stage_gate_pass_rate",), build_stage_gates),
)
