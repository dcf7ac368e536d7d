"""The demo world as files: deterministic, complete, and within the contract."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from caresight.config import Config
from caresight.dataset.schema import TABLES
from caresight.demo import world as world_module
from caresight.demo import write_world
from caresight.errors import CaresightError
from demo.contract import open_folder, violations

FORMATS = ("csv", "parquet", "jsonl")
#: A month in progress: history ends mid-June.
END = date(2024, 6, 15)
SMALL = {"accounts": 60, "months": 12, "seed": 11, "end": END}


@pytest.fixture(scope="module")
def small_worlds(tmp_path_factory) -> dict[str, tuple[Path, dict[str, int]]]:
    """The same small world in every format."""
    worlds = {}
    for file_format in FORMATS:
        folder = tmp_path_factory.mktemp(f"world-{file_format}")
        worlds[file_format] = (folder, write_world(folder, file_format=file_format, **SMALL))
    return worlds


def _columns(path: Path, file_format: str) -> list[str]:
    if file_format == "csv":
        return path.read_text().splitlines()[0].replace('"', "").split(",")
    if file_format == "parquet":
        return pq.read_schema(path).names
    return list(json.loads(path.read_text().splitlines()[0]))


@pytest.mark.parametrize("file_format", FORMATS)
def test_the_same_seed_writes_byte_identical_files(small_worlds, tmp_path, file_format):
    first, _ = small_worlds[file_format]
    write_world(tmp_path, file_format=file_format, **SMALL)

    for name in TABLES:
        file = f"{name}.{file_format}"
        assert (tmp_path / file).read_bytes() == (first / file).read_bytes(), file


def test_a_different_seed_writes_a_different_world(small_worlds, tmp_path):
    first, _ = small_worlds["csv"]
    write_world(tmp_path, file_format="csv", **{**SMALL, "seed": SMALL["seed"] + 1})

    for name in ("accounts", "subscription_lines", "tickets", "workflow_events"):
        file = f"{name}.csv"
        assert (tmp_path / file).read_bytes() != (first / file).read_bytes(), file


@pytest.mark.parametrize("file_format", FORMATS)
def test_every_contract_table_has_rows_and_exactly_its_columns(small_worlds, file_format):
    folder, rows = small_worlds[file_format]

    assert sorted(p.name for p in folder.iterdir()) == sorted(
        f"{name}.{file_format}" for name in TABLES
    )
    for name, table in TABLES.items():
        assert rows[name] > 0, name
        assert _columns(folder / f"{name}.{file_format}", file_format) == list(
            table.column_names
        ), name


@pytest.mark.parametrize("file_format", FORMATS)
def test_the_rows_reported_are_the_rows_in_the_files(small_worlds, file_format):
    folder, rows = small_worlds[file_format]
    con = open_folder(folder, file_format)

    for name in TABLES:
        (count,) = con.execute(f'SELECT count(*) FROM "{name}"').fetchone()
        assert count == rows[name], name


@pytest.mark.parametrize("file_format", FORMATS)
def test_the_world_breaks_no_rule_of_the_contract(small_worlds, file_format):
    folder, _ = small_worlds[file_format]

    assert violations(open_folder(folder, file_format)) == []


def _dated_columns() -> list[tuple[str, str]]:
    return [
        (table.name, column.name)
        for table in TABLES.values()
        for column in table.columns
        if column.type in ("date", "timestamp")
    ]


def test_nothing_is_dated_after_the_end_but_open_renewals_falling_due(small_worlds):
    con = open_folder(small_worlds["parquet"][0], "parquet")

    for table, column in _dated_columns():
        (late,) = con.execute(
            f'SELECT count(*) FROM "{table}" WHERE CAST("{column}" AS DATE) > ?', [END]
        ).fetchone()
        if (table, column) == ("renewals", "due_on"):
            (open_late,) = con.execute(
                "SELECT count(*) FROM renewals WHERE due_on > ? AND outcome = 'open'", [END]
            ).fetchone()
            assert late == open_late > 0
        else:
            assert late == 0, f"{table}.{column}"


def test_the_last_month_of_history_is_the_month_of_the_end(small_worlds):
    con = open_folder(small_worlds["parquet"][0], "parquet")

    (first, last) = con.execute(
        "SELECT min(start_on), max(start_on) FROM subscription_lines"
    ).fetchone()
    # 12 months back from June 2024 is July 2023.
    assert date(2023, 7, 1) <= first < date(2023, 8, 1)
    assert last <= END
    (events_last,) = con.execute("SELECT max(occurred_at) FROM workflow_events").fetchone()
    assert events_last.date().replace(day=1) == date(2024, 6, 1)


def test_every_other_currency_has_a_rate_for_every_month_of_history(small_worlds):
    con = open_folder(small_worlds["parquet"][0], "parquet")

    missing = con.execute(
        """
        SELECT c.currency, strftime(m.month, '%Y-%m') AS month
        FROM (SELECT DISTINCT currency FROM subscription_lines WHERE currency <> 'USD') c
        CROSS JOIN range(DATE '2023-07-01', DATE '2024-07-01', INTERVAL 1 MONTH) m(month)
        ANTI JOIN fx_rates r ON r.currency = c.currency
            AND r.month = strftime(m.month, '%Y-%m')
        """
    ).fetchall()
    (currencies,) = con.execute(
        "SELECT count(DISTINCT currency) FROM subscription_lines WHERE currency <> 'USD'"
    ).fetchone()
    assert currencies == 2  # EUR and GBP
    assert missing == []


def test_the_loader_accepts_the_world(tmp_path):
    load = pytest.importorskip("caresight.dataset.load")
    end = date(2025, 3, 31)
    folder = tmp_path / "world"
    write_world(folder, accounts=60, months=18, seed=3, end=end, file_format="csv")

    result = load.load_dataset(tmp_path / "store.duckdb", folder, Config(as_of=end))

    assert result.rows["accounts"] == 60


def test_writing_again_replaces_the_tables_of_a_previous_world(tmp_path):
    write_world(tmp_path, accounts=5, months=3, seed=1, end=END, file_format="csv")
    (tmp_path / "notes.txt").write_text("kept")

    write_world(tmp_path, accounts=5, months=3, seed=1, end=END, file_format="parquet")

    suffixes = {p.suffix for p in tmp_path.iterdir() if p.name != "notes.txt"}
    assert suffixes == {".parquet"}
    assert (tmp_path / "notes.txt").read_text() == "kept"


def test_progress_is_reported_until_every_step_is_done(tmp_path):
    seen: list[tuple[str, int, int]] = []

    write_world(tmp_path, accounts=5, months=3, seed=1, end=END,
                progress=lambda label, done, total: seen.append((label, done, total)))

    # One chunk of accounts and one block of environments.
    assert [(done, total) for _, done, total in seen] == [(1, 2), (2, 2)]


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"accounts": 0}, "at least one account"),
        ({"months": 0}, "at least one month"),
        ({"seed": -1}, "zero or positive"),
        ({"file_format": "xlsx"}, "unknown file format 'xlsx'"),
    ],
    ids=["no-accounts", "no-months", "negative-seed", "unknown-format"],
)
def test_impossible_arguments_are_a_clear_error(tmp_path, arguments, message):
    with pytest.raises(CaresightError, match=message):
        write_world(tmp_path, **{**SMALL, **arguments})


def test_a_world_written_in_many_chunks_is_still_whole_and_repeatable(tmp_path, monkeypatch):
    monkeypatch.setattr(world_module, "CHUNK_ACCOUNTS", 25)
    monkeypatch.setattr(world_module, "ENVIRONMENT_BLOCK", 4)
    arguments = {**SMALL, "file_format": "parquet"}

    rows = write_world(tmp_path / "first", **arguments)
    write_world(tmp_path / "second", **arguments)

    # 60 accounts make three chunks; keys stay unique and references resolve across them.
    assert rows["accounts"] == 60
    assert violations(open_folder(tmp_path / "first", "parquet")) == []
    for name in TABLES:
        file = f"{name}.parquet"
        assert (tmp_path / "first" / file).read_bytes() == (
            tmp_path / "second" / file
        ).read_bytes(), file


def test_the_contract_check_of_these_tests_finds_broken_rules(tmp_path):
    write_world(tmp_path, accounts=5, months=3, seed=1, end=END, file_format="csv")
    accounts = tmp_path / "accounts.csv"
    first = accounts.read_text().splitlines()[1]
    with accounts.open("a") as out:
        out.write(first + "\n")
    lines = tmp_path / "subscription_lines.csv"
    with lines.open("a") as out:
        out.write('"X-1","ACC-000001","billing","module",2024-06-10,2024-06-01,10,1,"USD"\n')

    found = violations(open_folder(tmp_path, "csv"))

    assert found == [
        "accounts: 1 duplicated keys (\"account_id\")",
        "subscription_lines: 1 rows break 'end_on must not be before start_on'",
    ]
