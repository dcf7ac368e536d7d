"""Shared fixtures: small stores built by hand, and the path to the reference datasets."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from caresight.dataset.schema import TABLES, store_ddl
from caresight.store import Store

StoreFactory = Callable[..., Path]


def write_tables(store: Store, tables: dict[str, list[dict[str, Any]]]) -> None:
    """Create contract tables and insert rows given as dicts (missing columns are empty)."""
    for name, rows in tables.items():
        table = TABLES[name]
        store.con.execute(f'DROP TABLE IF EXISTS "{name}"')
        store.con.execute(store_ddl(table))
        if not rows:
            continue
        unknown = {key for row in rows for key in row} - set(table.column_names)
        assert not unknown, f"{name} has no columns {unknown}"
        placeholders = ", ".join("?" for _ in table.columns)
        store.con.executemany(
            f'INSERT INTO "{name}" VALUES ({placeholders})',
            [[row.get(c) for c in table.column_names] for row in rows],
        )


@pytest.fixture
def make_store(tmp_path: Path) -> StoreFactory:
    """Build a store from rows: make_store(accounts=[...], subscription_lines=[...])."""
    counter = iter(range(1_000_000))

    def build(**tables: list[dict[str, Any]]) -> Path:
        path = tmp_path / f"store-{next(counter)}.duckdb"
        with Store(path, create=True) as store:
            write_tables(store, tables)
        return path

    return build
