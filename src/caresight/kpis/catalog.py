"""Every KPI caresight computes: its id, what it means, its unit and direction.

Pure data. The engine computes the KPIs, the report and the CLI describe them from here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Unit = Literal[
    "currency", "ratio", "count", "days", "hours", "minutes", "ms", "per_100_users",
    "per_10_users", "per_environment",
]
Direction = Literal["up", "down", "none"]

#: The segment dimensions of the book, in the order pages list them. `all` is the book.
ACCOUNT_DIMENSIONS = (
    "customer_type",
    "deployment_model",
    "channel",
    "partner",
    "delivery_partner",
    "service_tier",
    "region",
)

#: Dimensions of KPIs about users (active_user_rate, training_completion): the user's
#: role and department, as the users table gives them.
USER_DIMENSIONS = ("role", "department")

#: Columns of the materialised results table, in order.
KPI_VALUE_COLUMNS = (
    "kpi", "period", "dimension", "segment", "value", "numerator", "denominator", "n",
    "unit", "status",
)
KPI_VALUES_DDL = (
    "CREATE TABLE kpi_values (kpi VARCHAR, period VARCHAR, dimension VARCHAR, "
    "segment VARCHAR, value DOUBLE, numerator DOUBLE, denominator DOUBLE, n BIGINT, "
    "unit VARCHAR, status VARCHAR)"
)
#: Tables the engine writes besides kpi_values: the per-project gate results and the
#: per-account cost to serve with the method each cost came from. A computation replaces
#: them all, and loading a dataset drops them with the results of the previous one.
DETAIL_TABLES = ("project_gates", "cost_to_serve")
RESULT_TABLES = ("kpi_values", "kpi_availability", *DETAIL_TABLES)

#: Whether each KPI could be computed, and the tables it lacked (comma-separated) if not.
KPI_AVAILABILITY_DDL = (
    "CREATE TABLE kpi_availability (kpi VARCHAR, available BOOLEAN, missing_tables VARCHAR)"
)


@dataclass(frozen=True)
class Kpi:
    id: str
    section: str
    title: str
    unit: Unit
    direction: Direction
    tables: tuple[str, ...]
    definition: str
    #: Also computed per account (dimension `account`, segment = account_id), for the
    #: account-months where the account pays in m or m-1 (for grr_12m and nrr_12m: where
    #: it paid in m-12, the cohort).
    per_account: bool = False


_REVENUE = "revenue"
_SUBS = ("accounts", "subscription_lines")
_RENEWALS = ("accounts", "renewals")
_FORECASTS = ("accounts", "renewals", "renewal_forecasts")

_ADOPTION = "adoption"
_USAGE = ("accounts", "users", "workflow_events")
_STABLE = ("accounts", "implementations", "users", "workflow_events", "tickets")

_IMPLEMENTATION = "implementation"
_PROJECTS = ("accounts", "implementations")

_PLATFORM = "platform"

_KPI_LIST = (
    Kpi("mrr", _REVENUE, "MRR", "currency", "up", _SUBS,
        "Sum of account MRR on the month's measuring day (its last day, or as_of).",
        per_account=True),
    Kpi("arr", _REVENUE, "ARR", "currency", "up", _SUBS, "12 x MRR.", per_account=True),
    Kpi("paying_accounts", _REVENUE, "Paying accounts", "count", "up", _SUBS,
        "Accounts with MRR above zero in the month."),
    Kpi("arpa", _REVENUE, "ARPA", "currency", "up", _SUBS,
        "MRR per paying account."),
    Kpi("new_mrr", _REVENUE, "New MRR", "currency", "up", _SUBS,
        "MRR of accounts paying for the first time.", per_account=True),
    Kpi("reactivation_mrr", _REVENUE, "Reactivation MRR", "currency", "up", _SUBS,
        "MRR of accounts paying again after at least one month without paying.",
        per_account=True),
    Kpi("expansion_mrr", _REVENUE, "Expansion MRR", "currency", "up", _SUBS,
        "Growth of accounts paying in both months, at constant currency.", per_account=True),
    Kpi("contraction_mrr", _REVENUE, "Contraction MRR", "currency", "down", _SUBS,
        "Shrinkage of accounts paying in both months, at constant currency.",
        per_account=True),
    Kpi("churned_mrr", _REVENUE, "Churned MRR", "currency", "down", _SUBS,
        "Last month's MRR (at this month's rates) of accounts that stopped paying.",
        per_account=True),
    Kpi("fx_mrr", _REVENUE, "FX effect on MRR", "currency", "none", _SUBS,
        "Last month's MRR at this month's rates minus at last month's rates.",
        per_account=True),
    Kpi("logo_churn_rate", _REVENUE, "Logo churn", "ratio", "down", _SUBS,
        "Accounts paying last month and not this month / accounts paying last month."),
    Kpi("contraction_rate", _REVENUE, "Contraction rate", "ratio", "down", _SUBS,
        "Contraction MRR / last month's MRR at constant currency."),
    Kpi("grr_1m", _REVENUE, "GRR (1 month)", "ratio", "up", _SUBS,
        "Revenue kept from last month's paying accounts, each capped at its old MRR."),
    Kpi("grr_12m", _REVENUE, "GRR (12 months)", "ratio", "up", _SUBS,
        "Revenue kept from the paying accounts of 12 months ago, each capped at its old MRR.",
        per_account=True),
    Kpi("nrr_1m", _REVENUE, "NRR (1 month)", "ratio", "up", _SUBS,
        "This month's MRR of last month's paying accounts / their MRR then."),
    Kpi("nrr_12m", _REVENUE, "NRR (12 months)", "ratio", "up", _SUBS,
        "This month's MRR of the paying accounts of 12 months ago / their MRR then.",
        per_account=True),
    Kpi("expansion_per_account", _REVENUE, "Expansion per account", "currency", "up", _SUBS,
        "Expansion MRR / accounts paying last month."),
    Kpi("expansion_mrr_by_category", _REVENUE, "Expansion MRR by product category",
        "currency", "up", _SUBS,
        "Expansion by product category (book: dimension product_category, segment = the "
        "category; a segment: dimension <dimension>:product_category, segment "
        "<segment>:<category>): over accounts paying in both months, "
        "each category's MRR growth at constant currency. MRR moved from one category to "
        "another shows as growth of the receiving one even when the account's total is "
        "flat, so the categories can add up to more than expansion_mrr."),
    Kpi("renewal_rate", _REVENUE, "Renewal rate", "ratio", "up", _RENEWALS,
        "Renewals due this month and decided: renewed / decided."),
    Kpi("renewal_arr_rate", _REVENUE, "Renewal ARR rate", "ratio", "up", _RENEWALS,
        "The same renewals: ARR renewed (capped at ARR due) / ARR due."),
    Kpi("renewal_forecast_accuracy", _REVENUE, "Renewal forecast accuracy", "ratio", "up",
        _FORECASTS,
        "1 - total forecast error / ARR due, for decided renewals due this month that had "
        "a forecast made at least the lead time (forecast_lead_days) before due, using the "
        "latest such forecast; a churned renewal's actual is 0. Below 0 when forecasts miss "
        "by more than the ARR due. Numerator = ARR due - total error, denominator = ARR due."),
    Kpi("renewal_forecast_coverage", _REVENUE, "Renewal forecast coverage", "ratio", "up",
        _FORECASTS,
        "Decided renewals due this month: share that had a forecast made at least the lead "
        "time before due."),
    Kpi("renewal_confidence_days", _REVENUE, "Renewal confidence (days)", "days", "up",
        _FORECASTS,
        "Renewals renewed (closed) this month: median days from the first forecast in "
        "category commit, or with probability at or above commit_probability, to due_on. "
        "Renewals never committed are left out; a commitment after due counts negative."),
    Kpi("renewal_confidence_days_p90", _REVENUE, "Renewal confidence p90 (days)", "days",
        "up", _FORECASTS, "The 90th percentile of the same days."),
    Kpi("upcoming_renewal_arr_at_risk", _REVENUE, "Upcoming renewal ARR at risk", "currency",
        "down", _FORECASTS,
        "ARR of renewals due in the horizon (renewal_horizon_days) after the month's "
        "measuring day, still undecided on that day, whose latest forecast by then is "
        "at_risk or lost; denominator = all undecided ARR due in that window. The part for "
        "accounts at risk by health score waits for the health score (section 6)."),

    # --- Adoption and time to value -----------------------------------------------------
    Kpi("active_user_rate", _ADOPTION, "Active users", "ratio", "up", _USAGE,
        "Users licensed on the month's measuring day with at least one workflow event in "
        "the month / users licensed on that day. Also by the user's role and department.",
        per_account=True),
    Kpi("workflow_utilization", _ADOPTION, "Workflow utilisation", "ratio", "up",
        ("accounts", "subscription_lines", "workflow_events"),
        "Per account: modules it pays for (product category module, product = module) with "
        "at least workflow_event_floor events in the month / modules it pays for. A "
        "segment's value is the mean over its accounts paying for a module. By module "
        "(dimension module): accounts paying for the module that used it that much / "
        "accounts paying for it.",
        per_account=True),
    Kpi("features_in_production_use", _ADOPTION, "Features in production use", "ratio", "up",
        ("accounts", "features", "workflow_events"),
        "Features in production by the month's end with at least one event of their "
        "workflow in the 30 days to the month's end / features configured by the month's end.",
        per_account=True),
    Kpi("training_completion", _ADOPTION, "Training completion", "ratio", "up",
        ("accounts", "training"),
        "Training assignments completed by the month's end / assignments made by then. Also "
        "by the user's role and department when the users table is loaded.",
        per_account=True),
    Kpi("support_dependency", _ADOPTION, "Support dependency", "per_100_users", "down",
        ("accounts", "implementations", "tickets", "users", "workflow_events"),
        "How-to, configuration and access tickets opened in the month by accounts at least "
        "90 days past go-live and with an active user, per 100 active users of those "
        "accounts in the month.",
        per_account=True),
    Kpi("ebr_completion", _ADOPTION, "EBR completion", "ratio", "up",
        ("accounts", "business_reviews"),
        "Business reviews due in the month held within ebr_grace_days of their due day, "
        "either side / reviews due in the month.", per_account=True),
    Kpi("ebr_sponsor_attendance", _ADOPTION, "EBR sponsor attendance", "ratio", "up",
        ("accounts", "business_reviews"),
        "Business reviews held in the month with the executive sponsor present / reviews "
        "held in the month.", per_account=True),
    Kpi("days_to_first_workflow", _ADOPTION, "Days to first workflow", "days", "down",
        ("accounts", "workflow_events"),
        "Accounts whose first productive day (productive_day_events events of one workflow "
        "in a day) falls in the month: median days from contract signature to that day."),
    Kpi("days_to_first_workflow_p90", _ADOPTION, "Days to first workflow p90", "days",
        "down", ("accounts", "workflow_events"), "The 90th percentile of the same days."),
    Kpi("days_to_stable_usage", _ADOPTION, "Days to stable usage", "days", "down", _STABLE,
        "Accounts reaching stable usage in the month: median days from go-live to the end "
        "of the first run of stable ISO weeks (stable_weeks weeks in a row, each with an "
        "active-user rate of at least stable_active_user_rate and at most "
        "stable_tickets_per_100_users how-to and configuration tickets per 100 users)."),
    Kpi("days_to_stable_usage_p90", _ADOPTION, "Days to stable usage p90", "days", "down",
        _STABLE, "The 90th percentile of the same days."),
    Kpi("days_to_first_expansion", _ADOPTION, "Days to first expansion", "days", "down",
        ("accounts", "implementations", "subscription_lines"),
        "Accounts whose first expansion (expansion MRR above 0) is in the month: median "
        "days from go-live to the month's first day."),
    Kpi("days_to_first_expansion_p90", _ADOPTION, "Days to first expansion p90", "days",
        "down", ("accounts", "implementations", "subscription_lines"),
        "The 90th percentile of the same days."),

    # --- Implementation quality -----------------------------------------------------------
    Kpi("onboarding_cycle_days", _IMPLEMENTATION, "Onboarding cycle (days)", "days", "down",
        _PROJECTS,
        "Onboarding projects going live in the month: median days from contract signature "
        "to go-live."),
    Kpi("onboarding_cycle_days_p90", _IMPLEMENTATION, "Onboarding cycle p90 (days)", "days",
        "down", _PROJECTS, "The 90th percentile of the same days."),
    Kpi("go_live_delay_days", _IMPLEMENTATION, "Go-live delay (days)", "days", "down",
        _PROJECTS,
        "Onboarding projects going live in the month: median days from planned to actual "
        "go-live (negative when early)."),
    Kpi("go_live_delay_days_p90", _IMPLEMENTATION, "Go-live delay p90 (days)", "days",
        "down", _PROJECTS, "The 90th percentile of the same days."),
    Kpi("onboarding_cycle_days_12m", _IMPLEMENTATION, "Onboarding cycle, 12 months (days)",
        "days", "down", _PROJECTS,
        "Onboarding projects that went live in the 12 months to the month's end: median "
        "days from contract signature to go-live. Compares partners on a year of go-lives."),
    Kpi("onboarding_cycle_days_12m_p90", _IMPLEMENTATION,
        "Onboarding cycle, 12 months p90 (days)", "days", "down", _PROJECTS,
        "The 90th percentile of the same days."),
    Kpi("go_live_delay_days_12m", _IMPLEMENTATION, "Go-live delay, 12 months (days)", "days",
        "down", _PROJECTS,
        "Onboarding projects that went live in the 12 months to the month's end: median "
        "days from planned to actual go-live."),
    Kpi("go_live_delay_days_12m_p90", _IMPLEMENTATION, "Go-live delay, 12 months p90 (days)",
        "days", "down", _PROJECTS, "The 90th percentile of the same days."),
    Kpi("milestone_adherence", _IMPLEMENTATION, "Milestone adherence", "ratio", "up",
        (*_PROJECTS, "milestones"),
        "Milestones planned in the month completed within milestone_tolerance_days of plan "
        "/ milestones planned in the month; one still open past its tolerance is missed, one "
        "open within it is left out until decided."),
    Kpi("data_migration_acceptance", _IMPLEMENTATION, "Data migration acceptance", "ratio",
        "up", (*_PROJECTS, "data_migrations"),
        "Migration batches submitted in the month: records accepted / records submitted "
        "(a batch whose acceptance is dated after as_of has nothing accepted yet)."),
    Kpi("migration_first_pass_rate", _IMPLEMENTATION, "Migration first-pass rate", "ratio",
        "up", (*_PROJECTS, "data_migrations"),
        "Migration batches submitted in the month accepted whole / batches submitted."),
    Kpi("integration_readiness", _IMPLEMENTATION, "Integration readiness", "ratio", "up",
        (*_PROJECTS, "integrations"),
        "Projects going live in the month: required integrations ready by go-live / "
        "required integrations."),
    Kpi("training_before_go_live", _IMPLEMENTATION, "Training before go-live", "ratio", "up",
        (*_PROJECTS, "training"),
        "Projects going live in the month: their accounts' training assignments completed "
        "by go-live / assignments made by go-live."),
    Kpi("first_90d_support_intensity", _IMPLEMENTATION, "First-90-day support intensity",
        "per_10_users", "down", (*_PROJECTS, "tickets", "users"),
        "Accounts whose first 90 days after go-live closed in the month: tickets opened in "
        "days 0 to 89 after go-live, per 10 users licensed on the go-live day. Numerator = "
        "tickets, denominator = users / 10; accounts without users that day are left out."),
    Kpi("post_go_live_closure_hours", _IMPLEMENTATION, "Post-go-live closure (hours)",
        "hours", "down", (*_PROJECTS, "tickets"),
        "Tickets opened in their account's first 90 days after go-live and resolved in the "
        "month: median hours from opening to resolution."),
    Kpi("post_go_live_closure_hours_p90", _IMPLEMENTATION,
        "Post-go-live closure p90 (hours)", "hours", "down", (*_PROJECTS, "tickets"),
        "The 90th percentile of the same hours."),
    Kpi("stage_gate_pass_rate", _IMPLEMENTATION, "Stage-gate pass rate", "ratio", "up",
        (*_PROJECTS, "milestones", "data_migrations", "integrations", "training"),
        "Projects going live in the month that met every go-live gate (migration "
        "acceptance, required integrations ready, training before go-live, milestone "
        "adherence, thresholds in [gates]) / projects going live in the month. A gate with "
        "nothing to measure is met, except training (none assigned by go-live fails); the "
        "table project_gates names each project's failures."),

    # --- Platform reliability ---------------------------------------------------------------
    Kpi("uptime", _PLATFORM, "Uptime", "ratio", "up", ("environments", "incidents"),
        "1 - downtime / eligible minutes. Eligible: the month's minutes the environment "
        "existed, less its maintenance windows. Downtime: the merged outage incidents, "
        "plus degraded_weight x the merged degraded incidents outside outages, within the "
        "eligible minutes; an ongoing incident runs to the month's end or as_of. An "
        "incident naming one tenant counts for that tenant, and for its environment as the "
        "tenant's share. Roll-ups: 1 - total downtime / total eligible minutes (account "
        "dimensions sum their tenants).", per_account=True),
    Kpi("incident_rate", _PLATFORM, "Incident rate", "per_environment", "down",
        ("environments", "incidents"),
        "Outage and degraded incidents started in the month / environments existing at "
        "any time in the month."),
    Kpi("incidents_by_cause", _PLATFORM, "Incidents by cause owner", "count", "none",
        ("environments", "incidents"),
        "Outage and degraded incidents started in the month by cause owner (dimension "
        "cause_owner for the whole platform, <dimension>:cause_owner with segment "
        "<segment>:<cause owner> for a segment), so partner failures are not read as "
        "platform ones."),
    Kpi("mttr_hours", _PLATFORM, "MTTR (hours)", "hours", "down",
        ("environments", "incidents"),
        "Outage and degraded incidents resolved in the month: mean hours from start to "
        "resolution."),
    Kpi("mttr_hours_p50", _PLATFORM, "MTTR p50 (hours)", "hours", "down",
        ("environments", "incidents"), "The median of the same hours."),
    Kpi("mttr_hours_p90", _PLATFORM, "MTTR p90 (hours)", "hours", "down",
        ("environments", "incidents"), "The 90th percentile of the same hours."),
    Kpi("mtta_minutes", _PLATFORM, "MTTA (minutes)", "minutes", "down",
        ("environments", "incidents"),
        "Outage and degraded incidents acknowledged in the month: median minutes from "
        "start to acknowledgement."),
    Kpi("mtta_minutes_p90", _PLATFORM, "MTTA p90 (minutes)", "minutes", "down",
        ("environments", "incidents"), "The 90th percentile of the same minutes."),
    Kpi("backup_success_rate", _PLATFORM, "Backup success", "ratio", "up",
        ("environments", "backups"),
        "Backups scheduled in the month that succeeded / backups scheduled (a missed "
        "backup counts as failed)."),
    Kpi("restore_validation_coverage", _PLATFORM, "Restore validation coverage", "ratio",
        "up", ("environments", "restore_tests"),
        "Environments existing at the month's end with a succeeded restore test in the "
        "restore_window_days to then / environments existing at the month's end."),
    Kpi("db_p95_query_ms", _PLATFORM, "DB p95 query time (ms)", "ms", "down",
        ("environments", "db_performance"),
        "Mean over environment-days in the month of the day's p95 query time."),
    Kpi("db_slow_day_rate", _PLATFORM, "DB slow days", "ratio", "down",
        ("environments", "db_performance"),
        "Environment-days in the month with a p95 query time above slow_query_ms / "
        "environment-days."),
    Kpi("release_success_rate", _PLATFORM, "Release success", "ratio", "up",
        ("environments", "deployments"),
        "Deployments (releases, patches and upgrades) in the month that succeeded / "
        "deployments in the month; failed and rolled back ones count against it."),
    Kpi("patch_latency_days", _PLATFORM, "Patch latency (days)", "days", "down",
        ("environments", "deployments"),
        "Patches deployed successfully in the month that give available_on: median days "
        "from availability to deployment."),
    Kpi("patch_latency_days_p90", _PLATFORM, "Patch latency p90 (days)", "days", "down",
        ("environments", "deployments"), "The 90th percentile of the same days."),
    Kpi("provisioning_hours", _PLATFORM, "Provisioning (hours)", "hours", "down",
        ("environments",),
        "Environments that became ready in the month: median hours from request to ready."),
    Kpi("provisioning_hours_p90", _PLATFORM, "Provisioning p90 (hours)", "hours", "down",
        ("environments",), "The 90th percentile of the same hours."),
    Kpi("noisy_neighbor_rate", _PLATFORM, "Noisy-neighbour days", "ratio", "down",
        ("environments", "tenant_usage"),
        "Multi-tenant environments: tenant-days in the month with a CPU share above "
        "noisy_neighbor_cpu_share / tenant-days in the month."),
    Kpi("isolation_breaches", _PLATFORM, "Isolation breaches", "count", "down",
        ("environments", "incidents"),
        "Incidents started in the month where one tenant's data or load reached another."),
    Kpi("shared_cpu_utilization", _PLATFORM, "Shared CPU utilisation (p95)", "ratio", "down",
        ("environments", "db_performance"),
        "Multi-tenant environments: the 95th percentile of daily CPU utilisation in the "
        "month."),
    Kpi("upgrade_coordination", _PLATFORM, "Upgrade coordination", "ratio", "up",
        ("environments", "deployments"),
        "Upgrades of a version to multi-tenant environments: of the multi-tenant "
        "environments existing through its window (upgrade_window_days from the first "
        "attempt), the share upgraded successfully by its close, for versions whose window "
        "closes in the month. An environment never upgraded counts against."),
    Kpi("cost_to_serve", _PLATFORM, "Cost to serve", "currency", "down", ("accounts",),
        "Hosting + support + success (+ other) cost of the accounts paying in the month: "
        "from account_costs where given, "
        "else allocated (an environment's monthly cost split across its tenants by mean "
        "CPU share, equally without usage data; tickets x support_cost_per_ticket; the "
        "tier's success cost). The table cost_to_serve records each account's method.",
        per_account=True),
    Kpi("gross_margin", _PLATFORM, "Gross margin", "ratio", "up",
        ("accounts", "subscription_lines"),
        "(MRR - cost to serve) / MRR, per account and rolled up as sums.", per_account=True),
    Kpi("customization_overhead", _PLATFORM, "Customisation overhead", "per_environment",
        "down", ("environments",),
        "Dedicated environments existing in the month that state custom_modules: mean "
        "custom modules per environment."),
)

KPIS: dict[str, Kpi] = {k.id: k for k in _KPI_LIST}


def kpis_in(section: str) -> list[Kpi]:
    return [k for k in _KPI_LIST if k.section == section]
