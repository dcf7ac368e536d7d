"""The dataset contract: every table a provider's sources produce, column by column.

This module is pure data. The loader checks files against it, the store creates its
tables from it and the demo world writes exactly these columns.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

ColumnType = Literal["str", "date", "timestamp", "decimal", "int", "bool", "month"]

#: DuckDB column type for each contract type. Timestamps are stored as UTC without a zone
#: so that every ibis backend reads them the same way.
STORE_TYPES: dict[ColumnType, str] = {
    "str": "VARCHAR",
    "date": "DATE",
    "timestamp": "TIMESTAMP",
    "decimal": "DOUBLE",
    "int": "BIGINT",
    "bool": "BOOLEAN",
    "month": "VARCHAR",
}

CAUSE_OWNERS = ("platform", "partner", "customer", "third_party", "unknown")
SEVERITIES = ("sev1", "sev2", "sev3", "sev4")
DEPLOYMENT_MODELS = ("multi_tenant", "dedicated")


@dataclass(frozen=True)
class Column:
    name: str
    type: ColumnType
    required: bool = True
    enum: tuple[str, ...] | None = None
    choices: tuple[int, ...] | None = None
    minimum: float | None = None
    maximum: float | None = None
    #: Minimum is exclusive (for example an FX rate must be > 0).
    exclusive_minimum: bool = False
    #: (table, column) this column must resolve to when set.
    references: tuple[str, str] | None = None


@dataclass(frozen=True)
class RowRule:
    """A rule across columns of one row, written as a SQL predicate that must hold.

    `columns` names the columns the message points at; the predicate sees typed values
    and is only evaluated on rows whose single-column checks passed.
    """

    name: str
    predicate: str
    columns: tuple[str, ...]


@dataclass(frozen=True)
class Table:
    name: str
    columns: tuple[Column, ...]
    key: tuple[str, ...] = ()
    required: bool = False
    rules: tuple[RowRule, ...] = field(default_factory=tuple)

    def column(self, name: str) -> Column:
        for column in self.columns:
            if column.name == name:
                return column
        raise KeyError(f"{self.name} has no column {name}")

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)


def _account_ref() -> tuple[str, str]:
    return ("accounts", "account_id")


def _environment_ref() -> tuple[str, str]:
    return ("environments", "environment_id")


def _project_ref() -> tuple[str, str]:
    return ("implementations", "project_id")


#: The largest amount a money column takes. Far above any real contract, it stops a typo
#: or an overflowed export (1e308) from turning every sum into infinity.
MAX_AMOUNT = 1e12


def _money(name: str = "amount", *, required: bool = True) -> Column:
    return Column(name, "decimal", required=required, minimum=0, maximum=MAX_AMOUNT)


TABLES: dict[str, Table] = {}


def _add(table: Table) -> None:
    TABLES[table.name] = table


_add(Table(
    "partners",
    (
        Column("partner_id", "str"),
        Column("name", "str"),
        Column("partner_type", "str", enum=("reseller", "white_label", "oem", "implementation")),
        Column("declared_tier", "str", required=False),
        Column("region", "str", required=False),
        Column("joined_on", "date", required=False),
    ),
    key=("partner_id",),
))

_add(Table(
    "accounts",
    (
        Column("account_id", "str"),
        Column("name", "str"),
        Column("customer_type", "str"),
        Column("region", "str", required=False),
        Column("channel", "str", enum=("direct", "white_label", "oem", "reseller")),
        Column("partner_id", "str", required=False, references=("partners", "partner_id")),
        Column(
            "delivery_partner_id", "str", required=False, references=("partners", "partner_id")
        ),
        Column("renewal_owner", "str", required=False, enum=("platform", "partner")),
        Column("deployment_model", "str", enum=DEPLOYMENT_MODELS),
        Column("environment_id", "str", required=False, references=_environment_ref()),
        Column("service_tier", "str"),
        Column("contract_signed_on", "date"),
        Column("csm", "str", required=False),
    ),
    key=("account_id",),
    required=True,
    rules=(
        RowRule(
            "partner_id is required unless channel is direct",
            "channel = 'direct' OR partner_id IS NOT NULL",
            ("partner_id",),
        ),
    ),
))

_add(Table(
    "subscription_lines",
    (
        Column("line_id", "str"),
        Column("account_id", "str", references=_account_ref()),
        Column("product", "str"),
        Column(
            "product_category",
            "str",
            enum=("module", "hosting", "support", "compliance", "partner_service", "other"),
        ),
        Column("start_on", "date"),
        Column("end_on", "date", required=False),
        _money(),
        Column("billing_period_months", "int", choices=(1, 3, 6, 12, 24, 36)),
        Column("currency", "str"),
    ),
    key=("line_id",),
    required=True,
    rules=(RowRule("end_on must not be before start_on", "end_on >= start_on", ("end_on",)),),
))

_add(Table(
    "fx_rates",
    (
        Column("currency", "str"),
        Column("month", "month"),
        Column("rate", "decimal", minimum=0, exclusive_minimum=True),
    ),
    key=("currency", "month"),
))

_add(Table(
    "renewals",
    (
        Column("renewal_id", "str"),
        Column("account_id", "str", references=_account_ref()),
        Column("due_on", "date"),
        _money("arr_due"),
        Column("currency", "str"),
        Column("outcome", "str", enum=("open", "renewed", "churned")),
        _money("renewed_arr", required=False),
        Column("closed_on", "date", required=False),
    ),
    key=("renewal_id",),
    rules=(
        RowRule(
            "renewed_arr is required when outcome is renewed",
            "outcome <> 'renewed' OR renewed_arr IS NOT NULL",
            ("renewed_arr",),
        ),
        RowRule(
            "closed_on is required unless outcome is open",
            "outcome = 'open' OR closed_on IS NOT NULL",
            ("closed_on",),
        ),
    ),
))

_add(Table(
    "renewal_forecasts",
    (
        Column("renewal_id", "str", references=("renewals", "renewal_id")),
        Column("as_of", "date"),
        _money("forecast_arr"),
        Column("category", "str", required=False, enum=("commit", "probable", "at_risk", "lost")),
        Column("probability", "decimal", required=False, minimum=0, maximum=1),
    ),
    key=("renewal_id", "as_of"),
))

_add(Table(
    "users",
    (
        Column("account_id", "str", references=_account_ref()),
        Column("user_id", "str"),
        Column("role", "str"),
        Column("department", "str"),
        Column("licensed_from", "date"),
        Column("licensed_until", "date", required=False),
    ),
    key=("account_id", "user_id"),
    rules=(
        RowRule(
            "licensed_until must not be before licensed_from",
            "licensed_until >= licensed_from",
            ("licensed_until",),
        ),
    ),
))

_add(Table(
    "workflow_events",
    (
        Column("occurred_at", "timestamp"),
        Column("account_id", "str", references=_account_ref()),
        Column("user_id", "str"),
        Column("module", "str"),
        Column("workflow", "str"),
        Column("count", "int", required=False, minimum=1),
    ),
))

_add(Table(
    "features",
    (
        Column("account_id", "str", references=_account_ref()),
        Column("module", "str"),
        Column("workflow", "str"),
        Column("configured_on", "date"),
        Column("in_production_on", "date", required=False),
    ),
))

_add(Table(
    "training",
    (
        Column("account_id", "str", references=_account_ref()),
        Column("user_id", "str"),
        Column("course", "str"),
        Column("assigned_on", "date"),
        Column("completed_on", "date", required=False),
    ),
))

_add(Table(
    "business_reviews",
    (
        Column("review_id", "str"),
        Column("account_id", "str", references=_account_ref()),
        Column("due_on", "date"),
        Column("held_on", "date", required=False),
        Column("sponsor_attended", "bool", required=False),
    ),
    key=("review_id",),
))

_add(Table(
    "implementations",
    (
        Column("project_id", "str"),
        Column("account_id", "str", references=_account_ref()),
        Column("kind", "str", enum=("onboarding", "expansion")),
        Column(
            "delivery_partner_id", "str", required=False, references=("partners", "partner_id")
        ),
        Column("kickoff_on", "date"),
        Column("planned_go_live_on", "date"),
        Column("go_live_on", "date", required=False),
    ),
    key=("project_id",),
))

_add(Table(
    "milestones",
    (
        Column("project_id", "str", references=_project_ref()),
        Column("milestone", "str"),
        Column("planned_on", "date"),
        Column("completed_on", "date", required=False),
    ),
))

_add(Table(
    "data_migrations",
    (
        Column("project_id", "str", references=_project_ref()),
        Column("batch_id", "str"),
        Column("submitted_on", "date"),
        Column("records_submitted", "int", minimum=0),
        Column("records_accepted", "int", minimum=0),
        Column("accepted_on", "date", required=False),
    ),
    key=("project_id", "batch_id"),
    rules=(
        RowRule(
            "records_accepted must not exceed records_submitted",
            "records_accepted <= records_submitted",
            ("records_accepted",),
        ),
    ),
))

_add(Table(
    "integrations",
    (
        Column("project_id", "str", references=_project_ref()),
        Column("integration", "str"),
        Column("required_for_go_live", "bool"),
        Column("planned_ready_on", "date"),
        Column("ready_on", "date", required=False),
    ),
))

_add(Table(
    "tickets",
    (
        Column("ticket_id", "str"),
        Column("account_id", "str", references=_account_ref()),
        Column("opened_at", "timestamp"),
        Column("first_response_at", "timestamp", required=False),
        Column("resolved_at", "timestamp", required=False),
        Column("severity", "str", enum=SEVERITIES),
        Column("category", "str"),
        Column("cause_owner", "str", enum=CAUSE_OWNERS),
        Column("handled_by", "str"),
        Column("escalated_at", "timestamp", required=False),
        Column("reopened", "int", required=False, minimum=0),
        Column("handoffs", "int", required=False, minimum=0),
        Column("handoffs_returned", "int", required=False, minimum=0),
    ),
    key=("ticket_id",),
    rules=(
        RowRule(
            "resolved_at must not be before opened_at",
            "resolved_at >= opened_at",
            ("resolved_at",),
        ),
        RowRule(
            "first_response_at must not be before opened_at",
            "first_response_at >= opened_at",
            ("first_response_at",),
        ),
    ),
))

_add(Table(
    "environments",
    (
        Column("environment_id", "str"),
        Column("deployment_model", "str", enum=DEPLOYMENT_MODELS),
        Column("region", "str", required=False),
        Column("requested_at", "timestamp"),
        Column("ready_at", "timestamp", required=False),
        Column("retired_at", "timestamp", required=False),
        _money("monthly_cost"),
        Column("currency", "str"),
        Column("custom_modules", "int", required=False, minimum=0),
    ),
    key=("environment_id",),
    rules=(
        RowRule(
            "ready_at must not be before requested_at",
            "ready_at >= requested_at",
            ("ready_at",),
        ),
        RowRule(
            "retired_at must not be before ready_at",
            "retired_at >= ready_at",
            ("retired_at",),
        ),
    ),
))

_add(Table(
    "incidents",
    (
        Column("incident_id", "str"),
        Column("environment_id", "str", references=_environment_ref()),
        Column("account_id", "str", required=False, references=_account_ref()),
        Column("started_at", "timestamp"),
        Column("acknowledged_at", "timestamp", required=False),
        Column("resolved_at", "timestamp", required=False),
        Column("severity", "str", enum=SEVERITIES),
        Column("impact", "str", enum=("outage", "degraded", "none")),
        Column("cause_owner", "str", enum=CAUSE_OWNERS),
        Column("isolation_breach", "bool", required=False),
    ),
    key=("incident_id",),
    rules=(
        RowRule(
            "resolved_at must not be before started_at",
            "resolved_at >= started_at",
            ("resolved_at",),
        ),
        RowRule(
            "acknowledged_at must not be before started_at",
            "acknowledged_at >= started_at",
            ("acknowledged_at",),
        ),
    ),
))

_add(Table(
    "maintenance_windows",
    (
        Column("environment_id", "str", references=_environment_ref()),
        Column("starts_at", "timestamp"),
        Column("ends_at", "timestamp"),
    ),
    rules=(RowRule("ends_at must not be before starts_at", "ends_at >= starts_at", ("ends_at",)),),
))

_add(Table(
    "backups",
    (
        Column("environment_id", "str", references=_environment_ref()),
        Column("scheduled_at", "timestamp"),
        Column("status", "str", enum=("success", "failed", "missed")),
    ),
))

_add(Table(
    "restore_tests",
    (
        Column("environment_id", "str", references=_environment_ref()),
        Column("tested_at", "timestamp"),
        Column("succeeded", "bool"),
        Column("duration_minutes", "decimal", required=False, minimum=0),
    ),
))

_add(Table(
    "deployments",
    (
        Column("deployment_id", "str"),
        Column("environment_id", "str", references=_environment_ref()),
        Column("deployed_at", "timestamp"),
        Column("kind", "str", enum=("release", "patch", "upgrade")),
        Column("version", "str"),
        Column("outcome", "str", enum=("success", "failed", "rolled_back")),
        Column("available_on", "date", required=False),
    ),
    key=("deployment_id",),
))

_add(Table(
    "db_performance",
    (
        Column("environment_id", "str", references=_environment_ref()),
        Column("date", "date"),
        Column("p95_query_ms", "decimal", minimum=0),
        Column("cpu_utilization", "decimal", minimum=0, maximum=1),
    ),
    key=("environment_id", "date"),
))

_add(Table(
    "tenant_usage",
    (
        Column("environment_id", "str", references=_environment_ref()),
        Column("account_id", "str", references=_account_ref()),
        Column("date", "date"),
        Column("cpu_share", "decimal", minimum=0, maximum=1),
    ),
    key=("environment_id", "account_id", "date"),
))

_add(Table(
    "account_costs",
    (
        Column("account_id", "str", references=_account_ref()),
        Column("month", "month"),
        Column("cost_type", "str", enum=("hosting", "support", "success", "other")),
        _money(),
        Column("currency", "str"),
    ),
))

#: Tables whose rows carry money in a `currency` column, with the date-like column that
#: says which month's rate they need first.
MONEY_TABLES: dict[str, str] = {
    "subscription_lines": "start_on",
    "renewals": "due_on",
    "environments": "requested_at",
    "account_costs": "month",
}

FILE_SUFFIXES = (".csv", ".parquet", ".jsonl")


def store_ddl(table: Table) -> str:
    """CREATE TABLE statement for a contract table, columns in contract order."""
    columns = ", ".join(f'"{c.name}" {STORE_TYPES[c.type]}' for c in table.columns)
    return f'CREATE TABLE "{table.name}" ({columns})'
