"""Writing contract tables in each file format."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import pytest

from caresight.dataset.schema import TABLES
from caresight.demo.writer import DatasetWriter, clear_folder
from caresight.errors import CaresightError

RESTORE_TESTS = {
    "environment_id": np.array(['env "a"', "env\\b"]),
    "tested_at": np.array(["2024-01-02T03:04:05", "NaT"], dtype="datetime64[s]"),
    "succeeded": np.array([True, False]),
    "duration_minutes": np.array([12.5, np.nan]),
}


def _write(folder: Path, file_format: str, **tables: dict) -> dict[str, int]:
    with DatasetWriter(folder, file_format) as out:
        for name, columns in tables.items():
            out.write(name, columns)
    return out.rows


def test_json_lines_escape_quotes_and_backslashes_and_write_empty_values_as_null(tmp_path):
    _write(tmp_path, "jsonl", restore_tests=RESTORE_TESTS)

    lines = (tmp_path / "restore_tests.jsonl").read_text().splitlines()
    assert [json.loads(line) for line in lines] == [
        {"environment_id": 'env "a"', "tested_at": "2024-01-02T03:04:05",
         "succeeded": True, "duration_minutes": 12.5},
        {"environment_id": "env\\b", "tested_at": None, "succeeded": False,
         "duration_minutes": None},
    ]


def test_csv_writes_timestamps_in_iso_form_with_a_t_and_empty_values_as_nothing(tmp_path):
    _write(tmp_path, "csv", restore_tests=RESTORE_TESTS)

    text = (tmp_path / "restore_tests.csv").read_text().splitlines()
    assert text == [
        '"environment_id","tested_at","succeeded","duration_minutes"',
        '"env ""a""","2024-01-02T03:04:05",true,12.5',
        '"env\\b",,false,',
    ]


def test_parquet_keeps_contract_types(tmp_path):
    _write(tmp_path, "parquet", restore_tests=RESTORE_TESTS)

    table = pq.read_table(tmp_path / "restore_tests.parquet")
    assert table.schema.names == list(TABLES["restore_tests"].column_names)
    assert table.column("tested_at").to_pylist()[1] is None
    assert str(table.schema.field("succeeded").type) == "bool"


@pytest.mark.parametrize("file_format", ["csv", "parquet", "jsonl"])
def test_every_contract_table_gets_a_file_even_without_rows(tmp_path, file_format):
    rows = _write(tmp_path, file_format, restore_tests=RESTORE_TESTS)

    assert sorted(p.stem for p in tmp_path.iterdir()) == sorted(TABLES)
    assert rows["restore_tests"] == 2
    assert rows["tickets"] == 0


def test_chunks_are_appended_to_one_file(tmp_path):
    with DatasetWriter(tmp_path, "jsonl") as out:
        out.write("restore_tests", RESTORE_TESTS)
        out.write("restore_tests", RESTORE_TESTS)

    assert out.rows["restore_tests"] == 2 + 2
    assert len((tmp_path / "restore_tests.jsonl").read_text().splitlines()) == 4


def test_a_table_missing_a_contract_column_is_refused(tmp_path):
    columns = {k: v for k, v in RESTORE_TESTS.items() if k != "succeeded"}
    with DatasetWriter(tmp_path, "csv") as out, pytest.raises(ValueError, match="succeeded"):
        out.write("restore_tests", columns)


def test_an_unknown_format_is_a_clear_error(tmp_path):
    with pytest.raises(CaresightError, match="unknown file format 'xlsx'"):
        DatasetWriter(tmp_path, "xlsx")


def test_clearing_a_folder_removes_only_table_files(tmp_path):
    (tmp_path / "accounts.csv").write_text("old")
    (tmp_path / "tickets.parquet").write_text("old")
    (tmp_path / "notes.txt").write_text("keep me")

    clear_folder(tmp_path)

    assert [p.name for p in tmp_path.iterdir()] == ["notes.txt"]
