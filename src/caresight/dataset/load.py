"""Loading a dataset folder into the store, all or nothing.

`load_dataset` reads every file into staging tables of the store's connection, checks
every rule of the contract, and only when nothing is wrong replaces the store's whole
dataset in one transaction. A dataset with any violation raises `DatasetInvalid` with all
of them and leaves the store as it was; a store that did not exist is not created.
"""

from __future__ import annotations

import hashlib
import logging
import os
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from caresight.dataset.checks import Checked, table_checks, type_rows
from caresight.dataset.coverage import fx_checks
from caresight.dataset.findings import Findings
from caresight.dataset.reader import TableFile, find_table_files, stage_file, unreadable
from caresight.dataset.schema import TABLES, store_ddl
from caresight.dataset.sql import collect, ident
from caresight.errors import StoreError
from caresight.kpis import usage
from caresight.kpis.catalog import RESULT_TABLES
from caresight.store import Store

if TYPE_CHECKING:
    import duckdb

    from caresight.config import Config

log = logging.getLogger(__name__)

Progress = Callable[[str, int, int], None]

#: Results computed from the previous dataset; a new dataset makes them stale.


@dataclass(frozen=True)
class LoadResult:
    """What a load put in the store."""

    rows: dict[str, int]  # rows loaded per table, in contract order
    fingerprint: str  # sha256 over the table files' names and bytes


def load_dataset(
    store_path: Path,
    folder: Path,
    config: Config,
    progress: Progress | None = None,
) -> LoadResult:
    """Validate the dataset in `folder` and make it the store's dataset.

    Raises `DatasetInvalid` with every violation (and changes nothing) when the dataset
    breaks the contract; creates the store when it does not exist yet.
    """
    report = progress or _no_progress
    findings = Findings()
    files = find_table_files(folder, findings)

    with _store_for_loading(store_path, config.memory_limit) as store:
        tables = _read_and_check(store.con, files, config, findings, report)
        if findings:
            log.info("rejected the dataset in %s: %d violations", folder, findings.count)
            raise findings.error()

        fingerprint = fingerprint_files(files.values())
        rows = _replace_dataset(store, tables, fingerprint, folder, report, config)

    for name, count in rows.items():
        log.info("loaded %s: %d rows from %s", name, count, files[name].name)
    return LoadResult(rows, fingerprint)


def _no_progress(label: str, done: int, total: int) -> None:
    """Progress goes nowhere when nobody draws it."""


def _read_and_check(
    con: duckdb.DuckDBPyConnection,
    files: dict[str, TableFile],
    config: Config,
    findings: Findings,
    report: Progress,
) -> dict[str, Checked]:
    """Stage and type every file, then run every rule; returns the typed tables."""
    tables: dict[str, Checked] = {}
    for done, file in enumerate(files.values(), start=1):
        checked = _read_table(con, file, findings)
        if checked is not None:
            tables[file.table] = checked
        report("Reading dataset files", done, len(files))

    _require_rows(con, tables, findings)

    # Row rules and FX coverage look only at rows whose values passed, so that one bad
    # value is reported once, by the check it broke.
    steps = len(tables) + 1
    for done, checked in enumerate(tables.values(), start=1):
        collect(con, table_checks(checked, tables, findings), findings)
        report("Checking the dataset", done, steps)
    collect(con, fx_checks(con, tables, config, findings), findings)
    report("Checking the dataset", steps, steps)
    return tables


def _require_rows(
    con: duckdb.DuckDBPyConnection, tables: dict[str, Checked], findings: Findings
) -> None:
    """A required table with no rows is an error: loading it would replace the store's
    book with an empty one, and there would be nothing to measure."""
    for checked in tables.values():
        if not checked.table.required:
            continue
        rows = con.execute(f"SELECT count(*) FROM {checked.relation}").fetchall()
        if rows[0][0] == 0:
            rule = f"{checked.table.name} is required and must have at least one row"
            findings.add(rule, [checked.file.violation(f"has no rows; {rule}")])


def _read_table(
    con: duckdb.DuckDBPyConnection, file: TableFile, findings: Findings
) -> Checked | None:
    """One file read into its typed table; None when it cannot be read (reported)."""
    import duckdb

    # Only errors about the file itself are the user's to fix; others are bugs.
    file_errors = (duckdb.IOException, duckdb.InvalidInputException, duckdb.ConversionException)
    try:
        staged = stage_file(con, file, findings)
        return None if staged is None else type_rows(con, staged, findings)
    except file_errors as exc:
        rule, violation = unreadable(file, exc)
        findings.add(rule, [violation])
        return None


def fingerprint_files(files: Iterable[TableFile]) -> str:
    """A digest of the dataset: each table's file name and bytes, in contract order."""
    combined = hashlib.sha256()
    for file in files:
        with file.path.open("rb") as handle:
            digest = hashlib.file_digest(handle, "sha256").hexdigest()
        combined.update(f"{file.table}\t{file.name}\t{digest}\n".encode())
    return combined.hexdigest()


@contextmanager
def _store_for_loading(path: Path, memory_limit: str) -> Iterator[Store]:
    """The store to load into. A new store is built under a scratch name beside it and
    renamed into place only once the load has committed, so that a rejected or broken
    load leaves no store file behind."""
    if path.exists():
        with Store(path, memory_limit=memory_limit) as store:
            yield store
        return

    if not path.parent.is_dir():
        raise StoreError(f"cannot create the store {path}: the folder {path.parent} does not exist")
    scratch = path.with_name(f".{path.name}.loading-{os.getpid()}")
    try:
        with Store(scratch, create=True, memory_limit=memory_limit) as store:
            yield store
        os.replace(scratch, path)
    finally:
        for leftover in (scratch, Path(f"{scratch}.wal")):
            leftover.unlink(missing_ok=True)


def _replace_dataset(
    store: Store,
    tables: dict[str, Checked],
    fingerprint: str,
    folder: Path,
    report: Progress,
    config: Config,
) -> dict[str, int]:
    """In one transaction: drop the old dataset and its results, write the new one and
    summarise its usage events (see kpis/usage.py)."""
    con = store.con
    rows: dict[str, int] = {}
    con.execute("BEGIN TRANSACTION")
    try:
        for name in (*TABLES, *RESULT_TABLES, *usage.ROLLUP_TABLES):
            con.execute(f"DROP TABLE IF EXISTS main.{ident(name)}")
        for done, checked in enumerate(tables.values(), start=1):
            rows[checked.table.name] = _write_table(con, checked)
            report("Writing the store", done, len(tables))
        store.clear_meta("kpis_")
        store.clear_meta(usage.META_PREFIX)
        store.set_meta(dataset_fingerprint=fingerprint, dataset_folder=str(folder.resolve()))
        usage.build_at_load(store, config)
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise

    # Folding the write-ahead log into the file now makes a new store one complete file.
    con.execute("CHECKPOINT")
    return rows


def _write_table(con: duckdb.DuckDBPyConnection, checked: Checked) -> int:
    """Create a contract table (typed columns in contract order, then the file's extra
    columns as text) and fill it in file order; returns its row count."""
    name = ident(checked.table.name)
    con.execute(store_ddl(checked.table))
    for extra in checked.extras:
        con.execute(f"ALTER TABLE {name} ADD COLUMN {ident(extra)} VARCHAR")
    columns = ", ".join(ident(c) for c in (*checked.table.column_names, *checked.extras))
    inserted = con.execute(f"INSERT INTO {name} SELECT {columns} FROM {checked.relation}")
    (count,) = inserted.fetchone() or (0,)
    return int(count)
