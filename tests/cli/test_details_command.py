"""`caresight details`: the rows behind the KPIs (project gates, account costs)."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from typer.testing import CliRunner

from caresight.cli import app
from caresight.errors import StoreError
from caresight.store import Store
from report.kpi_store import kpi_value, write_kpi_store


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = write_kpi_store(
        tmp_path_factory.mktemp("details") / "store.duckdb",
        [kpi_value("mrr", "2025-06", 1000.0, n=2)],
    )
    with Store(path) as opened:
        opened.con.execute(
            "CREATE TABLE cost_to_serve AS SELECT * FROM (VALUES "
            "('A', '2025-05', 300.0, 'cpu_share'), "
            "('A', '2025-06', 310.5, 'cpu_share'), "
            "('B', '2025-06', 900.0, 'account_costs')"
            ") AS t(account_id, period, total, hosting_method)"
        )
    return path


def run(store: Path, *args: str):
    return CliRunner().invoke(app, ["details", *args, "--store", str(store)])


def test_costs_are_listed_with_the_method_each_came_from(store: Path) -> None:
    result = run(store, "costs", "--format", "csv")

    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.output)))
    assert [(r["account_id"], r["period"], r["hosting_method"]) for r in rows] == [
        ("A", "2025-05", "cpu_share"), ("A", "2025-06", "cpu_share"),
        ("B", "2025-06", "account_costs"),
    ]


def test_latest_period_and_account_filters_narrow_the_rows(store: Path) -> None:
    result = run(store, "costs", "--period", "latest", "--account", "A", "--format", "csv")

    rows = list(csv.DictReader(io.StringIO(result.output)))
    assert [(r["account_id"], r["period"], float(r["total"])) for r in rows] == [
        ("A", "2025-06", 310.5)
    ]


def test_the_table_format_prints_every_column(store: Path) -> None:
    result = run(store, "costs", "--period", "2025-05")

    assert result.exit_code == 0, result.output
    for word in ("account_id", "hosting_method", "cpu_share", "300"):
        assert word in result.output
    assert "account_costs" not in result.output


def test_details_not_computed_say_how_to_get_them(store: Path) -> None:
    result = run(store, "gates")

    # The CLI's entry point prints a StoreError as a message without a traceback.
    assert isinstance(result.exception, StoreError)
    assert "no gates details" in str(result.exception)
    assert "caresight compute" in str(result.exception)


def test_an_unknown_detail_name_is_refused_with_the_choices(store: Path) -> None:
    result = run(store, "margins")

    assert result.exit_code != 0
    assert "gates" in result.output and "costs" in result.output
