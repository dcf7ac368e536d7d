"""Checking staged files against the contract, every rule as set-based SQL.

Each staged file becomes one typed table (`Checked`): the contract's columns converted to
their store types, the original text of every non-text column beside them (so messages
quote what the user wrote), and the file's extra columns as text. Each rule is a SELECT
of the rows that break it; `collect` runs all of a file's rules as one query that
returns the first violations of each rule and how many there are.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from caresight.dataset.findings import Findings
from caresight.dataset.reader import Staged, TableFile, numbered_rows
from caresight.dataset.schema import STORE_TYPES, TABLES, Column, Table
from caresight.dataset.sql import ROW, ident, literal, problems

if TYPE_CHECKING:
    import duckdb

#: Prefix of the column holding a value's original text, beside its typed column.
TEXT = "__text__"

_TIME = r"[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]+)?)?"

#: The exact shape each type's text must have; DuckDB's casts alone accept more (a
#: BIGINT cast rounds 12.5, a DATE cast takes 2024-1-1 and trailing spaces).
_SHAPES = {
    "date": r"[0-9]{4}-[0-9]{2}-[0-9]{2}",
    "month": r"[0-9]{4}-(0[1-9]|1[0-2])",
    "timestamp": _TIME + "Z?",
    "timestamp_offset": _TIME + r"[+-][0-9]{2}(:?[0-9]{2})?",
    "decimal": r"[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?",
    # Spreadsheets and pandas write whole numbers as 12.0; that is still 12.
    "int": r"[+-]?[0-9]+(\.0*)?",
}

_TYPE_RULES = {
    "date": "must be a valid date written YYYY-MM-DD",
    "month": "must be a valid month written YYYY-MM",
    "timestamp": "must be an ISO 8601 timestamp such as 2024-03-01T09:30:00Z",
    "decimal": "must be a number",
    "int": "must be a whole number",
    "bool": "must be true or false (any case), or 1 or 0",
}


@dataclass(frozen=True)
class Checked:
    """One file's rows, typed, in the temporary view `relation` (with their data row
    number in `ROW`)."""

    table: Table
    file: TableFile
    relation: str
    present: tuple[str, ...]  # contract columns the file has
    extras: tuple[str, ...]  # the file's other columns, kept as text

    @property
    def missing_required(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.table.columns if c.required and not self.has(c.name))

    def has(self, column: str) -> bool:
        return column in self.present

    def text(self, column: Column) -> str:
        """SQL for the value as the file wrote it."""
        if not self.has(column.name):
            return "CAST(NULL AS VARCHAR)"
        return ident(column.name if column.type == "str" else TEXT + column.name)

    def clean(self) -> str:
        """SQL condition: the row passed every single-column check of the columns the file
        has (a missing column is reported once, for the file, and does not hide the rows'
        other errors)."""
        problems = [_problem(c, self.text(c)) for c in self.table.columns if self.has(c.name)]
        return " AND ".join(f"({p}) IS NULL" for p in problems if p) or "true"


def type_rows(con: duckdb.DuckDBPyConnection, staged: Staged, findings: Findings) -> Checked:
    """Read a staged file into its typed table, in one pass over the file."""
    file = staged.file
    table = TABLES[file.table]
    present = tuple(c for c in table.column_names if c in staged.columns)
    extras = _extra_columns(file, table, staged.columns, findings)

    selected = [ROW] if staged.numbered else []
    for column in table.columns:
        if column.name not in present:
            selected.append(f"CAST(NULL AS {STORE_TYPES[column.type]}) AS {ident(column.name)}")
            continue
        selected.append(f"{typed_value(column, ident(column.name))} AS {ident(column.name)}")
        if column.type != "str":
            selected.append(f"{ident(column.name)} AS {ident(TEXT + column.name)}")
    selected += [ident(name) for name in extras]

    rows, relation = f"_load_rows_{file.table}", f"_load_{file.table}"
    con.execute(f"CREATE TEMP TABLE {rows} AS SELECT {', '.join(selected)} FROM ({staged.query})")
    con.execute(f"CREATE TEMP VIEW {relation} AS {numbered_rows(con, staged, rows, findings)}")
    for staging in staged.relations:
        con.execute(f"DROP TABLE IF EXISTS {staging}")
    return Checked(table, file, relation, present, extras)


def _extra_columns(
    file: TableFile, table: Table, columns: tuple[str, ...], findings: Findings
) -> tuple[str, ...]:
    """The file's columns outside the contract; one that differs from a contract column
    only in case or surrounding spaces is a mistake, not an extra."""
    contract = {name.lower(): name for name in table.column_names}
    extras, misspelt = [], []
    for name in columns:
        if name in table.column_names:
            continue
        if name.strip().lower() in contract:
            rule = f"column names are exact: name it {contract[name.strip().lower()]}"
            misspelt.append(file.violation(rule, column=name))
        elif name.lower() == ROW or name.lower().startswith(TEXT):
            rule = "is a column name the loader uses itself; rename the column"
            misspelt.append(file.violation(rule, column=name))
        else:
            extras.append(name)
    findings.add(f"{file.name}: column names are exact", misspelt)
    return tuple(extras)


def _blank(text: str) -> str:
    """SQL: the text is missing, empty or only spaces (trimming only what starts with a
    space keeps this cheap on millions of values)."""
    return f"({text} IS NULL OR {text} = '' OR (starts_with({text}, ' ') AND trim({text}) = ''))"


def typed_value(column: Column, text: str) -> str:
    """SQL converting the text `text` to the column's store type; NULL when empty or
    malformed (the checks tell those apart with the text kept beside it)."""
    kind = column.type
    if kind == "str":
        return f"CASE WHEN NOT {_blank(text)} THEN {text} END"
    if kind == "bool":
        return (
            f"CASE lower({text}) WHEN 'true' THEN true WHEN '1' THEN true "
            "WHEN 'false' THEN false WHEN '0' THEN false END"
        )
    shaped = f"regexp_full_match({text}, {literal(_SHAPES[kind])})"
    if kind == "month":
        return f"CASE WHEN {shaped} THEN {text} END"
    if kind == "date":
        return f"CASE WHEN {shaped} THEN try_cast({text} AS DATE) END"
    if kind == "int":
        return f"CASE WHEN {shaped} THEN try_cast({text} AS BIGINT) END"
    if kind == "decimal":
        number = f"try_cast({text} AS DOUBLE)"
        return f"CASE WHEN {shaped} AND isfinite({number}) THEN {number} END"
    # Without an offset (or with Z) a timestamp is UTC and casts straight to TIMESTAMP.
    # The TIMESTAMP cast would drop a numeric offset, so those go through TIMESTAMPTZ,
    # which applies it; the store's session time zone is UTC, so the result is UTC.
    offset = f"regexp_full_match({text}, {literal(_SHAPES['timestamp_offset'])})"
    return (
        f"CASE WHEN {shaped} THEN try_cast({text} AS TIMESTAMP) "
        f"WHEN {offset} THEN try_cast(try_cast({text} AS TIMESTAMPTZ) AS TIMESTAMP) END"
    )


def _problem(column: Column, text: str) -> str | None:
    """SQL naming the first rule the column's value breaks in a row, or NULL; None when
    the column has no rule to break."""
    typed = ident(column.name)
    empty = f"{typed} IS NULL" if column.type == "str" else _blank(text)
    branches = [(empty, literal("must not be empty") if column.required else "NULL")]
    if column.type != "str":
        branches.append((f"{typed} IS NULL", literal(_TYPE_RULES[column.type])))
    if column.enum:
        allowed = ", ".join(literal(v) for v in column.enum)
        branches.append((f"{typed} NOT IN ({allowed})", literal(_one_of(column.enum))))
    if column.choices:
        allowed = ", ".join(str(v) for v in column.choices)
        branches.append((f"{typed} NOT IN ({allowed})", literal(_one_of(column.choices))))
    bounds = _bounds(column)
    if bounds:
        branches.append(bounds)
    if len(branches) == 1 and branches[0][1] == "NULL":
        return None
    cases = " ".join(f"WHEN {condition} THEN {rule}" for condition, rule in branches)
    return f"CASE {cases} END"


def _one_of(values: tuple[str, ...] | tuple[int, ...]) -> str:
    return "must be one of " + ", ".join(str(v) for v in values)


def _bounds(column: Column) -> tuple[str, str] | None:
    typed, low, high = ident(column.name), column.minimum, column.maximum
    below = f"{typed} {'<=' if column.exclusive_minimum else '<'} {low}"
    if low is not None and high is not None:
        return (f"{below} OR {typed} > {high}", literal(f"must be between {low:g} and {high:g}"))
    if low is not None:
        word = "greater than" if column.exclusive_minimum else "at least"
        return (below, literal(f"must be {word} {low:g}"))
    if high is not None:
        return (f"{typed} > {high}", literal(f"must be at most {high:g}"))
    return None


def table_checks(checked: Checked, tables: dict[str, Checked], findings: Findings) -> list[str]:
    """Every single-table rule and reference of one file, as SQL for `collect`; missing
    required columns are reported here, as they need no query."""
    file = checked.file
    findings.add(
        f"{file.name}: a required column is missing",
        [
            file.violation("is a required column and the file does not have it", column=name)
            for name in checked.missing_required
        ],
    )
    return [
        *_value_checks(checked),
        *_key_checks(checked),
        *_reference_checks(checked, tables),
        *_row_rule_checks(checked),
    ]


def _check(checked: Checked, source: str, **parts: Any) -> str:
    return problems(checked.table.name, checked.file.name, source, **parts)


def _value_checks(checked: Checked) -> list[str]:
    """Each value's emptiness, type, enumeration, choices and bounds: the first rule a
    value breaks, capped per rule over the whole file."""
    checks = []
    for position, column in enumerate(checked.table.columns):
        problem = _problem(column, checked.text(column)) if checked.has(column.name) else None
        if problem:
            checks.append(
                _check(
                    checked,
                    f"FROM (SELECT {ROW}, {checked.text(column)} AS text, {problem} AS broken "
                    f"FROM {checked.relation}) WHERE broken IS NOT NULL",
                    cap=f"{literal(checked.file.name + ': ')} || broken",
                    row=ROW,
                    column=column.name,
                    position=position,
                    value="text",
                    rule="broken",
                )
            )
    return checks


def _key_checks(checked: Checked) -> list[str]:
    """Every row whose key an earlier row already has, naming that earlier row."""
    key = checked.table.key
    if not key or not all(checked.has(name) for name in key):
        return []
    columns = ", ".join(ident(name) for name in key)
    given = " AND ".join(f"{ident(name)} IS NOT NULL" for name in key)
    value = " || ', ' || ".join(f"CAST(t.{ident(name)} AS VARCHAR)" for name in key)
    names = ", ".join(key)
    rule = f"{names} must be unique" if len(key) == 1 else f"({names}) must be unique together"
    # Grouping first finds the (usually no) repeated keys cheaply; only their rows are
    # then looked up.
    return [
        _check(
            checked,
            f"FROM {checked.relation} t JOIN (SELECT {columns}, min({ROW}) AS first "
            f"FROM {checked.relation} WHERE {given} GROUP BY ALL HAVING count(*) > 1) "
            f"USING ({columns}) WHERE t.{ROW} > first",
            cap=literal(f"{checked.file.name}: {rule}"),
            row=f"t.{ROW}",
            column=names,
            value=value,
            rule=f"{literal(rule + '; row ')} || first || ' has the same'",
        )
    ]


def _reference_checks(checked: Checked, tables: dict[str, Checked]) -> list[str]:
    """Every reference that is set resolves, when the referenced table is in the dataset."""
    checks = []
    for position, column in enumerate(checked.table.columns):
        if column.references is None or not checked.has(column.name):
            continue
        target_table, target_column = column.references
        target = tables.get(target_table)
        if target is None or not target.has(target_column):
            continue

        name = ident(column.name)
        article = "an" if target_column[0] in "aeiou" else "a"
        rule = f"must match {article} {target_column} in {target.file.name}"
        checks.append(
            _check(
                checked,
                f"FROM {checked.relation} c ANTI JOIN {target.relation} t "
                f"ON c.{name} = t.{ident(target_column)} WHERE c.{name} IS NOT NULL",
                cap=literal(f"{checked.file.name}: {column.name} {rule}"),
                row=f"c.{ROW}",
                column=column.name,
                position=position,
                value=f"c.{name}",
                rule=literal(rule),
            )
        )
    return checks


def _columns_in(predicate: str, table: Table) -> list[str]:
    """The table's columns a row rule's predicate names."""
    words = set(re.findall(r"[a-z_]+", predicate))
    return [name for name in table.column_names if name in words]


def _row_rule_checks(checked: Checked) -> list[str]:
    """Rules across columns, on rows whose values passed their own checks; a predicate
    that is NULL (an optional value not given) holds."""
    clean = checked.clean()
    checks = []
    for rule in checked.table.rules:
        if not all(checked.has(name) for name in _columns_in(rule.predicate, checked.table)):
            continue
        column = checked.table.column(rule.columns[0])
        checks.append(
            _check(
                checked,
                f"FROM {checked.relation} WHERE {clean} AND NOT coalesce(({rule.predicate}), true)",
                cap=literal(f"{checked.file.name}: {rule.name}"),
                row=ROW,
                column=column.name,
                position=checked.table.column_names.index(column.name),
                value=checked.text(column),
                rule=literal(rule.name),
            )
        )
    return checks
