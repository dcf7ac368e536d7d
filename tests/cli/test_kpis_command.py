"""`caresight kpis`: reading computed values back, filtered, in four formats."""

from __future__ import annotations

import csv
import io
import json
import re
import subprocess
import sys
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from caresight.cli import app
from caresight.errors import CaresightError, StoreError
from caresight.kpis import results
from caresight.kpis.catalog import KPI_VALUE_COLUMNS
from report.kpi_store import kpi_value, write_kpi_store

CARESIGHT = Path(sys.executable).parent / "caresight"


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    rows = [
        kpi_value("mrr", "2025-04", 95_000.0, n=38),
        kpi_value("mrr", "2025-05", 100_000.0, n=39),
        kpi_value("mrr", "2025-06", 112_000.5, n=40),
        kpi_value("mrr", "2025-06", 80_000.0, dimension="channel", segment="direct"),
        kpi_value("mrr", "2025-06", 32_000.5, dimension="channel", segment="reseller"),
        kpi_value("grr_12m", "2025-06", 0.9234, numerator=92_340.0, denominator=100_000.0,
                  n=30, status="green"),
        kpi_value("logo_churn_rate", "2025-06", 0.05, numerator=2.0, denominator=40.0,
                  status="red"),
        # No renewal fell due: empty, never 0.
        kpi_value("renewal_rate", "2025-06", None, numerator=0.0, denominator=0.0, n=0),
    ]
    return write_kpi_store(tmp_path_factory.mktemp("kpis") / "store.duckdb", rows)


def run(store: Path, *args: str, env: dict[str, str] | None = None):
    return CliRunner().invoke(app, ["kpis", "--store", str(store), *args], env=env)


def _csv_rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def test_csv_prints_every_column_and_orders_by_kpi_dimension_segment_period(store: Path) -> None:
    result = run(store, "--format", "csv")

    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[0] == ",".join(KPI_VALUE_COLUMNS)
    keys = [(r["kpi"], r["dimension"], r["segment"], r["period"])
            for r in _csv_rows(result.output)]
    assert keys == [
        ("grr_12m", "all", "all", "2025-06"),
        ("logo_churn_rate", "all", "all", "2025-06"),
        ("mrr", "all", "all", "2025-04"),
        ("mrr", "all", "all", "2025-05"),
        ("mrr", "all", "all", "2025-06"),
        ("mrr", "channel", "direct", "2025-06"),
        ("mrr", "channel", "reseller", "2025-06"),
        ("renewal_rate", "all", "all", "2025-06"),
    ]


def test_csv_writes_an_empty_value_as_an_empty_field(store: Path) -> None:
    rows = _csv_rows(run(store, "--format", "csv", "--kpi", "renewal_rate").output)
    assert [(r["value"], r["denominator"], r["status"]) for r in rows] == [("", "0", "")]


def test_json_is_an_array_of_objects_with_null_for_empty(store: Path) -> None:
    result = run(store, "--format", "json", "--kpi", "renewal_rate", "--kpi", "grr_12m")

    values = json.loads(result.output)
    assert values == [
        {"kpi": "grr_12m", "period": "2025-06", "dimension": "all", "segment": "all",
         "value": 0.9234, "numerator": 92_340.0, "denominator": 100_000.0, "n": 30,
         "unit": "ratio", "status": "green"},
        {"kpi": "renewal_rate", "period": "2025-06", "dimension": "all", "segment": "all",
         "value": None, "numerator": 0.0, "denominator": 0.0, "n": 0,
         "unit": "ratio", "status": None},
    ]


def _table_rows(output: str) -> dict[tuple[str, str], list[str]]:
    """The printed table's rows by (kpi, segment), cells split on runs of spaces."""
    rows = {}
    for line in output.splitlines():
        cells = re.split(r"\s{2,}", line.strip())
        if len(cells) >= 6 and re.fullmatch(r"\d{4}-\d{2}", cells[1]):
            rows[(cells[0], cells[2])] = cells
    return rows


def test_the_table_formats_values_by_unit(store: Path) -> None:
    result = run(store, "--period", "2025-06", env={"COLUMNS": "200"})

    assert result.exit_code == 0, result.output
    rows = _table_rows(result.output)
    # kpi, period, segment, value, numerator / denominator, n, status
    assert rows[("mrr", "all")][3:] == ["112,000.50", "—", "40"]
    assert rows[("mrr", "channel: reseller")][3:] == ["32,000.50", "—", "—"]
    assert rows[("grr_12m", "all")][3:] == ["92.3%", "92,340 / 100,000", "30", "green"]
    assert rows[("logo_churn_rate", "all")][3:] == ["5.0%", "2 / 40", "—", "red"]
    assert rows[("renewal_rate", "all")][3:] == ["—", "0 / 0", "0"]


def test_on_a_narrow_terminal_labels_wrap_and_numbers_stay_whole(store: Path) -> None:
    result = run(store, "--period", "2025-06", env={"COLUMNS": "80"})

    lines = result.output.splitlines()
    assert max(len(line) for line in lines) <= 80
    grr = next(line for line in lines if line.startswith(" grr_12m"))
    assert re.split(r"\s{2,}", grr.strip())[3:] == ["92.3%", "92,340 / 100,000", "30", "green"]
    assert any("112,000.50" in line for line in lines)


def test_the_table_shows_a_limited_number_of_rows_and_says_so(
    store: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(results, "TABLE_ROW_LIMIT", 2)

    result = run(store)

    assert "Showing the first 2 of 8 values" in result.output
    assert "reseller" not in result.output


def test_no_matching_values_say_so(store: Path) -> None:
    result = run(store, "--period", "2020-01")
    assert result.exit_code == 0
    assert "No KPI values match these filters." in result.output


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--period", "latest"], {"2025-06"}),
        (["--period", "2025-05"], {"2025-05"}),
        (["--period", "2025-04:2025-05"], {"2025-04", "2025-05"}),
        (["--period", "2025-04", "--period", "latest"], {"2025-04", "2025-06"}),
        (["--period", "2025-05:2025-05"], {"2025-05"}),
    ],
    ids=["latest", "one-month", "range", "month-and-latest", "one-month-range"],
)
def test_period_filters(store: Path, args: list[str], expected: set[str]) -> None:
    rows = _csv_rows(run(store, "--format", "csv", "--kpi", "mrr", "--dimension", "all",
                         *args).output)
    assert {r["period"] for r in rows} == expected


def test_dimension_and_segment_filters(store: Path) -> None:
    rows = _csv_rows(run(store, "--format", "csv", "--dimension", "channel",
                         "--segment", "reseller").output)
    assert [(r["kpi"], r["segment"], r["value"]) for r in rows] == [
        ("mrr", "reseller", "32000.5"),
    ]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--kpi", "mrrr"], "there is no KPI 'mrrr'; did you mean 'mrr'?"),
        (["--kpi", "nrr12m"], "did you mean 'nrr_12m'?"),
        (["--kpi", "happiness"], "there is no KPI 'happiness'"),
        (["--dimension", "chanel"], "there is no dimension 'chanel'; did you mean 'channel'?"),
        (["--period", "2025-13"], "the period '2025-13' is not a month YYYY-MM"),
        (["--period", "June"], "the period 'June' is not a month YYYY-MM"),
        (["--period", "2025-06:2025"], "the period '2025-06:2025' is not a month"),
        (["--period", "2025-06:2025-04"], "ends before it starts; write it as 2025-04:2025-06"),
        (["--format", "parquet"], "name a file with --out PATH"),
    ],
    ids=["kpi-typo", "kpi-missing-underscore", "kpi-unknown", "dimension-typo",
         "month-13", "month-name", "range-half-month", "range-reversed", "parquet-to-stdout"],
)
def test_mistakes_raise_a_message_that_says_what_to_do(
    store: Path, args: list[str], message: str
) -> None:
    result = run(store, *args)

    assert isinstance(result.exception, CaresightError)
    assert message in str(result.exception)


def test_the_command_prints_a_clean_message_not_a_traceback(store: Path) -> None:
    done = subprocess.run(
        [str(CARESIGHT), "kpis", "--store", str(store), "--kpi", "mrrr"],
        capture_output=True, text=True, timeout=60,
    )

    assert done.returncode == 1
    assert done.stderr.strip() == "error: there is no KPI 'mrrr'; did you mean 'mrr'?"
    assert done.stdout == ""


def test_a_store_without_results_asks_for_compute(tmp_path: Path) -> None:
    empty = write_kpi_store(tmp_path / "empty.duckdb", [])
    with results.Store(empty) as store:
        store.con.execute("DROP TABLE kpi_values")

    result = run(empty)

    assert isinstance(result.exception, StoreError)
    assert "run `caresight compute --store" in str(result.exception)


def test_a_missing_store_says_how_to_make_one(tmp_path: Path) -> None:
    result = run(tmp_path / "nowhere.duckdb")
    assert isinstance(result.exception, StoreError)
    assert "caresight load" in str(result.exception)


def test_parquet_writes_the_filtered_values_to_the_file(store: Path, tmp_path: Path) -> None:
    out = tmp_path / "exports" / "mrr.parquet"

    result = run(store, "--format", "parquet", "--kpi", "mrr", "--out", str(out))

    assert result.exit_code == 0, result.output
    assert "Wrote 5 KPI values to" in result.output
    table = pq.read_table(out)
    assert table.column_names == list(KPI_VALUE_COLUMNS)
    assert table.column("value").to_pylist() == [
        95_000.0, 100_000.0, 112_000.5, 80_000.0, 32_000.5,
    ]


@pytest.mark.parametrize("fmt", ["csv", "json", "table"])
def test_out_writes_to_the_file_instead_of_stdout(store: Path, tmp_path: Path, fmt: str) -> None:
    out = tmp_path / f"values.{fmt}"

    result = run(store, "--format", fmt, "--kpi", "grr_12m", "--out", str(out))

    assert result.exit_code == 0, result.output
    assert result.output.strip() == f"Wrote 1 KPI values to {out}."
    assert "92" in out.read_text()


_MONTHS = [f"{year}-{month:02d}" for year in (2024, 2025) for month in range(1, 13)]


@settings(max_examples=40, deadline=None)
@given(first=st.sampled_from(_MONTHS), last=st.sampled_from(_MONTHS))
def test_a_period_range_holds_exactly_the_months_between_its_ends(
    store: Path, first: str, last: str
) -> None:
    first, last = min(first, last), max(first, last)

    values = results.read_kpi_values(
        store, results.KpiQuery(kpis=["mrr"], dimensions=["all"], periods=[f"{first}:{last}"])
    )

    expected = [p for p in ("2025-04", "2025-05", "2025-06") if first <= p <= last]
    assert values.column("period").to_pylist() == expected


@pytest.fixture(scope="module")
def in_progress(tmp_path_factory: pytest.TempPathFactory) -> Path:
    # Measured on 3 December: December is a month in progress.
    rows = [
        kpi_value("active_user_rate", "2026-11", 0.81, numerator=81.0, denominator=100.0),
        kpi_value("active_user_rate", "2026-12", 0.32, numerator=32.0, denominator=100.0),
    ]
    return write_kpi_store(tmp_path_factory.mktemp("progress") / "store.duckdb", rows,
                           meta={"kpis_as_of": "2026-12-03"})


def test_a_table_with_the_month_in_progress_says_how_much_of_it_is_measured(
    in_progress: Path,
) -> None:
    result = run(in_progress, "--period", "latest")

    assert result.exit_code == 0, result.output
    assert "2026-12 is a month in progress, measured on 2026-12-03" in result.output
    assert "covers its first 3 days only" in result.output


def test_a_finished_month_has_no_note(in_progress: Path) -> None:
    result = run(in_progress, "--period", "2026-11")

    assert "in progress" not in result.output


def test_printed_csv_stays_free_of_notes(in_progress: Path) -> None:
    result = run(in_progress, "--period", "latest", "--format", "csv")

    assert "in progress" not in result.output
    assert _csv_rows(result.output)[0]["period"] == "2026-12"
