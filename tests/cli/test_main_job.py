"""The main job end to end through the command line: demo world, load, compute, report."""

from __future__ import annotations

import subprocess
import sys
from datetime import date
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from caresight.cli import app

AS_OF = date(2026, 3, 17)


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("demo")
    config = folder / "caresight.toml"
    config.write_text(f"as_of = {AS_OF.isoformat()}\n")
    result = CliRunner().invoke(
        app,
        ["demo", "--accounts", "60", "--months", "14", "--out-dir", str(folder / "out"),
         "--config", str(config)],
    )
    assert result.exit_code == 0, result.output
    assert "The report is at" in result.output
    return folder / "out"


def test_the_demo_writes_a_dataset_a_store_and_a_report(demo: Path) -> None:
    assert (demo / "demo-data" / "accounts.csv").is_file()
    assert (demo / "caresight.duckdb").is_file()
    html = (demo / "report.html").read_text()
    assert "caresight executive report" in html
    assert "March 2026" in html


def test_the_book_mrr_equals_a_plain_sum_over_the_demo_files(demo: Path) -> None:
    # Independently of the engine: every line active on the as-of day, amount per month
    # of its billing period, converted at the March rate of its currency (USD is 1).
    data = demo / "demo-data"
    con = duckdb.connect()
    expected = con.execute(
        f"""
        SELECT sum(l.amount / l.billing_period_months * coalesce(r.rate, 1.0))
        FROM read_csv('{data / "subscription_lines.csv"}') l
        LEFT JOIN read_csv('{data / "fx_rates.csv"}', types={{'month': 'VARCHAR'}}) r
          ON r.currency = l.currency AND r.month = '2026-03'
        WHERE l.start_on <= DATE '{AS_OF}'
          AND coalesce(l.end_on, DATE '9999-12-31') >= DATE '{AS_OF}'
        """
    ).fetchone()[0]

    store = duckdb.connect(str(demo / "caresight.duckdb"), read_only=True)
    got = store.execute(
        "SELECT value FROM kpi_values WHERE kpi = 'mrr' AND dimension = 'all' "
        "AND period = '2026-03'"
    ).fetchone()[0]
    assert got == pytest.approx(expected, abs=0.005)


def test_a_bad_dataset_gets_a_clean_message_and_no_store(tmp_path: Path) -> None:
    (tmp_path / "accounts.csv").write_text(
        "account_id,name,customer_type,channel,deployment_model,service_tier,contract_signed_on\n"
        "a1,Alpha,hospital,telepathy,multi_tenant,standard,2024-01-01\n"
    )
    (tmp_path / "subscription_lines.csv").write_text(
        "line_id,account_id,product,product_category,start_on,end_on,amount,"
        "billing_period_months,currency\n"
        "l1,a1,billing,module,2024-01-01,,100,1,USD\n"
    )
    store = tmp_path / "store.duckdb"
    done = subprocess.run(
        [sys.executable, "-m", "caresight", "load", str(tmp_path), "--store", str(store)],
        capture_output=True, text=True,
    )
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    assert "accounts.csv row 1, column channel, value 'telepathy'" in done.stderr
    assert not store.exists()
