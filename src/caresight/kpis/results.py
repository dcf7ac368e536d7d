"""Reading computed KPI values back from the store, and printing or writing them.

Nothing here computes a KPI: the values come from the `kpi_values` table that
`caresight compute` materialises, filtered in SQL. The detail tables computed beside it
(the go-live gates of each project, each account's cost to serve and where it came from)
are read the same way.
"""

from __future__ import annotations

import difflib
import io
import json
import math
import re
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from caresight.errors import CaresightError, StoreError
from caresight.kpis.catalog import ACCOUNT_DIMENSIONS, KPI_VALUE_COLUMNS, KPIS, USER_DIMENSIONS
from caresight.store import Store

if TYPE_CHECKING:
    import pyarrow as pa
    from rich.console import Console

#: What an empty value (no data, or a zero denominator) prints as; never 0.
EMPTY = "—"

#: The table format prints at most this many rows; the other formats write them all.
TABLE_ROW_LIMIT = 500

FORMATS = ("table", "csv", "json", "parquet")

#: Dimensions the engine writes besides the account dimensions.
KNOWN_DIMENSIONS = (
    "all", *ACCOUNT_DIMENSIONS, "account", "product_category", *USER_DIMENSIONS, "module",
    "environment", "cause_owner",
)

#: The detail tables, by the name `caresight details` knows them by.
DETAILS = {"gates": "project_gates", "costs": "cost_to_serve"}

_MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
_STATUS_STYLES = {"green": "green", "amber": "dark_orange", "red": "bold red"}


@dataclass(frozen=True)
class KpiQuery:
    """Which values to read. An empty list means no filter on that column.

    `periods` entries are a month `YYYY-MM`, an inclusive range `YYYY-MM:YYYY-MM`, or
    `latest` for the latest period in the results.
    """

    kpis: list[str] = field(default_factory=list)
    dimensions: list[str] = field(default_factory=list)
    segments: list[str] = field(default_factory=list)
    periods: list[str] = field(default_factory=list)


def read_kpi_values(store_path: Path, query: KpiQuery) -> pa.Table:
    """The values matching `query`, ordered by kpi, dimension, segment and period."""
    with Store(store_path, read_only=True) as store:
        return query_kpi_values(store, query)


def query_kpi_values(store: Store, query: KpiQuery) -> pa.Table:
    """`read_kpi_values` on a store that is already open."""
    _check_kpis(query.kpis)
    if not store.has_table("kpi_values"):
        raise StoreError(
            f"the store {store.path} has no computed KPI values; "
            f"run `caresight compute --store {store.path}` first"
        )
    _check_dimensions(store, query.dimensions)

    conditions: list[str] = []
    params: list[str] = []
    for column, wanted in (
        ("kpi", query.kpis),
        ("dimension", query.dimensions),
        ("segment", query.segments),
    ):
        if wanted:
            conditions.append(f"{column} IN ({', '.join('?' for _ in wanted)})")
            params += wanted
    if query.periods:
        period_sql, period_params = _period_condition(query.periods, "kpi_values")
        conditions.append(period_sql)
        params += period_params

    where = f"WHERE {' AND '.join(conditions)}" if conditions else ""
    sql = (
        f"SELECT {', '.join(KPI_VALUE_COLUMNS)} FROM kpi_values {where} "
        "ORDER BY kpi, dimension <> 'all', dimension, segment, period"
    )
    # A cursor of its own: DuckDB refuses con.sql() while an earlier execute() on the
    # connection (such as Store.has_table's) has rows left unfetched.
    with store.con.cursor() as cursor:
        return cursor.sql(sql, params=params).to_arrow_table()


def in_progress_note(store_path: Path, values: pa.Table) -> str | None:
    """A sentence for readers of values that include a month still in progress, whose
    flows (active users, incidents, go-lives) cover only its first days; None otherwise."""
    import calendar
    from datetime import date

    with Store(store_path, read_only=True) as store:
        measured = store.meta("kpis_as_of")
    if measured is None or values.num_rows == 0:
        return None
    day = date.fromisoformat(measured)
    if day.day == calendar.monthrange(day.year, day.month)[1]:
        return None
    month = f"{day.year:04d}-{day.month:02d}"
    if month not in set(values.column("period").to_pylist()):
        return None
    days = "its first day" if day.day == 1 else f"its first {day.day} days"
    return (
        f"{month} is a month in progress, measured on {measured}: what happens within a "
        f"month (active users, tickets, incidents, go-lives) covers {days} only."
    )


def read_details(
    store_path: Path, which: str, periods: list[str], accounts: list[str]
) -> pa.Table:
    """Rows of a detail table (`gates` or `costs`), filtered by period and account."""
    if which not in DETAILS:
        raise CaresightError(
            f"there are no details called {which!r}; use one of {', '.join(DETAILS)}"
        )
    table = DETAILS[which]
    with Store(store_path, read_only=True) as store:
        if not store.has_table(table):
            raise StoreError(
                f"the store {store.path} has no {which} details: they are computed with the "
                f"KPIs when the dataset has the tables they need; run `caresight compute "
                f"--store {store.path}` after loading them"
            )
        conditions: list[str] = []
        params: list[str] = []
        if periods:
            period_sql, params = _period_condition(periods, table)
            conditions.append(period_sql)
        if accounts:
            conditions.append(f"account_id IN ({', '.join('?' for _ in accounts)})")
            params += accounts
        where = f"WHERE {' AND '.join(conditions)}" if conditions else ""
        sql = f"SELECT * FROM {table} {where} ORDER BY period, account_id"
        with store.con.cursor() as cursor:
            return cursor.sql(sql, params=params).to_arrow_table()


def _check_kpis(kpis: list[str]) -> None:
    for kpi in kpis:
        if kpi not in KPIS:
            raise CaresightError(f"there is no KPI {kpi!r}{_suggest(kpi, KPIS)}")


def _check_dimensions(store: Store, dimensions: list[str]) -> None:
    if not dimensions:
        return
    present = [row[0] for row in store.con.execute(
        "SELECT DISTINCT dimension FROM kpi_values"
    ).fetchall()]
    known = set(KNOWN_DIMENSIONS) | set(present)
    for dimension in dimensions:
        if dimension not in known:
            raise CaresightError(
                f"there is no dimension {dimension!r}{_suggest(dimension, known)}"
            )


def _suggest(word: str, choices: Iterable[str]) -> str:
    matches = difflib.get_close_matches(word, sorted(choices), n=1)
    return f"; did you mean {matches[0]!r}?" if matches else ""


def _period_condition(periods: list[str], table: str) -> tuple[str, list[str]]:
    """One SQL condition matching any of the periods. 'YYYY-MM' strings sort as months."""
    parts: list[str] = []
    params: list[str] = []
    for entry in periods:
        if entry == "latest":
            parts.append(f"period = (SELECT max(period) FROM {table})")
        elif ":" in entry:
            first, _, last = entry.partition(":")
            _check_month(first, entry)
            _check_month(last, entry)
            if first > last:
                raise CaresightError(
                    f"the period range {entry!r} ends before it starts; write it as "
                    f"{last}:{first}"
                )
            parts.append("period BETWEEN ? AND ?")
            params += [first, last]
        else:
            _check_month(entry, entry)
            parts.append("period = ?")
            params.append(entry)
    return f"({' OR '.join(parts)})", params


def _check_month(text: str, entry: str) -> None:
    if not _MONTH.match(text):
        raise CaresightError(
            f"the period {entry!r} is not a month YYYY-MM (such as 2024-05), a range "
            "YYYY-MM:YYYY-MM, or 'latest'"
        )


def format_value(value: float | None, unit: str | None) -> str:
    """A value as people read it: currency with cents, ratios as percent, '—' when empty."""
    if value is None or math.isnan(value):
        return EMPTY
    if unit == "ratio":
        return f"{value * 100:.1f}%"
    if unit == "count":
        return f"{value:,.0f}"
    if unit in ("days", "hours", "minutes"):
        return f"{value:,.1f}"
    if unit == "ms":
        return f"{value:,.0f}"
    return f"{value:,.2f}"


def format_number(value: float | None) -> str:
    """A numerator or denominator: whole numbers without decimals, others with cents."""
    if value is None or math.isnan(value):
        return EMPTY
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.2f}"


def _ratio_parts(numerator: float | None, denominator: float | None) -> str:
    if denominator is None:
        return format_number(numerator)
    return f"{format_number(numerator)} / {format_number(denominator)}"


def render(
    values: pa.Table, fmt: str, out: Path | None, console: Console, what: str = "KPI values"
) -> None:
    """Print `values` on `console` (table, csv, json) or write them to `out`.

    parquet is binary and needs `out`. A table prints at most TABLE_ROW_LIMIT rows and
    says how many it left out.
    """
    if fmt not in FORMATS:
        raise CaresightError(f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}")
    if fmt == "parquet" and out is None:
        raise CaresightError(
            "parquet is a binary format and is not printed; name a file with --out PATH"
        )

    if out is None:
        if fmt == "table":
            _print(values, console, what)
        else:
            console.file.write(_csv_text(values) if fmt == "csv" else _json_text(values))
        return

    with _writing(out):
        if fmt == "parquet":
            import pyarrow.parquet as pq

            pq.write_table(values, out)
        elif fmt == "table":
            with out.open("w", encoding="utf-8") as handle:
                _print(values, _plain_console(handle), what)
        else:
            text = _csv_text(values) if fmt == "csv" else _json_text(values)
            out.write_text(text, encoding="utf-8")
    console.print(
        f"Wrote {values.num_rows:,} {what} to {out}.", highlight=False, soft_wrap=True
    )


def _csv_text(values: pa.Table) -> str:
    import pyarrow.csv as pacsv

    buffer = io.BytesIO()
    # pyarrow quotes header names whatever the style; ours need no quotes.
    options = pacsv.WriteOptions(include_header=False, quoting_style="needed")
    pacsv.write_csv(values, buffer, options)
    return ",".join(values.column_names) + "\n" + buffer.getvalue().decode("utf-8")


def _json_text(values: pa.Table) -> str:
    # to_pylist turns nulls into None, which json writes as null.
    return json.dumps(values.to_pylist(), ensure_ascii=False) + "\n"


@contextmanager
def _writing(out: Path) -> Iterator[None]:
    """Create the folder of `out` and turn a failed write into a message."""
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        yield
    except OSError as exc:
        raise CaresightError(f"cannot write {out}: {exc.strerror or exc}") from None


def _plain_console(handle: TextIO) -> Console:
    from rich.console import Console

    return Console(file=handle, width=160, color_system=None)


def _print(values: pa.Table, console: Console, what: str) -> None:
    if tuple(values.column_names) == KPI_VALUE_COLUMNS:
        _print_table(values, console)
    else:
        _print_rows(values, console, what)


def _print_rows(values: pa.Table, console: Console, what: str) -> None:
    """Any table's rows, numbers right-aligned with at most two decimals."""
    from rich import box
    from rich.table import Table

    if values.num_rows == 0:
        console.print(f"No {what} match these filters.")
        return
    table = Table(header_style="bold", box=box.SIMPLE_HEAD, pad_edge=False)
    for name in values.column_names:
        table.add_column(name, overflow="fold")
    for row in values.slice(0, TABLE_ROW_LIMIT).to_pylist():
        table.add_row(*[_cell_text(row[name]) for name in values.column_names])
    console.print(table)
    if values.num_rows > TABLE_ROW_LIMIT:
        console.print(
            f"Showing the first {TABLE_ROW_LIMIT:,} of {values.num_rows:,} rows; narrow them "
            "with --period or --account, or write them all with --format csv.",
            highlight=False,
        )


def _cell_text(value: object) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return EMPTY
    if isinstance(value, float):
        return format_number(value)
    return str(value)


def _print_table(values: pa.Table, console: Console) -> None:
    from rich import box
    from rich.table import Table
    from rich.text import Text

    if values.num_rows == 0:
        console.print("No KPI values match these filters.")
        return

    # Seven columns fit an 80-column terminal: the segment names its dimension, and the
    # numerator and denominator share a column. Only labels wrap; numbers stay whole.
    table = Table(header_style="bold", box=box.SIMPLE_HEAD, pad_edge=False)
    table.add_column("kpi", overflow="fold")
    table.add_column("period", no_wrap=True)
    table.add_column("segment", overflow="fold")
    table.add_column("value", justify="right", no_wrap=True)
    table.add_column("numerator /\ndenominator", justify="right", no_wrap=True)
    table.add_column("n", justify="right", no_wrap=True)
    table.add_column("status", no_wrap=True)

    for row in values.slice(0, TABLE_ROW_LIMIT).to_pylist():
        status = row["status"] or ""
        table.add_row(
            row["kpi"],
            row["period"],
            Text("all" if row["dimension"] == "all" else f"{row['dimension']}: {row['segment']}"),
            format_value(row["value"], row["unit"]),
            _ratio_parts(row["numerator"], row["denominator"]),
            EMPTY if row["n"] is None else f"{row['n']:,}",
            Text(status, style=_STATUS_STYLES.get(status, "")),
        )
    console.print(table)

    if values.num_rows > TABLE_ROW_LIMIT:
        console.print(
            f"Showing the first {TABLE_ROW_LIMIT:,} of {values.num_rows:,} values; narrow "
            "them with --kpi, --dimension, --segment or --period, or write them all with "
            "--format csv.",
            highlight=False,
        )
