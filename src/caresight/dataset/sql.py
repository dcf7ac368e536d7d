"""Small helpers for the loader's SQL: quoting, and running checks as one query."""

from __future__ import annotations

from typing import TYPE_CHECKING

from caresight.dataset.findings import LISTED_PER_RULE, Findings
from caresight.errors import Violation

if TYPE_CHECKING:
    import duckdb

#: The 1-based data row of the file each staged row came from.
ROW = "__file_row"


def ident(name: str) -> str:
    """A quoted identifier: file headers may hold any characters."""
    return '"' + name.replace('"', '""') + '"'


def literal(text: str) -> str:
    """A quoted string literal."""
    return "'" + text.replace("'", "''") + "'"


def problems(
    table: str,
    file: str,
    source: str,
    *,
    cap: str,
    row: str,
    value: str,
    rule: str,
    column: str | None = None,
    position: int = 0,
) -> str:
    """SQL selecting the rows of `source` (a FROM ... WHERE ... clause) that break a rule,
    in the shape `collect` runs. `cap` and `rule` are SQL expressions: `cap` names the
    rule a count is kept for, `rule` is the sentence shown for each row."""
    named = "NULL" if column is None else literal(column)
    return (
        f"SELECT {literal(table)} AS tbl, {literal(file)} AS file, {cap} AS cap, "
        f"CAST({row} AS BIGINT) AS row, {position} AS position, {named} AS col, "
        f"CAST({value} AS VARCHAR) AS value, {rule} AS rule {source}"
    )


def collect(con: duckdb.DuckDBPyConnection, checks: list[str], findings: Findings) -> None:
    """Run checks built by `problems` as one query: the first rows of each rule come back
    with the count of all, so a rule broken on a million rows costs a handful of rows of
    Python."""
    if not checks:
        return
    rows = con.execute(
        "SELECT tbl, file, cap, row, col, value, rule, count(*) OVER (PARTITION BY cap) "
        f"FROM ({' UNION ALL '.join(f'({check})' for check in checks)}) "
        "QUALIFY row_number() OVER (PARTITION BY cap ORDER BY row, position, rule, value) "
        f"<= {LISTED_PER_RULE} ORDER BY cap, row, position, rule, value"
    ).fetchall()

    listed: dict[str, list[Violation]] = {}
    totals: dict[str, int] = {}
    for table, file, cap, row, column, value, rule, total in rows:
        listed.setdefault(cap, []).append(Violation(table, file, row, column, value, rule))
        totals[cap] = total
    for cap, violations in listed.items():
        findings.add(cap, violations, totals[cap])
