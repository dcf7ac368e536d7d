"""Every KPI caresight computes: its id, what it means, its unit and direction.

Pure data. The engine computes the KPIs, the report and the CLI describe them from here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Unit = Literal["currency", "ratio", "count", "days", "hours", "minutes", "ms", "per_100_users"]
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
)

KPIS: dict[str, Kpi] = {k.id: k for k in _KPI_LIST}


def kpis_in(section: str) -> list[Kpi]:
    return [k for k in _KPI_LIST if k.section == section]
