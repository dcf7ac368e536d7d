"""Adoption and time to value: who uses the product, how much of what was bought is used,
and how long customers take to get value.

Usage KPIs read the compact rollups of workflow_events (kpis/usage.py), never the raw
events. Months are the reporting time zone's; events and tickets belong to the local day
they happened on, and anything after as_of is ignored.

Choices the spec leaves open:
- A user is licensed on a day between licensed_from and licensed_until, both inclusive.
- workflow_utilization: a module is paid for in a month when a module line for it (its
  product is the module name, whatever its amount) is active on the measuring day. A
  segment's value is the mean of its accounts' ratios: numerator = the sum of the
  ratios, denominator = the accounts paying for a module.
- features_in_production_use: a feature's workflow is matched on module and workflow.
- training_completion by role and department: a training row takes its user's role and
  department from users; a user not in users is `unknown`.
- support_dependency: an account counts in a month when its go-live lies at least
  dependency_after_go_live_days before the month's first day (past its early life for
  the whole month). The denominator is reported in hundreds of users, so value =
  numerator / denominator.
- ebr_completion: reviews due in the month on or before as_of; one held on or before
  due_on + ebr_grace_days (and by as_of) is complete, however early. A review with no
  sponsor_attended counts as not attended.
- days_to_stable_usage: weeks are ISO weeks (Monday to Sunday, local days). Only weeks
  starting on or after the go-live day count, and only weeks whose Sunday is on or before
  as_of (a week in progress is not complete). Licences are read on the Sunday. A week
  with no licensed user is not stable. The run ends on the Sunday of its stable_weeks-th
  week; the days are counted from go-live to that Sunday and fall in its month.
- days_to_first_workflow counts from contract_signed_on; a productive day before the
  signature gives negative days, as does a first expansion before go-live.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date
from typing import TYPE_CHECKING

from caresight.kpis.catalog import KPIS
from caresight.kpis.group import KpiContext, KpiGroup
from caresight.kpis.lifecycle import go_lives
from caresight.kpis.localtime import local_date
from caresight.kpis.periods import month_index
from caresight.kpis.segments import quantiles_by_segment, sum_by_segment
from caresight.kpis.usage import rollups
from caresight.kpis.values import kpi_rows, rate_parts

if TYPE_CHECKING:
    import ibis.expr.types as ir

#: Stands in for an open-ended licence or line.
_OPEN_ENDED = date(9999, 12, 31)

#: Ticket categories that count against stable usage, as the spec lists them.
_STABILITY_CATEGORIES = ("how_to", "configuration")

#: Dimensions of the KPIs about users: columns of the users table.
_USER_COLUMNS = ("role", "department")

#: A Monday, from which ISO weeks are numbered to find consecutive ones.
_A_MONDAY = date(2000, 1, 3)

#: value, numerator, denominator and n of a ratio KPI over summed measures.
Spec = Callable[["ir.Table"], dict[str, "ir.Value"]]


# --- shaping rows ------------------------------------------------------------------------


def _filled(ctx: KpiContext, sums: ir.Table, dimension: str, measures: list[str]) -> ir.Table:
    """`sums` (segment, idx, measures) as rows of `dimension`, with a row for every segment
    in every period (zeros where nothing counts)."""
    import ibis

    values = sums.select("segment").distinct()
    spine = ctx.periods.select("idx", "period").cross_join(values)
    filled = spine.left_join(sums, ["idx", "segment"]).select(
        spine.idx, spine.period, spine.segment, *[sums[m] for m in measures],
        dimension=ibis.literal(dimension),
    )
    return filled.fill_null({m: 0 for m in measures})


def _by_column(ctx: KpiContext, facts: ir.Table, column: str, measures: list[str]) -> ir.Table:
    """Sums of `measures` per period and value of `column`, as dimension `column`."""
    keyed = facts.mutate(segment=facts[column])
    sums = keyed.group_by(["segment", "idx"]).aggregate(**{m: keyed[m].sum() for m in measures})
    return _filled(ctx, sums, column, measures)


def _running(ctx: KpiContext, changes: ir.Table, key: str, measures: list[str]) -> ir.Table:
    """Running totals of `measures` per `key` and period: `changes` (key, idx, measures)
    hold each change in the first period it counts in (before the spine: the first
    period). Rows run from each key's first change through the last period.

    Counting what holds on each measuring day this way (a licence, an assignment) keeps
    the work proportional to the changes, not to rows times months."""
    import ibis

    periods = ctx.periods
    changes = changes.filter(changes.idx <= ctx.last_idx)
    changes = changes.mutate(idx=ibis.greatest(changes.idx, 0))
    sums = changes.group_by([key, "idx"]).aggregate(**{m: changes[m].sum() for m in measures})
    firsts = sums.group_by(key).aggregate(first_idx=sums.idx.min())
    grid = firsts.join(periods, firsts.first_idx <= periods.idx).select(firsts[key], periods.idx)
    filled = grid.left_join(sums, [key, "idx"]).select(
        grid[key], grid.idx, *[sums[m].fill_null(0).name(m) for m in measures]
    )
    running = ibis.cumulative_window(group_by=filled[key], order_by=filled.idx)
    return filled.select(
        key, "idx", **{m: filled[m].sum().over(running) for m in measures}
    )


def _per_account(ctx: KpiContext, facts: ir.Table, measures: list[str]) -> ir.Table:
    """Sums per account and period (dimension `account`), only where something counts."""
    import ibis

    sums = facts.group_by(["account_id", "idx"]).aggregate(
        **{m: facts[m].sum() for m in measures}
    )
    counted = sums.filter(ibis.or_(*[sums[m] != 0 for m in measures]))
    return counted.join(ctx.periods.select("idx", "period"), "idx").mutate(
        dimension=ibis.literal("account"), segment=counted.account_id
    )


def _ratio_rows(
    ctx: KpiContext,
    kpi: str,
    facts: ir.Table,
    measures: list[str],
    spec: Spec,
    by: Mapping[str, ir.Table] | None = None,
) -> list[ir.Table]:
    """A KPI's rows for the book and every segment from `facts` (account_id, idx,
    measures), per account when the catalogue says so, and for each dimension of `by`
    (role, department) from its sums (segment, idx, measures)."""
    name = kpi.replace("_", "")[:24]
    sums = ctx.materialise(name, sum_by_segment(facts, ctx.segments, ctx.spine, measures))
    parts = [kpi_rows(sums, kpi, ctx.config, **spec(sums))]
    for dimension, dimension_sums in (by or {}).items():
        filled = _filled(ctx, dimension_sums, dimension, measures)
        parts.append(kpi_rows(filled, kpi, ctx.config, **spec(filled)))
    if KPIS[kpi].per_account:
        accounts = _per_account(ctx, facts, measures)
        parts.append(kpi_rows(accounts, kpi, ctx.config, **spec(accounts)))
    return parts


def _duration_rows(ctx: KpiContext, kpi: str, facts: ir.Table) -> list[ir.Table]:
    """p50 as `kpi` and p90 as `kpi_p90` of facts (account_id, idx, days), per segment."""
    last = ctx.last_idx
    facts = facts.filter((facts.idx >= 0) & (facts.idx <= last))
    stats = quantiles_by_segment(facts, ctx.segments, ctx.spine, "days")
    stats = ctx.materialise(kpi.replace("_", "")[:24], stats)
    return [
        kpi_rows(stats, kpi, ctx.config, value=stats.p50, n=stats.n),
        kpi_rows(stats, f"{kpi}_p90", ctx.config, value=stats.p90, n=stats.n),
    ]


def _flag(condition: ir.BooleanValue) -> ir.IntegerValue:
    return condition.fill_null(False).cast("int64")


def _user_label(column: ir.StringValue) -> ir.StringValue:
    return column.nullif("").fill_null("unknown")


# --- active users ------------------------------------------------------------------------


def _licence_changes(ctx: KpiContext) -> ir.Table:
    """(account_id, role, department, idx, licensed): +1 in the first period on whose
    measuring day a user is licensed, -1 in the first period after their licence ends."""
    import ibis

    first, periods = ctx.period_list[0], ctx.periods
    users = ctx.table("users")
    users = users.filter(users.licensed_from <= ctx.as_of).mutate(
        role=_user_label(users.role), department=_user_label(users.department)
    )
    starts = users.select(
        "account_id", "role", "department",
        idx=month_index(users.licensed_from, first).cast("int64"),
        licensed=ibis.literal(1, "int64"),
    )

    ended = users.filter(users.licensed_until.notnull())
    ended = ended.mutate(end_idx=month_index(ended.licensed_until, first).cast("int64"))
    joined = ended.left_join(periods, ended.end_idx == periods.idx)
    # A licence still holds on its last month's measuring day only when it lasts until
    # then (a licence ending on 31 March counts in March); outside the spine no period
    # matches, and a licence that ended before it stops in the first period.
    lasts = (joined.licensed_until >= joined.measure_day).fill_null(False)
    stops = joined.select(
        joined.account_id, joined.role, joined.department,
        idx=ibis.ifelse(lasts, joined.end_idx + 1, joined.end_idx),
        licensed=ibis.literal(-1, "int64"),
    )
    return ibis.union(starts, stops)


def _active_users(ctx: KpiContext) -> ir.Table:
    """(account_id, role, department, idx): each user licensed on a period's measuring
    day with an event in the period, once."""
    import ibis

    periods, users = ctx.periods, ctx.table("users")
    seen = rollups(ctx).user_months
    until = users.licensed_until.fill_null(ibis.date(_OPEN_ENDED))
    joined = seen.join(periods, seen.month == periods.month_start).join(
        users,
        [
            seen.account_id == users.account_id,
            seen.user_id == users.user_id,
            users.licensed_from <= periods.measure_day,
            until >= periods.measure_day,
        ],
    )
    return joined.select(
        seen.account_id, periods.idx,
        role=_user_label(users.role), department=_user_label(users.department),
    )


def _user_activity(ctx: KpiContext, key: str) -> ir.Table:
    """(key, idx, licensed_n, active_n) with key account_id, role or department: users
    licensed on the period's measuring day, and those of them with an event in it. The
    role and department tables name their key `segment`."""
    import ibis

    cached = ctx.cache.get(f"user_activity_{key}")
    if cached is not None:
        return cached

    changes = ctx.cache.get("licence_changes")
    active = ctx.cache.get("active_users")
    if changes is None or active is None:
        changes = ctx.cache["licence_changes"] = ctx.materialise(
            "licence_changes", _licence_changes(ctx)
        )
        active = ctx.cache["active_users"] = ctx.materialise("active_users", _active_users(ctx))

    licensed = _running(ctx, changes, key, ["licensed"])
    counted = active.group_by([key, "idx"]).aggregate(active_n=active.count())
    joined = licensed.left_join(counted, [key, "idx"])
    name = "account_id" if key == "account_id" else "segment"
    facts = joined.select(
        licensed.idx,
        licensed_n=licensed.licensed,
        active_n=counted.active_n.fill_null(ibis.literal(0, "int64")),
        **{name: licensed[key]},
    )
    table = ctx.cache[f"user_activity_{key}"] = ctx.materialise(f"users_by_{key}", facts)
    return table


def build_active_users(ctx: KpiContext) -> list[ir.Table]:
    """active_user_rate: licensed users with an event in the month / licensed users, for
    segments, roles, departments and accounts."""
    return _ratio_rows(
        ctx, "active_user_rate", _user_activity(ctx, "account_id"), ["active_n", "licensed_n"],
        lambda f: rate_parts(f.active_n, f.licensed_n, f.licensed_n),
        by={column: _user_activity(ctx, column) for column in _USER_COLUMNS},
    )


# --- workflow utilisation ----------------------------------------------------------------


def _paid_modules(ctx: KpiContext) -> ir.Table:
    """(account_id, module, idx, month): modules with a line active on the measuring day."""
    import ibis

    lines = ctx.table("subscription_lines")
    lines = lines.filter(lines.product_category == "module")
    periods = ctx.periods
    last_day = lines.end_on.fill_null(ibis.date(_OPEN_ENDED))
    active = lines.join(
        periods, [lines.start_on <= periods.measure_day, last_day >= periods.measure_day]
    )
    return active.select(
        "account_id", module=active.product, idx=active.idx, month=periods.month_start
    ).distinct()


def build_workflow_utilization(ctx: KpiContext) -> list[ir.Table]:
    """workflow_utilization: per account, paid modules with at least the floor of events
    in the month / paid modules; a segment's value is the mean over its accounts paying
    for a module; by module, accounts using it that much / accounts paying for it."""
    import ibis

    usage = rollups(ctx).workflow_months
    module_events = usage.group_by(["account_id", "module", "month"]).aggregate(
        events=usage.events.sum()
    )
    paid = _paid_modules(ctx)
    joined = paid.left_join(module_events, ["account_id", "module", "month"])
    floor = ctx.config.adoption.workflow_event_floor
    modules = ctx.materialise(
        "module_use",
        joined.select(
            paid.account_id, paid.module, paid.idx,
            paid_n=ibis.literal(1), used_n=_flag(joined.events >= floor),
        ),
    )

    accounts = modules.group_by(["account_id", "idx"]).aggregate(
        paid_n=modules.paid_n.sum(), used_n=modules.used_n.sum()
    )
    accounts = ctx.materialise(
        "account_utilization",
        accounts.mutate(ratio=accounts.used_n / accounts.paid_n, account_n=ibis.literal(1)),
    )

    kpi = "workflow_utilization"
    sums = ctx.materialise(
        "utilization", sum_by_segment(accounts, ctx.segments, ctx.spine, ["ratio", "account_n"])
    )
    by_module = _by_column(ctx, modules, "module", ["used_n", "paid_n"])
    per_account = accounts.join(ctx.periods.select("idx", "period"), "idx").mutate(
        dimension=ibis.literal("account"), segment=accounts.account_id
    )
    return [
        kpi_rows(sums, kpi, ctx.config, **rate_parts(sums.ratio, sums.account_n, sums.account_n)),
        kpi_rows(
            by_module, kpi, ctx.config,
            **rate_parts(by_module.used_n, by_module.paid_n, by_module.paid_n),
        ),
        kpi_rows(
            per_account, kpi, ctx.config,
            **rate_parts(per_account.used_n, per_account.paid_n, per_account.paid_n),
        ),
    ]


# --- features in production use ----------------------------------------------------------


def _features_in_use(ctx: KpiContext) -> ir.Table:
    """(account_id, idx, in_use_n): features configured and in production by the
    measuring day with an event of their workflow in the feature_use_days to it."""
    import ibis

    features, periods = ctx.table("features"), ctx.periods
    keys = ["account_id", "module", "workflow"]
    # A month's last event day is never after the measuring day (the rollup stops at
    # as_of), so an event in the window exists exactly when some month's last event day
    # lies in it.
    usage = rollups(ctx).workflow_months
    usage = usage.semi_join(features.select(*keys).distinct(), keys)
    window = periods.measure_day - ibis.interval(days=ctx.config.adoption.feature_use_days - 1)
    used = (
        usage.join(periods, [usage.last_day <= periods.measure_day, usage.last_day >= window])
        .select(*keys, periods.idx, periods.measure_day)
        .distinct()
    )
    in_use = used.join(
        features,
        [
            *[used[k] == features[k] for k in keys],
            features.configured_on <= used.measure_day,
            features.in_production_on <= used.measure_day,
        ],
    )
    return in_use.group_by([used.account_id, used.idx]).aggregate(in_use_n=in_use.count())


def build_features(ctx: KpiContext) -> list[ir.Table]:
    """features_in_production_use: features in production by the measuring day with an
    event of their workflow in the feature_use_days to it / features configured by then."""
    import ibis

    features = ctx.table("features")
    features = features.filter(features.configured_on <= ctx.as_of)
    changes = features.select(
        "account_id",
        idx=month_index(features.configured_on, ctx.period_list[0]).cast("int64"),
        configured_n=ibis.literal(1, "int64"),
    )
    configured = _running(ctx, changes, "account_id", ["configured_n"])
    in_use = _features_in_use(ctx)
    joined = configured.left_join(in_use, ["account_id", "idx"])
    facts = ctx.materialise(
        "features",
        joined.select(
            configured.account_id, configured.idx, configured.configured_n,
            in_use_n=joined.in_use_n.fill_null(ibis.literal(0, "int64")),
        ),
    )
    return _ratio_rows(
        ctx, "features_in_production_use", facts, ["in_use_n", "configured_n"],
        lambda f: rate_parts(f.in_use_n, f.configured_n, f.configured_n),
    )


# --- training ----------------------------------------------------------------------------


def _training_changes(ctx: KpiContext, training: ir.Table, columns: tuple[str, ...]) -> ir.Table:
    """(account_id, columns..., idx, assigned_n, completed_n): an assignment counts from
    the period it was made in, its completion from the period it was completed in (and
    never before it was assigned); neither after as_of."""
    import ibis

    first = ctx.period_list[0]
    made = training.filter(training.assigned_on <= ctx.as_of)
    one, zero = ibis.literal(1, "int64"), ibis.literal(0, "int64")
    assigned = made.select(
        "account_id", *columns,
        idx=month_index(made.assigned_on, first).cast("int64"), assigned_n=one, completed_n=zero,
    )
    done = made.filter(made.completed_on <= ctx.as_of)
    completed = done.select(
        "account_id", *columns,
        idx=month_index(ibis.greatest(done.assigned_on, done.completed_on), first).cast("int64"),
        assigned_n=zero, completed_n=one,
    )
    return ibis.union(assigned, completed)


def build_training(ctx: KpiContext) -> list[ir.Table]:
    """training_completion: assignments completed by the measuring day / assignments made
    by then; by role and department when users are loaded."""
    training = ctx.table("training")
    columns: tuple[str, ...] = ()
    if ctx.has_table("users"):
        users = ctx.table("users")
        training = training.left_join(
            users.select("account_id", "user_id", "role", "department"),
            ["account_id", "user_id"],
        ).select(
            training.account_id, training.assigned_on, training.completed_on,
            role=_user_label(users.role), department=_user_label(users.department),
        )
        columns = _USER_COLUMNS

    measures = ["completed_n", "assigned_n"]
    changes = ctx.materialise("training_changes", _training_changes(ctx, training, columns))
    facts = ctx.materialise("training", _running(ctx, changes, "account_id", measures))
    by = {
        column: _running(ctx, changes, column, measures).rename(segment=column)
        for column in columns
    }
    return _ratio_rows(
        ctx, "training_completion", facts, measures,
        lambda f: rate_parts(f.completed_n, f.assigned_n, f.assigned_n),
        by=by,
    )


# --- support dependency ------------------------------------------------------------------


def build_support_dependency(ctx: KpiContext) -> list[ir.Table]:
    """support_dependency: how-to, configuration and access tickets opened in the month by
    accounts past their early life, per 100 active users of those accounts."""
    import ibis

    periods = ctx.periods
    live = go_lives(ctx)
    early_life = ibis.interval(days=ctx.config.adoption.dependency_after_go_live_days)
    settled = live.join(periods, live.go_live_on + early_life <= periods.month_start).select(
        live.account_id, periods.idx
    )

    tickets = ctx.table("tickets")
    tickets = tickets.filter(tickets.category.isin(ctx.config.adoption.dependency_categories))
    opened = tickets.join(
        periods,
        [tickets.opened_at >= periods.start_utc, tickets.opened_at < periods.measure_end_utc],
    )
    opened = opened.group_by(["account_id", "idx"]).aggregate(tickets_n=opened.count())

    active = _user_activity(ctx, "account_id")

    joined = settled.left_join(active, ["account_id", "idx"]).left_join(
        opened, ["account_id", "idx"]
    )
    facts = joined.select(
        settled.account_id, settled.idx,
        tickets_n=joined.tickets_n.fill_null(0),
        active_n=joined.active_n.fill_null(0),
        account_n=ibis.literal(1),
    )
    # An account with no active user in the month has no rate of its own; its tickets
    # over other accounts' users would inflate the segment's figure.
    facts = ctx.materialise("support_dependency", facts.filter(facts.active_n > 0))
    return _ratio_rows(
        ctx, "support_dependency", facts, ["tickets_n", "active_n", "account_n"],
        lambda f: rate_parts(f.tickets_n, f.active_n / 100.0, f.account_n),
    )


# --- business reviews --------------------------------------------------------------------


def build_business_reviews(ctx: KpiContext) -> list[ir.Table]:
    """ebr_completion (reviews due in the month held within the grace days either side of
    due_on / reviews due) and ebr_sponsor_attendance (reviews held in the month with the sponsor /
    reviews held)."""
    import ibis

    first, as_of = ctx.period_list[0], ibis.date(ctx.as_of)
    reviews = ctx.table("business_reviews")
    held_by_as_of = reviews.held_on.notnull() & (reviews.held_on <= as_of)

    grace = ibis.interval(days=ctx.config.adoption.ebr_grace_days)
    due = reviews.filter(reviews.due_on <= as_of).mutate(
        idx=month_index(reviews.due_on, first),
        due_n=ibis.literal(1),
        # Within the grace days on either side: a review held months early is not the
        # one the cadence asked for.
        held_n=_flag(
            held_by_as_of
            & (reviews.held_on >= reviews.due_on - grace)
            & (reviews.held_on <= reviews.due_on + grace)
        ),
    )
    held = reviews.filter(held_by_as_of).mutate(
        idx=month_index(reviews.held_on, first),
        held_n=ibis.literal(1),
        sponsor_n=_flag(reviews.sponsor_attended),
    )
    return [
        *_ratio_rows(
            ctx, "ebr_completion", due.filter(due.idx >= 0), ["held_n", "due_n"],
            lambda f: rate_parts(f.held_n, f.due_n, f.due_n),
        ),
        *_ratio_rows(
            ctx, "ebr_sponsor_attendance", held.filter(held.idx >= 0), ["sponsor_n", "held_n"],
            lambda f: rate_parts(f.sponsor_n, f.held_n, f.held_n),
        ),
    ]


# --- time to value -----------------------------------------------------------------------


def build_first_workflow(ctx: KpiContext) -> list[ir.Table]:
    """days_to_first_workflow: accounts whose first productive day (productive_day_events
    events of one workflow in one local day) is in the month, days from signature."""
    steps = rollups(ctx).productive_steps
    productive = steps.filter(steps.peak >= ctx.config.adoption.productive_day_events)
    first_day = productive.group_by("account_id").aggregate(day=productive.day.min())
    accounts = ctx.table("accounts")
    joined = first_day.join(accounts, "account_id")
    facts = joined.select(
        "account_id",
        idx=month_index(joined.day, ctx.period_list[0]),
        days=joined.day.delta(joined.contract_signed_on, unit="day").cast("float64"),
    )
    return _duration_rows(ctx, "days_to_first_workflow", facts)


def _licensed_steps(ctx: KpiContext) -> ir.Table:
    """(account_id, day, licensed): from each day on, how many users the account has
    licensed, until its next row."""
    import ibis

    users = ctx.table("users")
    starts = users.select("account_id", day=users.licensed_from, change=ibis.literal(1))
    ended = users.filter(users.licensed_until.notnull())
    ends = ended.select(
        "account_id", day=ended.licensed_until + ibis.interval(days=1), change=ibis.literal(-1)
    )
    changes = ibis.union(starts, ends)
    changes = changes.group_by(["account_id", "day"]).aggregate(change=changes.change.sum())
    running = ibis.cumulative_window(group_by="account_id", order_by="day")
    return changes.mutate(licensed=changes.change.sum().over(running)).drop("change")


def _stability_tickets(ctx: KpiContext) -> ir.Table:
    """(account_id, week, tickets_n): how-to and configuration tickets per local ISO week."""
    tickets = ctx.table("tickets")
    tickets = tickets.filter(tickets.category.isin(_STABILITY_CATEGORIES))
    day = local_date(ctx, tickets.opened_at)
    weekly = tickets.select(
        "account_id", week=day - day.day_of_week.index().as_interval("D")
    )
    return weekly.group_by(["account_id", "week"]).aggregate(tickets_n=weekly.count())


def _stable_weeks(ctx: KpiContext) -> ir.Table:
    """(account_id, go_live_on, week): complete ISO weeks from go-live on that were stable."""
    import ibis

    settings = ctx.config.adoption
    weeks = rollups(ctx).account_weeks
    assert weeks is not None, "stable usage needs the users table"
    live = go_lives(ctx)
    weeks = weeks.join(live, "account_id").select(
        weeks.account_id, weeks.week, weeks.active_users, live.go_live_on,
        sunday=weeks.week + ibis.interval(days=6),
    )
    weeks = weeks.filter((weeks.week >= weeks.go_live_on) & (weeks.sunday <= ctx.as_of))

    steps = _licensed_steps(ctx)
    licensed = weeks.asof_join(steps, on=weeks.sunday >= steps.day, predicates="account_id")
    licensed = licensed.select(
        weeks.account_id, weeks.week, weeks.active_users, weeks.go_live_on,
        licensed=licensed.licensed.fill_null(0),
    )
    tickets = _stability_tickets(ctx)
    joined = licensed.left_join(tickets, ["account_id", "week"])
    users = joined.licensed.nullif(0)
    # Compared at 9 decimals, as statuses are: 3 of 5 users must read as exactly 0.6.
    rate = (joined.active_users / users).round(9)
    per_100 = (100.0 * joined.tickets_n.fill_null(0) / users).round(9)
    stable = (rate >= settings.stable_active_user_rate) & (
        per_100 <= settings.stable_tickets_per_100_users
    )
    return joined.filter(stable.fill_null(False)).select(
        joined.account_id, joined.go_live_on, joined.week
    )


def build_stable_usage(ctx: KpiContext) -> list[ir.Table]:
    """days_to_stable_usage: accounts whose first run of stable_weeks stable ISO weeks
    after go-live ends in the month, days from go-live to the run's last day."""
    import ibis

    run_weeks = ctx.config.adoption.stable_weeks
    stable = _stable_weeks(ctx)
    # Consecutive weeks share (week number - rank), so each run of them is one group.
    number = stable.week.delta(ibis.date(_A_MONDAY), unit="day") // 7
    rank = ibis.row_number().over(group_by=stable.account_id, order_by=stable.week)
    stable = stable.mutate(run=number - rank)
    runs = stable.group_by(["account_id", "go_live_on", "run"]).aggregate(
        start=stable.week.min(), weeks=stable.count()
    )
    long_enough = runs.filter(runs.weeks >= run_weeks)
    first = long_enough.group_by(["account_id", "go_live_on"]).aggregate(
        start=long_enough.start.min()
    )
    reached = first.mutate(day=first.start + ibis.interval(days=7 * run_weeks - 1))
    facts = reached.select(
        "account_id",
        idx=month_index(reached.day, ctx.period_list[0]),
        days=reached.day.delta(reached.go_live_on, unit="day").cast("float64"),
    )
    return _duration_rows(ctx, "days_to_stable_usage", facts)


def build_first_expansion(ctx: KpiContext) -> list[ir.Table]:
    """days_to_first_expansion: accounts whose first month with expansion MRR is this one,
    days from go-live to the month's first day."""
    mrr = ctx.cache["account_mrr"]
    expanded = mrr.filter(mrr.expansion_mrr > 0)
    first = expanded.group_by("account_id").aggregate(idx=expanded.idx.min())
    live = go_lives(ctx)
    joined = first.join(live, "account_id").join(ctx.periods, "idx")
    facts = joined.select(
        "account_id", "idx",
        days=joined.month_start.delta(joined.go_live_on, unit="day").cast("float64"),
    )
    return _duration_rows(ctx, "days_to_first_expansion", facts)


GROUPS = (
    KpiGroup("active users", ("active_user_rate",), build_active_users),
    KpiGroup("workflow utilisation", ("workflow_utilization",), build_workflow_utilization),
    KpiGroup("features in use", ("features_in_production_use",), build_features),
    KpiGroup("training", ("training_completion",), build_training),
    KpiGroup("support dependency", ("support_dependency",), build_support_dependency),
    KpiGroup(
        "business reviews", ("ebr_completion", "ebr_sponsor_attendance"), build_business_reviews
    ),
    KpiGroup(
        "first workflow", ("days_to_first_workflow", "days_to_first_workflow_p90"),
        build_first_workflow,
    ),
    KpiGroup(
        "stable usage", ("days_to_stable_usage", "days_to_stable_usage_p90"), build_stable_usage
    ),
    # Read the revenue group's account facts, so they need what it needs (rates too).
    KpiGroup(
        "first expansion", ("days_to_first_expansion", "days_to_first_expansion_p90"),
        build_first_expansion, money_tables=("subscription_lines",),
    ),
)
