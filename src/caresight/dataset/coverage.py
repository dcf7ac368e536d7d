"""FX coverage: every currency other than the reporting currency has a rate for each
month it is needed in.

Which months a row needs:
- subscription_lines: from the month of start_on through the earlier of the as-of month
  and twelve months after the month of end_on (KPIs compare a month with the same month
  a year later at constant currency); a line starting after the as-of day needs none;
- renewals: the month of due_on, or the as-of month when due_on is later;
- account_costs: their month;
- environments: every month from requested_at through retired_at (or the as-of month
  while running, and at most the as-of month), in the reporting time zone.

Only rows whose values passed their own checks are looked at.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from caresight.dataset.checks import Checked
from caresight.dataset.findings import Findings
from caresight.dataset.schema import MONEY_TABLES
from caresight.dataset.sql import ROW, literal, problems

if TYPE_CHECKING:
    import duckdb

    from caresight.config import Config

_MONTH = "'%Y-%m'"


def fx_checks(
    con: duckdb.DuckDBPyConnection,
    tables: dict[str, Checked],
    config: Config,
    findings: Findings,
) -> list[str]:
    """Checks, as SQL for `collect`, that each (currency, month) a row needs has a rate;
    each missing one is reported at the first row of each file that needs it. Without
    fx_rates, each currency that needs rates is reported once, right away."""
    needs = {
        name: _needed_months(tables[name], config)
        for name in MONEY_TABLES
        if name in tables and not tables[name].missing_required
    }
    rates = tables.get("fx_rates")
    if rates is None:
        _report_missing_table(con, tables, needs, config, findings)
        return []

    checks = []
    for name, needed in needs.items():
        checked = tables[name]
        checks.append(
            problems(
                name,
                checked.file.name,
                f"FROM ({needed}) n ANTI JOIN {rates.relation} r "
                "ON n.currency = r.currency AND n.month = r.month",
                cap=literal(
                    f"{checked.file.name}: every month a currency is used in needs a rate in "
                    f"{rates.file.name}"
                ),
                row="n.row",
                column="currency",
                value="n.currency",
                rule=(
                    f"{literal(rates.file.name + ' has no ')} || n.currency || ' rate for ' "
                    "|| n.month || ', a month this row needs'"
                ),
            )
        )
    return checks


def _report_missing_table(
    con: duckdb.DuckDBPyConnection,
    tables: dict[str, Checked],
    needs: dict[str, str],
    config: Config,
    findings: Findings,
) -> None:
    """Without fx_rates, one violation per currency, at the first row that uses it."""
    first_use: dict[str, tuple[str, int]] = {}
    for name, needed in needs.items():
        rows = con.execute(
            f"SELECT currency, min(row) FROM ({needed}) GROUP BY currency ORDER BY currency"
        ).fetchall()
        for currency, row in rows:
            first_use.setdefault(currency, (name, row))

    rule = f"needs rates to {config.reporting_currency}, and the dataset has no fx_rates table"
    findings.add(
        f"the dataset has no fx_rates table: {rule}",
        [
            tables[name].file.violation(rule, row=row, column="currency", value=currency)
            for currency, (name, row) in sorted(first_use.items())
        ],
    )


def _needed_months(checked: Checked, config: Config) -> str:
    """SQL of (row, currency, month): each month a currency is needed in, with the first
    row needing it."""
    as_of = f"DATE {literal(config.measured_on().isoformat())}"
    foreign = f"{checked.clean()} AND currency <> {literal(config.reporting_currency)}"
    name = checked.table.name
    if name == "renewals":
        spans = f"SELECT currency, least(due_on, {as_of}) AS first, least(due_on, {as_of}) AS last"
    elif name == "account_costs":
        month = "strptime(month, '%Y-%m')"
        spans = f"SELECT currency, {month} AS first, {month} AS last"
    elif name == "subscription_lines":
        spans = (
            f"SELECT currency, start_on AS first, "
            f"least({as_of}, date_trunc('month', end_on) + INTERVAL 12 MONTH) AS last"
        )
    elif name == "environments":
        local = _local_time(config)
        spans = (
            f"SELECT currency, {local.format('requested_at')} AS first, "
            f"least({local.format('retired_at')}, {as_of}) AS last"
        )
    else:  # pragma: no cover - MONEY_TABLES and this function change together
        raise ValueError(f"no FX coverage rule for {name}")

    # Rows with the same span need the same months: expand each distinct span once.
    return (
        f"SELECT currency, strftime(month, {_MONTH}) AS month, min(first_row) AS row FROM ("
        f"SELECT currency, first_row, unnest(generate_series("
        f"date_trunc('month', first), date_trunc('month', last), INTERVAL 1 MONTH)) AS month "
        f"FROM ({spans}, min({ROW}) AS first_row FROM {checked.relation} WHERE {foreign} "
        f"GROUP BY ALL)) GROUP BY ALL"
    )


def _local_time(config: Config) -> str:
    """SQL template turning a stored UTC timestamp into the reporting zone's wall time."""
    if config.reporting_timezone == "UTC":
        return "{}"
    zone = literal(config.reporting_timezone)
    return f"timezone({zone}, CAST({{}} AS TIMESTAMPTZ))"
