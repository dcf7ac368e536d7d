"""Loading into the store: all or nothing, whole replacement, fingerprint, progress, logs."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from caresight.dataset.load import load_dataset
from caresight.errors import StoreError, Violation
from caresight.kpis.catalog import KPI_VALUES_DDL
from caresight.store import Store
from dataset.conftest import write_table


@pytest.fixture
def loaded_store(base_tables, write_dataset, config, tmp_path: Path) -> Path:
    """A store holding the base dataset and a stale KPI result from it."""
    store = tmp_path / "loaded.duckdb"
    load_dataset(store, write_dataset(base_tables), config)
    with Store(store) as opened:
        opened.con.execute(KPI_VALUES_DDL)
        opened.set_meta(kpis_as_of="2024-06-30")
    return store


def test_a_dataset_with_five_kinds_of_error_is_rejected_whole_and_changes_nothing(
    loaded_store: Path, base_tables, write_dataset, config, read_store, rejected
) -> None:
    before = read_store(loaded_store)
    bytes_before = loaded_store.read_bytes()

    base_tables["accounts"][0]["channel"] = "partner"
    base_tables["subscription_lines"][0]["account_id"] = "A404"
    base_tables["subscription_lines"][1]["end_on"] = "2024-01-15"
    base_tables["renewals"].append({**base_tables["renewals"][0]})
    for row in base_tables["tickets"]:
        del row["severity"]
    error = rejected(loaded_store, write_dataset(base_tables), config)

    assert error.violations == [
        Violation(
            "accounts",
            "accounts.csv",
            1,
            "channel",
            "partner",
            "must be one of direct, white_label, oem, reseller",
        ),
        Violation(
            "subscription_lines",
            "subscription_lines.csv",
            1,
            "account_id",
            "A404",
            "must match an account_id in accounts.csv",
        ),
        Violation(
            "subscription_lines",
            "subscription_lines.csv",
            2,
            "end_on",
            "2024-01-15",
            "end_on must not be before start_on",
        ),
        Violation(
            "renewals",
            "renewals.csv",
            2,
            "renewal_id",
            "R1",
            "renewal_id must be unique; row 1 has the same",
        ),
        Violation(
            "tickets",
            "tickets.csv",
            None,
            "severity",
            None,
            "is a required column and the file does not have it",
        ),
    ]
    assert read_store(loaded_store) == before
    # Nothing was written, so the file is the same to the byte.
    assert loaded_store.read_bytes() == bytes_before


def test_an_invalid_dataset_creates_no_store_file(
    base_tables, write_dataset, config, rejected, tmp_path: Path
) -> None:
    base_tables["accounts"][0]["name"] = ""
    folder = write_dataset(base_tables)
    stores = tmp_path / "stores"
    stores.mkdir()
    rejected(stores / "new.duckdb", folder, config)
    assert list(stores.iterdir()) == []


def test_loading_the_same_dataset_twice_gives_the_same_store(
    base_tables, write_dataset, config, read_store, tmp_path: Path
) -> None:
    folder = write_dataset(base_tables)
    once, twice = tmp_path / "once.duckdb", tmp_path / "twice.duckdb"
    first = load_dataset(once, folder, config)
    load_dataset(twice, folder, config)
    second = load_dataset(twice, folder, config)

    assert read_store(twice) == read_store(once)
    assert second == first


def test_a_second_dataset_replaces_the_first_and_its_results(
    loaded_store: Path, base_tables, write_dataset, config, read_store, read_rows
) -> None:
    smaller = {
        "accounts": base_tables["accounts"][:1],
        "subscription_lines": base_tables["subscription_lines"][:1],
    }
    folder = write_dataset(smaller)
    result = load_dataset(loaded_store, folder, config)

    assert result.rows == {"accounts": 1, "subscription_lines": 1}
    assert sorted(read_store(loaded_store)) == ["accounts", "caresight_meta", "subscription_lines"]
    meta = dict(read_rows(loaded_store, "caresight_meta"))
    assert meta["dataset_fingerprint"] == result.fingerprint
    assert meta["dataset_folder"] == str(folder.resolve())
    assert read_rows(loaded_store, "subscription_lines", "line_id") == [("L1",)]


def test_the_fingerprint_follows_the_bytes_of_the_files(
    base_tables, write_dataset, config, tmp_path: Path
) -> None:
    folder = write_dataset(base_tables)
    first = load_dataset(tmp_path / "a.duckdb", folder, config).fingerprint
    again = load_dataset(tmp_path / "b.duckdb", write_dataset(base_tables), config).fingerprint
    (folder / "README.md").write_text("not part of the dataset")
    unrelated = load_dataset(tmp_path / "c.duckdb", folder, config).fingerprint
    base_tables["accounts"][0]["name"] = "Renamed"
    changed = load_dataset(tmp_path / "d.duckdb", write_dataset(base_tables), config).fingerprint

    assert len(first) == 64
    assert first == again == unrelated
    assert changed != first


def test_rows_are_stored_in_file_order(
    base_tables, write_dataset, config, read_rows, tmp_path: Path
) -> None:
    base_tables["fx_rates"].reverse()
    store = tmp_path / "s.duckdb"
    load_dataset(store, write_dataset(base_tables), config)
    months = [month for (month,) in read_rows(store, "fx_rates", "month")]
    assert months == [f"2024-{m:02d}" for m in (6, 5, 4, 3, 2, 1)]


def test_progress_is_reported_per_table_for_reading_checking_and_writing(
    base_tables, write_dataset, config, tmp_path: Path
) -> None:
    calls: list[tuple[str, int, int]] = []
    load_dataset(
        tmp_path / "s.duckdb",
        write_dataset(base_tables),
        config,
        progress=lambda label, done, total: calls.append((label, done, total)),
    )
    tables = len(base_tables)
    by_label: dict[str, list[tuple[int, int]]] = {}
    for label, done, total in calls:
        by_label.setdefault(label, []).append((done, total))
    assert by_label == {
        "Reading dataset files": [(n, tables) for n in range(1, tables + 1)],
        # One step per table, and one for FX coverage across tables.
        "Checking the dataset": [(n, tables + 1) for n in range(1, tables + 2)],
        "Writing the store": [(n, tables) for n in range(1, tables + 1)],
    }


def test_a_load_logs_one_line_per_table_and_a_rejection_one_line(
    base_tables, write_dataset, config, caplog, rejected, tmp_path: Path
) -> None:
    folder = write_dataset(base_tables)
    with caplog.at_level(logging.INFO, logger="caresight.dataset"):
        load_dataset(tmp_path / "s.duckdb", folder, config)
    loaded = [r.getMessage() for r in caplog.records if r.getMessage().startswith("loaded")]
    assert len(loaded) == len(base_tables)
    assert "loaded accounts: 2 rows from accounts.csv" in loaded

    caplog.clear()
    base_tables["accounts"][0]["channel"] = "x"
    base_tables["accounts"][1]["channel"] = "y"
    folder = write_dataset(base_tables)
    with caplog.at_level(logging.INFO, logger="caresight.dataset"):
        rejected(tmp_path / "s.duckdb", folder, config)
    assert [r.getMessage() for r in caplog.records] == [
        f"rejected the dataset in {folder}: 2 violations"
    ]


def test_a_store_in_a_folder_that_does_not_exist_is_a_clear_error(
    base_tables, write_dataset, config, tmp_path: Path
) -> None:
    with pytest.raises(StoreError, match=r"the folder .*missing does not exist"):
        load_dataset(tmp_path / "missing" / "s.duckdb", write_dataset(base_tables), config)


@pytest.mark.parametrize("fmt", ["csv", "jsonl", "parquet"])
def test_a_required_table_with_no_rows_is_refused(
    base_tables, write_dataset, config, rejected, tmp_path: Path, fmt: str
) -> None:
    folder = write_dataset(base_tables)
    (folder / "subscription_lines.csv").unlink()
    columns = list(base_tables["subscription_lines"][0])
    write_table(folder / f"subscription_lines.{fmt}", [], columns)
    error = rejected(tmp_path / "s.duckdb", folder, config)
    assert [(v.file, v.rule) for v in error.violations] == [
        (f"subscription_lines.{fmt}",
         "has no rows; subscription_lines is required and must have at least one row"),
    ]


def test_an_amount_too_large_to_be_real_is_refused(
    base_tables, write_dataset, config, rejected, tmp_path: Path
) -> None:
    base_tables["subscription_lines"][0]["amount"] = "1e308"
    error = rejected(tmp_path / "s.duckdb", write_dataset(base_tables), config)
    assert [(v.row, v.column, v.value, v.rule) for v in error.violations] == [
        (1, "amount", "1e308", "must be between 0 and 1e+12"),
    ]
