"""Reading a dataset folder: which file holds which table, and how to read each file.

Files are read by DuckDB's own readers with every value kept as text, so that the checks
can say which value in which row broke which rule. Each row carries its data row in the
file (1-based, header excluded): for CSV the record number, for JSONL the line number,
for Parquet the row number. Rows are numbered by their position in the table the scan
created: DuckDB keeps the order of a scan when it inserts it (`preserve_insertion_order`,
on by default) while still reading in parallel, so position and file order agree.

Known limits, written down here because they shift row numbers in messages:
- DuckDB's CSV reader skips blank lines, so a CSV row is numbered among non-blank rows.
- A CSV row the parser rejects (too few or too many values) is numbered by its line, so
  a value that spans several lines inside quotes makes later rejected rows' numbers
  count lines rather than rows.
"""

from __future__ import annotations

import csv
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from caresight.dataset.findings import Findings
from caresight.dataset.schema import FILE_SUFFIXES, TABLES
from caresight.dataset.sql import ROW, collect, ident, literal, problems
from caresight.errors import CaresightError, Violation

if TYPE_CHECKING:
    import duckdb

log = logging.getLogger(__name__)

#: The character JSONL lines are "split" on: valid JSON cannot hold it unescaped, so each
#: valid line arrives whole.
_JSONL_SPLIT = "\x1f"

_REJECTED_CSV_ROW = {
    "MISSING COLUMNS": "has fewer values than the header has columns",
    "TOO MANY COLUMNS": "has more values than the header has columns",
    "UNQUOTED VALUE": 'has a quote inside a value that is not quoted (write "" for a quote)',
    "INVALID ENCODING": "is not valid UTF-8 text",
    "LINE SIZE OVER MAXIMUM": "is longer than the CSV reader accepts",
}


@dataclass(frozen=True)
class TableFile:
    """The file that holds one table of the dataset."""

    table: str
    path: Path

    @property
    def name(self) -> str:
        return self.path.name

    @property
    def format(self) -> str:
        return self.path.suffix.removeprefix(".")

    def violation(
        self,
        rule: str,
        *,
        row: int | None = None,
        column: str | None = None,
        value: str | None = None,
    ) -> Violation:
        return Violation(self.table, self.name, row, column, value, rule)


@dataclass(frozen=True)
class Staged:
    """A file ready to be read: `query` yields the file's columns as text (VARCHAR) in
    file order, reading the file when it runs, and also each row's data row number
    (`ROW`) when `numbered`; otherwise a row's number is its position."""

    file: TableFile
    query: str
    columns: tuple[str, ...]
    numbered: bool = False
    relations: tuple[str, ...] = ()  # temporary tables to drop once the rows are typed
    rejects: str | None = None  # where the CSV reader puts rows it cannot parse


def find_table_files(folder: Path, findings: Findings) -> dict[str, TableFile]:
    """The file of each table in `folder`, in contract order.

    Files that name no table are skipped (and logged); two files for one table and a
    missing required table are violations.
    """
    if not folder.is_dir():
        what = "is not a folder" if folder.exists() else "does not exist"
        raise CaresightError(f"the dataset folder {folder} {what}")

    candidates: dict[str, list[Path]] = {}
    for path in sorted(folder.iterdir()):
        if path.is_file() and path.suffix in FILE_SUFFIXES and path.stem in TABLES:
            candidates.setdefault(path.stem, []).append(path)
        else:
            log.info("skipped %s: it is not a table file of the dataset format", path.name)

    files: dict[str, TableFile] = {}
    for name, table in TABLES.items():
        paths = candidates.get(name, [])
        if len(paths) == 1:
            files[name] = TableFile(name, paths[0])
        elif len(paths) > 1:
            names = ", ".join(p.name for p in paths)
            rule = f"{name} is given by more than one file; keep one of {names}"
            findings.add(rule, [Violation(name, names, None, None, None, rule)])
        elif table.required:
            options = ", ".join(f"{name}{suffix}" for suffix in FILE_SUFFIXES)
            rule = f"the dataset needs the table {name}, as one of {options}"
            findings.add(rule, [Violation(name, f"{name}.*", None, None, None, rule)])
    return files


def stage_file(
    con: duckdb.DuckDBPyConnection, file: TableFile, findings: Findings
) -> Staged | None:
    """Prepare one file for reading; None when its columns are unusable (reported).

    Reading errors from DuckDB (a file that is not Parquet, say) propagate as
    `duckdb.Error`; `unreadable` turns them into a violation."""
    readers = {"csv": _stage_csv, "parquet": _stage_parquet, "jsonl": _stage_jsonl}
    return readers[file.format](con, file, findings)


def unreadable(file: TableFile, error: Exception) -> tuple[str, Violation]:
    """The violation for a file DuckDB cannot read, and the rule it is counted under."""
    # The reader's first line says what is wrong; the rest is advice for DuckDB users.
    reason = str(error).strip().splitlines()[0]
    return (
        f"{file.name}: cannot be read",
        file.violation(f"cannot be read as {file.format.upper()}: {reason}"),
    )


def _relation(file: TableFile, step: str) -> str:
    """A temporary table's name; table names are plain identifiers, so no quoting."""
    return f"_load_{step}_{file.table}"


def _columns_usable(file: TableFile, columns: Sequence[str], findings: Findings) -> bool:
    """Headers must name every column once; case differences count as the same name,
    because DuckDB's identifiers ignore case."""
    problems_found: list[Violation] = []
    seen: set[str] = set()
    for position, name in enumerate(columns, start=1):
        if not name.strip():
            problems_found.append(file.violation(f"column {position} of the header has no name"))
        elif name.lower() in seen:
            problems_found.append(file.violation("names a column twice", column=name))
        seen.add(name.lower())
    findings.add(f"{file.name}: the header must name each column once", problems_found)
    return not problems_found


def _stage_csv(
    con: duckdb.DuckDBPyConnection, file: TableFile, findings: Findings
) -> Staged | None:
    header = _csv_header(file, findings)
    if header is None or not _columns_usable(file, header, findings):
        return None

    # Rows the parser rejects are missing from the positions; see numbered_rows.
    rejects = _relation(file, "rejects")
    columns = ", ".join(f"{literal(name)}: 'VARCHAR'" for name in header)
    query = (
        f"SELECT * FROM read_csv({literal(str(file.path))}, "
        "header = true, auto_detect = false, delim = ',', quote = '\"', escape = '\"', "
        f"columns = {{{columns}}}, store_rejects = true, "
        f"rejects_table = '{rejects}', rejects_scan = '{rejects}_scan')"
    )
    return Staged(
        file, query, tuple(header), relations=(rejects, f"{rejects}_scan"), rejects=rejects
    )


def _csv_header(file: TableFile, findings: Findings) -> list[str] | None:
    """The column names: the first line of the file (the reader is told them, so that no
    sniffing can guess a different dialect from a broken file)."""
    with file.path.open("rb") as handle:
        first_line = handle.readline()
    try:
        header = next(csv.reader([first_line.decode("utf-8-sig")]), None)
    except (UnicodeDecodeError, csv.Error) as exc:
        findings.add(
            f"{file.name}: cannot be read",
            [file.violation(f"the header line cannot be read as UTF-8 CSV: {exc}")],
        )
        return None
    if not header:
        findings.add(
            f"{file.name}: cannot be read",
            [file.violation("is empty; the first line must name the columns")],
        )
        return None
    return header


def numbered_rows(
    con: duckdb.DuckDBPyConnection, staged: Staged, rows: str, findings: Findings
) -> str:
    """SQL over the typed table `rows` (read from `staged`) adding each row's data row
    number as `ROW`; reports the rows a CSV parser rejected.

    Rejected rows are missing from the positions, so each accepted row moves down by the
    number of rejected rows before it: with rejected rows d_1 < d_2 < ..., the r-th
    accepted row is row r + #{i : d_i - i < r}, found by an as-of join.
    """
    if staged.numbered:
        return f"SELECT * FROM {rows}"
    positions = f"SELECT rowid + 1 AS {ROW}, * FROM {rows}"
    if staged.rejects is None or not _report_rejects(con, staged.file, staged.rejects, findings):
        return positions

    steps = (
        "SELECT data_row - rank AS gap, max(rank) AS before FROM ("
        "SELECT data_row, row_number() OVER (ORDER BY data_row) AS rank "
        f"FROM (SELECT DISTINCT line - 1 AS data_row FROM {staged.rejects})) GROUP BY gap"
    )
    # The rejects table is dropped with the staging, so the shifts are kept in a table.
    shifts = f"{staged.rejects}_shifts"
    con.execute(f"CREATE TEMP TABLE {shifts} AS {steps}")
    return (
        f"SELECT a.{ROW} + coalesce(s.before, 0) AS {ROW}, a.* EXCLUDE ({ROW}) "
        f"FROM ({positions}) a ASOF LEFT JOIN {shifts} s ON a.{ROW} > s.gap"
    )


def _report_rejects(
    con: duckdb.DuckDBPyConnection, file: TableFile, rejects: str, findings: Findings
) -> int:
    """Report the rows the CSV parser rejected; returns how many there were."""
    reasons = " ".join(f"WHEN {literal(k)} THEN {literal(v)}" for k, v in _REJECTED_CSV_ROW.items())
    check = problems(
        file.table,
        file.name,
        # A row missing several values has an error per value; report the row once.
        "FROM (SELECT line - 1 AS data_row, min(error_type::VARCHAR) AS kind, "
        "trim(any_value(csv_line), chr(13) || chr(10)) AS text, "
        f"min(error_message) AS error_message FROM {rejects} GROUP BY line)",
        cap=literal(f"{file.name}: rows must have one value per column of the header"),
        row="data_row",
        value="left(text, 200)",
        rule=f"CASE kind {reasons} ELSE error_message END",
    )
    collect(con, [check], findings)
    (rejected,) = con.execute(f"SELECT count(*) FROM {rejects}").fetchone() or (0,)
    return int(rejected)


def _stage_parquet(
    con: duckdb.DuckDBPyConnection, file: TableFile, findings: Findings
) -> Staged | None:
    source = f"read_parquet({literal(str(file.path))})"
    described = con.execute(f"DESCRIBE SELECT * FROM {source}").fetchall()
    header = [name for name, *_ in described]
    if not _columns_usable(file, header, findings):
        return None

    # Typed Parquet values become text here and are checked like any other file's: a
    # DATE prints as YYYY-MM-DD, a TIMESTAMP as ISO 8601, a DOUBLE as a plain number.
    table = TABLES[file.table]
    dates = {c.name for c in table.columns if c.type == "date"}
    values = ", ".join(
        f"{_parquet_text(name, kind, name in dates)} AS {ident(name)}"
        for name, kind, *_ in described
    )
    return Staged(file, f"SELECT {values or 'NULL AS __empty'} FROM {source}", tuple(header))


def _parquet_text(name: str, kind: str, is_date: bool) -> str:
    """SQL for a Parquet value as text. pandas writes dates as timestamps at midnight;
    for a date column those print as the date (any other time stays, and is reported)."""
    value = ident(name)
    if is_date and kind.startswith("TIMESTAMP") and "TIME ZONE" not in kind:
        return (
            f"CASE WHEN {value} = date_trunc('day', {value}) "
            f"THEN strftime({value}, '%Y-%m-%d') ELSE CAST({value} AS VARCHAR) END"
        )
    return f"CAST({value} AS VARCHAR)"


def _stage_jsonl(
    con: duckdb.DuckDBPyConnection, file: TableFile, findings: Findings
) -> Staged | None:
    # Lines are read whole as text: a line is one row, numbered by its position. Without
    # strict mode a stray separator character only cuts its line short, which then is
    # invalid JSON.
    lines = _relation(file, "lines")
    con.execute(
        f"CREATE TEMP TABLE {lines} AS SELECT line, "
        "coalesce(try(json_type(line)) = 'OBJECT', false) AS ok "
        f"FROM read_csv({literal(str(file.path))}, columns = {{'line': 'VARCHAR'}}, "
        f"header = false, auto_detect = false, delim = chr({ord(_JSONL_SPLIT)}), "
        "quote = '', escape = '', strict_mode = false)"
    )

    rule = "must be a JSON object on one line"
    check = problems(
        file.table,
        file.name,
        f"FROM {lines} WHERE NOT ok AND trim(line) <> ''",
        cap=literal(f"{file.name}: {rule}"),
        row="rowid + 1",
        value="left(line, 200)",
        rule=literal(rule),
    )
    collect(con, [check], findings)

    # A file without a single object has no rows, and no columns to miss either.
    header = _json_keys(con, lines) or list(TABLES[file.table].column_names)
    if not _columns_usable(file, header, findings):
        return None
    # One extraction per line for all keys: the line is parsed once, not once per key.
    pointers = ", ".join(literal(_json_pointer(key)) for key in header)
    values = "".join(
        f", v[{position}] AS {ident(key)}" for position, key in enumerate(header, start=1)
    )
    query = (
        f"SELECT {ROW}{values} FROM (SELECT rowid + 1 AS {ROW}, "
        f"json_extract_string(line, [{pointers}]) AS v FROM {lines} WHERE ok)"
    )
    return Staged(file, query, tuple(header), numbered=True, relations=(lines,))


def _json_keys(con: duckdb.DuckDBPyConnection, lines: str) -> list[str]:
    """Every key of any object, in the order they first appear.

    Grouping by the whole key list first keeps this to a handful of distinct lists even
    for millions of lines."""
    key_lists = con.execute(
        f"SELECT json_keys(line) AS keys, min(rowid) AS first FROM {lines} WHERE ok "
        "GROUP BY keys ORDER BY first"
    ).fetchall()
    keys: dict[str, None] = {}
    for key_list, _ in key_lists:
        keys.update(dict.fromkeys(key_list))
    return list(keys)


def _json_pointer(key: str) -> str:
    """An RFC 6901 pointer to a top-level key, exact for any characters in the key."""
    return "/" + key.replace("~", "~0").replace("/", "~1")
