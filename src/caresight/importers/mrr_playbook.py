"""Convert the dbt-labs `mrr-playbook` sample into the caresight dataset format.

The playbook keeps one CSV of subscription periods:
`subscription_id, customer_id, start_date, end_date, monthly_amount`, with month-start
dates and an *exclusive* `end_date` (the first month no longer billed). caresight's
`end_on` is the last day of service, so it becomes the day before `end_date`; a period
without `end_date` stays open-ended.

The sample says nothing about who the customers are, so each becomes a direct,
multi-tenant account of customer type `unknown` on the standard tier, signed on the day
of its first subscription. Amounts are monthly, in one currency (USD unless told).
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING

from caresight.dataset.output import table_files
from caresight.errors import CaresightError

if TYPE_CHECKING:
    from duckdb import DuckDBPyConnection

log = logging.getLogger(__name__)

COLUMNS = ("subscription_id", "customer_id", "start_date", "end_date", "monthly_amount")

# Each check is a SQL predicate that must hold for a source row, and what it means.
_ROW_RULES = (
    ("subscription_id IS NOT NULL", "subscription_id", "must not be empty"),
    ("customer_id IS NOT NULL", "customer_id", "must not be empty"),
    ("TRY_CAST(start_date AS DATE) IS NOT NULL", "start_date", "must be a date YYYY-MM-DD"),
    (
        "end_date IS NULL OR TRY_CAST(end_date AS DATE) IS NOT NULL",
        "end_date",
        "must be empty or a date YYYY-MM-DD",
    ),
    (
        "end_date IS NULL OR TRY_CAST(start_date AS DATE) IS NULL "
        "OR TRY_CAST(end_date AS DATE) > TRY_CAST(start_date AS DATE)",
        "end_date",
        "must be after start_date (it is exclusive)",
    ),
    (
        "TRY_CAST(monthly_amount AS DOUBLE) >= 0",
        "monthly_amount",
        "must be a number >= 0",
    ),
)


class PlaybookFormatError(CaresightError):
    """The source file is not in the mrr-playbook layout."""


def _read(con: DuckDBPyConnection, file: Path) -> None:
    if not file.is_file():
        raise PlaybookFormatError(f"{file} does not exist")
    con.execute(
        "CREATE TEMP TABLE source AS SELECT * FROM read_csv(?, header = true, all_varchar = true)",
        [str(file)],
    )
    present = {row[0] for row in con.execute("DESCRIBE source").fetchall()}
    missing = [c for c in COLUMNS if c not in present]
    if missing:
        raise PlaybookFormatError(
            f"{file.name} lacks the column(s) {', '.join(missing)}; "
            f"the mrr-playbook layout has {', '.join(COLUMNS)}"
        )


def _check(con: DuckDBPyConnection, file: Path) -> None:
    if not con.execute("SELECT count(*) FROM source").fetchall()[0][0]:
        raise PlaybookFormatError(f"{file.name} has no subscription periods after its header")
    problems = []
    for predicate, column, rule in _ROW_RULES:
        rows = con.execute(
            f"SELECT rowid + 1, {column} FROM source WHERE NOT coalesce({predicate}, false) "
            "ORDER BY rowid LIMIT 5"
        ).fetchall()
        problems += [
            f"  {file.name} row {row}, column {column}, value {value!r}: {rule}"
            for row, value in rows
        ]
    duplicates = con.execute(
        "SELECT rowid + 1, subscription_id FROM source QUALIFY "
        "count(*) OVER (PARTITION BY subscription_id) > 1 "
        "AND row_number() OVER (PARTITION BY subscription_id ORDER BY rowid) > 1 "
        "ORDER BY rowid LIMIT 5"
    ).fetchall()
    problems += [
        f"  {file.name} row {row}, column subscription_id, value {value!r}: must be unique"
        for row, value in duplicates
    ]
    if problems:
        raise PlaybookFormatError("the file was not converted:\n" + "\n".join(problems))


def convert(file: Path, folder: Path, *, currency: str = "USD") -> dict[str, int]:
    """Write `accounts.csv` and `subscription_lines.csv` for the periods in `file`."""
    import duckdb

    con = duckdb.connect()
    try:
        _read(con, file)
        _check(con, file)
        # The folder becomes this dataset and nothing else: no tables of an older one.
        folder.mkdir(parents=True, exist_ok=True)
        for stale in table_files(folder):
            stale.unlink()
        accounts = folder / "accounts.csv"
        lines = folder / "subscription_lines.csv"
        con.execute(
            f"""
            COPY (
                SELECT customer_id AS account_id,
                       'Customer ' || customer_id AS name,
                       'unknown' AS customer_type,
                       'direct' AS channel,
                       'multi_tenant' AS deployment_model,
                       'standard' AS service_tier,
                       min(CAST(start_date AS DATE)) AS contract_signed_on
                FROM source GROUP BY customer_id ORDER BY TRY_CAST(customer_id AS BIGINT), 1
            ) TO '{accounts}' (HEADER, DELIMITER ',')
            """
        )
        con.execute(
            f"""
            COPY (
                SELECT subscription_id AS line_id,
                       customer_id AS account_id,
                       'subscription' AS product,
                       'module' AS product_category,
                       CAST(start_date AS DATE) AS start_on,
                       CAST(end_date AS DATE) - 1 AS end_on,
                       CAST(monthly_amount AS DOUBLE) AS amount,
                       1 AS billing_period_months,
                       ? AS currency
                FROM source ORDER BY rowid
            ) TO '{lines}' (HEADER, DELIMITER ',', DATEFORMAT '%Y-%m-%d')
            """,
            [currency],
        )
        accounts_n, lines_n = con.execute(
            "SELECT count(DISTINCT customer_id), count(*) FROM source"
        ).fetchone() or (0, 0)
        counts = {"accounts": accounts_n, "subscription_lines": lines_n}
    finally:
        con.close()
    log.info(
        "converted %s: %d accounts, %d subscription lines",
        file.name, counts["accounts"], counts["subscription_lines"],
    )
    return counts
