"""Checks a written dataset folder against every rule of the contract, with DuckDB.

A stand-in for the loader's checks, built from `caresight.dataset.schema` so that the
demo tests cover every table, column, key, reference and row rule.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from caresight.dataset.schema import STORE_TYPES, TABLES, Table

_READERS = {
    "csv": "read_csv('{path}', header = true, all_varchar = true)",
    "parquet": "read_parquet('{path}')",
    "jsonl": "read_json('{path}', format = 'newline_delimited', columns = {{{columns}}})",
}


def open_folder(folder: Path, file_format: str) -> duckdb.DuckDBPyConnection:
    """A DuckDB connection holding each table of the folder as read (raw_<table>, text)
    and a typed view of it (<table>)."""
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    for table in TABLES.values():
        path = folder / f"{table.name}.{file_format}"
        columns = ", ".join(f"'{c.name}': 'VARCHAR'" for c in table.columns)
        reader = _READERS[file_format].format(path=path, columns=columns)
        typed = ", ".join(
            f'TRY_CAST("{c.name}" AS {STORE_TYPES[c.type]}) AS "{c.name}"'
            for c in table.columns
        )
        raw = ", ".join(f'CAST("{c.name}" AS VARCHAR) AS "{c.name}"' for c in table.columns)
        con.execute(f'CREATE TABLE "raw_{table.name}" AS SELECT {raw} FROM {reader}')
        con.execute(f'CREATE VIEW "{table.name}" AS SELECT {typed} FROM "raw_{table.name}"')
    return con


def _count(con: duckdb.DuckDBPyConnection, sql: str) -> int:
    row = con.execute(sql).fetchone()
    return int(row[0]) if row else 0


def _column_violations(con: duckdb.DuckDBPyConnection, table: Table) -> list[str]:
    found = []
    for c in table.columns:
        raw, typed = f'raw_{table.name}', table.name
        bad_type = _count(con, f'SELECT count(*) FROM "{raw}" r POSITIONAL JOIN "{typed}" t '
                               f'WHERE r."{c.name}" IS NOT NULL AND r."{c.name}" <> \'\' '
                               f'AND t."{c.name}" IS NULL')
        if bad_type:
            found.append(f"{table.name}.{c.name}: {bad_type} values of the wrong type")
        checks = []
        if c.required:
            checks.append(("required", f'"{c.name}" IS NULL'))
        if c.enum:
            values = ", ".join(f"'{v}'" for v in c.enum)
            checks.append(("enum", f'"{c.name}" NOT IN ({values})'))
        if c.choices:
            values = ", ".join(str(v) for v in c.choices)
            checks.append(("choices", f'"{c.name}" NOT IN ({values})'))
        if c.minimum is not None:
            op = "<=" if c.exclusive_minimum else "<"
            checks.append(("minimum", f'"{c.name}" {op} {c.minimum}'))
        if c.maximum is not None:
            checks.append(("maximum", f'"{c.name}" > {c.maximum}'))
        if c.type == "month":
            checks.append(("month", f"NOT regexp_full_match(\"{c.name}\", '\\d{{4}}-\\d{{2}}')"))
        if c.references:
            target, key = c.references
            checks.append(("reference", f'"{c.name}" IS NOT NULL AND "{c.name}" NOT IN '
                                        f'(SELECT "{key}" FROM "{target}")'))
        for rule, predicate in checks:
            bad = _count(con, f'SELECT count(*) FROM "{table.name}" WHERE {predicate}')
            if bad:
                found.append(f"{table.name}.{c.name}: {bad} rows break {rule}")
    return found


def violations(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Every broken contract rule, one line per rule and column with a count."""
    found: list[str] = []
    for table in TABLES.values():
        found += _column_violations(con, table)
        if table.key:
            key = ", ".join(f'"{k}"' for k in table.key)
            dupes = _count(con, f'SELECT count(*) FROM (SELECT {key} FROM "{table.name}" '
                                f"GROUP BY ALL HAVING count(*) > 1)")
            if dupes:
                found.append(f"{table.name}: {dupes} duplicated keys ({key})")
        for rule in table.rules:
            bad = _count(con, f'SELECT count(*) FROM "{table.name}" '
                              f"WHERE NOT ({rule.predicate})")
            if bad:
                found.append(f"{table.name}: {bad} rows break '{rule.name}'")
    return found
