"""Fixtures for the loader's tests: dataset folders written by the test, and store reads."""

from __future__ import annotations

import csv
import json
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from caresight.config import Config
from caresight.dataset.load import load_dataset
from caresight.errors import DatasetInvalid
from caresight.store import Store
from factories import account, line

AS_OF = date(2024, 6, 30)

Rows = list[dict[str, Any]]
DatasetWriter = Callable[..., Path]


def _columns(rows: Rows) -> list[str]:
    names: dict[str, None] = {}
    for row in rows:
        names.update(dict.fromkeys(row))
    return list(names)


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def write_table(path: Path, rows: Rows, columns: list[str] | None = None) -> None:
    """Write rows as CSV, JSONL or Parquet, chosen by the path's suffix; `columns` names
    the columns when there may be no rows to take them from."""
    columns = columns or _columns(rows)
    if path.suffix == ".csv":
        with path.open("w", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(columns)
            writer.writerows([[_text(row.get(c)) for c in columns] for row in rows])
    elif path.suffix == ".jsonl":
        path.write_text("".join(json.dumps(row) + "\n" for row in rows))
    elif rows:
        # Parquet columns take the Python values' types: numbers stay numbers.
        pq.write_table(
            pa.Table.from_pylist([{c: row.get(c) for c in columns} for row in rows]), path
        )
    else:
        pq.write_table(pa.table({c: pa.array([], pa.string()) for c in columns}), path)


@pytest.fixture
def config() -> Config:
    return Config(as_of=AS_OF)


@pytest.fixture
def base_tables() -> dict[str, Rows]:
    """A small valid dataset touching every kind of column: text, dates, timestamps,
    numbers, whole numbers, booleans, months, keys, references and FX."""
    tables: dict[str, Rows] = {
        "accounts": [
            account("A1"),
            account("A2", channel="reseller", partner_id="P1"),
        ],
        "partners": [{"partner_id": "P1", "name": "Partner One", "partner_type": "reseller"}],
        "subscription_lines": [
            line("L1", "A1", "2024-01-01", 100),
            # EUR from February through the as-of month: needs EUR rates 2024-02..2024-06.
            line("L2", "A2", "2024-02-01", 50, currency="EUR", end_on="2024-12-31"),
        ],
        "fx_rates": [
            {"currency": "EUR", "month": f"2024-{m:02d}", "rate": 1.1} for m in range(1, 7)
        ],
        "renewals": [
            {
                "renewal_id": "R1",
                "account_id": "A1",
                "due_on": "2024-05-01",
                "arr_due": 1200,
                "currency": "USD",
                "outcome": "renewed",
                "renewed_arr": 1100,
                "closed_on": "2024-04-20",
            },
        ],
        "renewal_forecasts": [
            {
                "renewal_id": "R1",
                "as_of": "2024-02-01",
                "forecast_arr": 1000,
                "category": "commit",
                "probability": 0.9,
            },
        ],
        "tickets": [
            {
                "ticket_id": "T1",
                "account_id": "A1",
                "opened_at": "2024-03-01T10:00:00Z",
                "resolved_at": "2024-03-02T10:00:00Z",
                "severity": "sev2",
                "category": "how_to",
                "cause_owner": "customer",
                "handled_by": "platform",
                "reopened": 0,
            },
        ],
        "business_reviews": [
            {
                "review_id": "B1",
                "account_id": "A1",
                "due_on": "2024-03-01",
                "held_on": "2024-03-05",
                "sponsor_attended": "true",
            },
        ],
    }
    return tables


@pytest.fixture
def write_dataset(tmp_path: Path) -> DatasetWriter:
    """write_dataset(tables, fmt="csv") -> a new folder with one file per table."""
    counter = iter(range(1_000_000))

    def write(tables: dict[str, Rows], fmt: str = "csv") -> Path:
        folder = tmp_path / f"dataset-{next(counter)}"
        folder.mkdir()
        for name, rows in tables.items():
            write_table(folder / f"{name}.{fmt}", rows)
        return folder

    return write


def store_contents(path: Path) -> dict[str, Any]:
    """Everything a store holds: each table's columns with types, and its rows sorted."""
    with Store(path, read_only=True) as store:
        names = [
            row[0]
            for row in store.con.execute(
                "SELECT table_name FROM duckdb_tables() WHERE NOT temporary ORDER BY 1"
            ).fetchall()
        ]
        contents: dict[str, Any] = {}
        for name in names:
            columns = store.con.execute(f'DESCRIBE "{name}"').fetchall()
            rows = store.con.execute(f'SELECT * FROM "{name}"').fetchall()
            contents[name] = (
                [(c[0], c[1]) for c in columns],
                sorted(rows, key=lambda row: tuple(map(repr, row))),
            )
    return contents


def table_rows(path: Path, table: str, columns: str = "*") -> list[tuple[Any, ...]]:
    """The rows of one store table, in stored order."""
    with Store(path, read_only=True) as store:
        return store.con.execute(f'SELECT {columns} FROM "{table}"').fetchall()


@pytest.fixture
def write_file() -> Callable[..., None]:
    """write_file(path, rows, columns=None): one table file, its format chosen by the
    suffix."""
    return write_table


def _rejected(store: Path, folder: Path, config: Config) -> DatasetInvalid:
    with pytest.raises(DatasetInvalid) as raised:
        load_dataset(store, folder, config)
    return raised.value


@pytest.fixture
def rejected() -> Callable[[Path, Path, Config], DatasetInvalid]:
    """rejected(store, folder, config): the DatasetInvalid a load must raise."""
    return _rejected


@pytest.fixture
def read_store() -> Callable[[Path], dict[str, Any]]:
    return store_contents


@pytest.fixture
def read_rows() -> Callable[..., list[tuple[Any, ...]]]:
    return table_rows
