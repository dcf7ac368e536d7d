"""Real data: dbt-labs' mrr-playbook sample, converted, loaded and measured.

The playbook's own models produced `expected_monthly_movements.csv` on the same input.
caresight must agree with it on MRR, paying accounts and every movement in every month.
"""

from __future__ import annotations

import csv
import os
from datetime import date
from pathlib import Path

import pytest

from caresight.config import load_config
from caresight.dataset.load import load_dataset
from caresight.importers.mrr_playbook import PlaybookFormatError, convert
from caresight.kpis.engine import compute_kpis
from caresight.kpis.results import KpiQuery, read_kpi_values
from reference import SHARED_DATA

PLAYBOOK = SHARED_DATA / "mrr-playbook"
MOVEMENTS = (
    "mrr", "paying_accounts", "new_mrr", "reactivation_mrr", "expansion_mrr",
    "contraction_mrr", "churned_mrr",
)


@pytest.fixture(scope="module")
def playbook() -> Path:
    if not PLAYBOOK.is_dir():
        message = f"the mrr-playbook reference data is not at {PLAYBOOK} (CARESIGHT_SHARED_DATA)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return PLAYBOOK


def _expected(playbook: Path) -> dict[str, dict[str, float]]:
    with (playbook / "expected_monthly_movements.csv").open() as f:
        return {row["month"]: {k: float(row[k]) for k in MOVEMENTS} for row in csv.DictReader(f)}


def _computed(store: Path) -> dict[str, dict[str, float]]:
    values = read_kpi_values(store, KpiQuery(kpis=list(MOVEMENTS), dimensions=["all"]))
    months: dict[str, dict[str, float]] = {}
    for row in values.to_pylist():
        months.setdefault(row["period"], {})[row["kpi"]] = row["value"]
    return months


def test_the_playbook_sample_matches_its_own_models_in_every_month(
    playbook: Path, tmp_path: Path
) -> None:
    convert(playbook / "subscription_periods.csv", tmp_path / "dataset")
    # The sample's last period ends 2020-02; measure the book on that month's last day.
    config = load_config(None, as_of=date(2020, 2, 29))
    store = tmp_path / "playbook.duckdb"
    load_dataset(store, tmp_path / "dataset", config)
    compute_kpis(store, config)

    expected = _expected(playbook)
    computed = _computed(store)

    # The playbook writes no row for 2017-12, when nobody paid and nobody churned: it is
    # zero in every column there. Every other month from 2017-09 to 2020-02 is listed.
    assert "2017-12" not in expected
    expected["2017-12"] = dict.fromkeys(MOVEMENTS, 0.0)
    assert sorted(computed) == sorted(expected)

    for month, figures in sorted(expected.items()):
        for kpi, value in figures.items():
            assert computed[month][kpi] == pytest.approx(value, abs=0.005), (month, kpi)


def test_the_converter_makes_end_dates_inclusive(playbook: Path, tmp_path: Path) -> None:
    convert(playbook / "subscription_periods.csv", tmp_path)
    with (tmp_path / "subscription_lines.csv").open() as f:
        first = next(csv.DictReader(f))
    # Subscription 1 runs 2018-11-01 up to, not including, 2019-02-01.
    assert (first["start_on"], first["end_on"]) == ("2018-11-01", "2019-01-31")
    assert float(first["amount"]) == 50.0 and first["billing_period_months"] == "1"


def test_a_file_in_another_layout_is_refused_with_the_row_and_rule(tmp_path: Path) -> None:
    source = tmp_path / "periods.csv"
    source.write_text(
        "subscription_id,customer_id,start_date,end_date,monthly_amount\n"
        "1,7,2019-01-01,2019-03-01,10\n"
        "2,7,2019-04-01,2019-02-01,10\n"
    )
    with pytest.raises(PlaybookFormatError, match=r"row 2, column end_date.*after start_date"):
        convert(source, tmp_path / "out")

    source.write_text("id,customer,amount\n1,7,10\n")
    with pytest.raises(PlaybookFormatError, match="lacks the column"):
        convert(source, tmp_path / "out")


def test_an_empty_file_or_a_repeated_subscription_is_refused(tmp_path: Path) -> None:
    source = tmp_path / "periods.csv"
    header = "subscription_id,customer_id,start_date,end_date,monthly_amount\n"
    source.write_text(header)
    with pytest.raises(PlaybookFormatError, match="no subscription periods"):
        convert(source, tmp_path / "out")

    source.write_text(header + "1,7,2019-01-01,2019-03-01,10\n1,8,2019-01-01,,10\n")
    with pytest.raises(PlaybookFormatError, match=r"row 2, column subscription_id.*unique"):
        convert(source, tmp_path / "out")
    assert not (tmp_path / "out").exists()
