"""Reading a dataset folder: which files count, how rows are numbered, broken files."""

from __future__ import annotations

import logging
from pathlib import Path

import duckdb
import pytest

from caresight.dataset.load import load_dataset
from caresight.errors import CaresightError, Violation
from factories import account


def test_files_that_name_no_table_are_skipped_and_logged(
    base_tables, write_dataset, config, caplog, tmp_path: Path
) -> None:
    folder = write_dataset(base_tables)
    (folder / "README.md").write_text("notes")
    (folder / "accounts.csv.gz").write_bytes(b"not read")
    (folder / "archive").mkdir()

    with caplog.at_level(logging.INFO, logger="caresight.dataset"):
        result = load_dataset(tmp_path / "s.duckdb", folder, config)

    skipped = sorted(r.getMessage() for r in caplog.records if "skipped" in r.getMessage())
    assert skipped == [
        f"skipped {name}: it is not a table file of the dataset format"
        for name in ("README.md", "accounts.csv.gz", "archive")
    ]
    assert result.rows["accounts"] == 2


def test_two_files_for_one_table_are_an_error(
    base_tables, write_dataset, write_file, config, tmp_path: Path, rejected
) -> None:
    folder = write_dataset(base_tables)
    write_file(folder / "tickets.jsonl", base_tables["tickets"])

    error = rejected(tmp_path / "s.duckdb", folder, config)
    assert [(v.table, v.file, v.rule) for v in error.violations] == [
        (
            "tickets",
            "tickets.csv, tickets.jsonl",
            "tickets is given by more than one file; keep one of tickets.csv, tickets.jsonl",
        )
    ]


def test_a_missing_required_table_is_reported_with_the_files_it_could_be(
    base_tables, write_dataset, config, tmp_path: Path, rejected
) -> None:
    del base_tables["subscription_lines"]
    error = rejected(tmp_path / "s.duckdb", write_dataset(base_tables), config)
    assert error.violations == [
        Violation(
            "subscription_lines",
            "subscription_lines.*",
            None,
            None,
            None,
            "the dataset needs the table subscription_lines, as one of subscription_lines.csv, "
            "subscription_lines.parquet, subscription_lines.jsonl",
        )
    ]


@pytest.mark.parametrize("what", ["missing", "a-file"])
def test_a_folder_that_is_not_there_is_a_clear_error(what: str, config, tmp_path: Path) -> None:
    folder = tmp_path / "data"
    if what == "a-file":
        folder.write_text("")
    message = "does not exist" if what == "missing" else "is not a folder"
    with pytest.raises(CaresightError, match=f"the dataset folder .*data {message}"):
        load_dataset(tmp_path / "s.duckdb", folder, config)
    assert not (tmp_path / "s.duckdb").exists()


@pytest.mark.parametrize("fmt", ["csv", "parquet", "jsonl"])
def test_rows_are_numbered_as_data_rows_of_the_file_even_near_the_end_of_a_long_file(
    fmt: str, base_tables, write_dataset, config, tmp_path: Path, rejected
) -> None:
    many = [account(f"A{i}") for i in range(3, 6003)]
    many[5990]["channel"] = "partner"  # data row 2 + 5990 + 1 = 5993
    many[5996]["deployment_model"] = ""  # data row 5999
    base_tables["accounts"] += many

    error = rejected(tmp_path / "s.duckdb", write_dataset(base_tables, fmt), config)
    assert [(v.row, v.column, v.value) for v in error.violations] == [
        (5993, "channel", "partner"),
        (5999, "deployment_model", None),
    ]


def test_rows_keep_file_order_in_a_file_large_enough_to_be_read_in_parallel(
    base_tables, write_dataset, config, read_rows, tmp_path: Path, rejected
) -> None:
    folder = write_dataset(base_tables)
    # 200,000 accounts (20 MB) written by DuckDB; one bad channel near the end. DuckDB
    # reads a CSV this size in parallel: without preserve_insertion_order it scrambles it.
    duckdb.sql(
        "COPY (SELECT 'A' || i AS account_id, repeat('n', 40) AS name, 'hospital' "
        "AS customer_type, CASE WHEN i = 199990 THEN 'fax' ELSE 'direct' END AS channel, "
        "'multi_tenant' AS deployment_model, 'standard' AS service_tier, "
        "'2020-01-01' AS contract_signed_on, repeat('x', 40) AS notes FROM range(1, 200001) t(i)) "
        f"TO '{folder / 'accounts.csv'}' (HEADER)"
    )
    store = tmp_path / "s.duckdb"
    error = rejected(store, folder, config)
    # Account A<i> is data row i; the lines refer to A1 and A2, which exist.
    assert [(v.row, v.value) for v in error.violations] == [(199990, "fax")]


def test_csv_rows_the_parser_rejects_are_reported_and_later_rows_keep_their_numbers(
    base_tables, write_dataset, config, tmp_path: Path, rejected
) -> None:
    base_tables["accounts"] += [account(f"A{i}") for i in range(3, 3001)]
    base_tables["accounts"][2999]["channel"] = "mail"  # data row 3000, after both rejects
    folder = write_dataset(base_tables)
    path = folder / "accounts.csv"
    lines = path.read_text().splitlines()
    lines[100] += ",surplus"  # line 101 is data row 100
    lines[2000] = lines[2000].rsplit(",", 2)[0]  # data row 2000 loses two values
    path.write_text("\n".join(lines) + "\n")

    error = rejected(tmp_path / "s.duckdb", folder, config)
    assert [(v.row, v.column, v.rule) for v in error.violations] == [
        (100, None, "has more values than the header has columns"),
        (2000, None, "has fewer values than the header has columns"),
        (3000, "channel", "must be one of direct, white_label, oem, reseller"),
    ]
    assert error.violations[0].value == lines[100]


def test_quoted_csv_values_may_hold_commas_quotes_and_line_breaks(
    base_tables, write_dataset, config, read_rows, tmp_path: Path
) -> None:
    base_tables["accounts"][0]["name"] = 'Saint "Mary", General\nHospital'
    store = tmp_path / "s.duckdb"
    load_dataset(store, write_dataset(base_tables), config)
    assert read_rows(store, "accounts", "name")[0] == ('Saint "Mary", General\nHospital',)


@pytest.mark.parametrize(
    ("header", "rule", "column"),
    [
        ("account_id,name,name", "names a column twice", "name"),
        ("account_id,,name", "column 2 of the header has no name", None),
    ],
    ids=["repeated-column", "unnamed-column"],
)
def test_a_header_must_name_each_column_once(
    header: str,
    rule: str,
    column: str | None,
    base_tables,
    write_dataset,
    config,
    tmp_path,
    rejected,
) -> None:
    folder = write_dataset(base_tables)
    (folder / "partners.csv").write_text(header + "\nP1,x,y\n")
    error = rejected(tmp_path / "s.duckdb", folder, config)
    assert error.violations == [Violation("partners", "partners.csv", None, column, None, rule)]


def test_an_empty_csv_file_is_reported(
    base_tables, write_dataset, config, tmp_path, rejected
) -> None:
    folder = write_dataset(base_tables)
    (folder / "partners.csv").write_text("")
    error = rejected(tmp_path / "s.duckdb", folder, config)
    assert [(v.file, v.rule) for v in error.violations] == [
        ("partners.csv", "is empty; the first line must name the columns")
    ]


def test_a_file_that_is_not_parquet_is_reported_not_raised(
    base_tables, write_dataset, config, tmp_path, rejected
) -> None:
    folder = write_dataset(base_tables)
    (folder / "partners.csv").unlink()
    (folder / "partners.parquet").write_text("partner_id\nP1\n")
    error = rejected(tmp_path / "s.duckdb", folder, config)
    assert [(v.file, v.row) for v in error.violations] == [("partners.parquet", None)]
    assert error.violations[0].rule.startswith("cannot be read as PARQUET: ")


def test_a_header_only_csv_is_an_empty_table(
    base_tables, write_dataset, config, tmp_path, rejected
) -> None:
    del base_tables["tickets"]
    folder = write_dataset(base_tables)
    (folder / "tickets.csv").write_text("ticket_id,account_id,opened_at\n")
    error = rejected(tmp_path / "s.duckdb", folder, config)
    # The columns are checked even without rows; no row is reported.
    assert {v.column for v in error.violations} == {
        "severity",
        "category",
        "cause_owner",
        "handled_by",
    }
    assert {v.row for v in error.violations} == {None}


def test_a_csv_row_that_is_not_utf8_is_reported_on_its_row(
    base_tables, write_dataset, config, tmp_path, rejected
) -> None:
    base_tables["accounts"].append(account("A3", name="Cafe"))
    folder = write_dataset(base_tables)
    path = folder / "accounts.csv"
    # Latin-1 for the e of Cafe: a byte that UTF-8 does not allow there.
    path.write_bytes(path.read_bytes().replace(b"Cafe", b"Caf\xe9"))
    error = rejected(tmp_path / "s.duckdb", folder, config)
    assert [(v.row, v.rule) for v in error.violations] == [(3, "is not valid UTF-8 text")]
