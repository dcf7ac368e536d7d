"""The engine: what it computes, what it cannot, and how it replaces results."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

import pytest

from caresight.errors import CaresightError, StoreError
from caresight.kpis.catalog import KPI_VALUE_COLUMNS, KPIS, kpis_in
from caresight.kpis.engine import GROUPS, compute_kpis
from caresight.store import Store
from factories import account, line
from kpis.computing import Computed, ComputeFn, compute_on, config, read_results

ONE_ACCOUNT = {
    "accounts": [account("A")],
    "subscription_lines": [line("a1", "A", "2024-01-01", 100)],
}
RENEWAL_KPIS = {
    "renewal_rate", "renewal_arr_rate", "renewal_forecast_accuracy",
    "renewal_forecast_coverage", "renewal_confidence_days", "renewal_confidence_days_p90",
    "upcoming_renewal_arr_at_risk",
}


def test_every_revenue_kpi_of_the_catalogue_is_computed_by_exactly_one_group() -> None:
    grouped = [kpi for group in GROUPS for kpi in group.kpis]
    assert len(grouped) == len(set(grouped))
    assert {k.id for k in kpis_in("revenue")} <= set(grouped)


@pytest.fixture(scope="module")
def one_account(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Computed]:
    path = tmp_path_factory.mktemp("engine") / "one.duckdb"
    return path, compute_on(path, ONE_ACCOUNT, as_of="2024-02-10")


def test_kpis_whose_tables_are_absent_are_listed_with_those_tables(
    one_account: tuple[Path, Computed],
) -> None:
    _, got = one_account
    # Only the revenue KPIs rest on accounts and subscription lines alone.
    revenue = {k.id for k in kpis_in("revenue")}
    assert set(got.result.unavailable) == set(KPIS) - (revenue - RENEWAL_KPIS)
    assert got.result.unavailable["active_user_rate"] == ["users", "workflow_events"]
    assert got.result.unavailable["cost_to_serve"] == ["account_costs or environments"]
    assert got.result.unavailable["renewal_rate"] == ["renewals"]
    assert got.result.unavailable["renewal_forecast_accuracy"] == [
        "renewals", "renewal_forecasts"
    ]
    assert not got.values.kpi.isin(RENEWAL_KPIS).any()


def test_availability_is_recorded_in_the_store(one_account: tuple[Path, Computed]) -> None:
    availability = one_account[1].availability.set_index("kpi")
    assert bool(availability.loc["mrr", "available"]) is True
    assert bool(availability.loc["renewal_rate", "available"]) is False
    assert availability.loc["renewal_rate", "missing_tables"] == "renewals"


def test_the_result_counts_what_was_written(one_account: tuple[Path, Computed]) -> None:
    _, got = one_account
    assert got.result.rows == len(got.values)
    assert got.result.periods == 2
    assert "mrr" in got.result.computed and "renewal_rate" not in got.result.computed
    assert tuple(got.values.columns) == KPI_VALUE_COLUMNS


def test_the_as_of_and_currency_of_the_results_are_recorded(
    one_account: tuple[Path, Computed],
) -> None:
    with Store(one_account[0]) as store:
        assert (store.meta("kpis_as_of"), store.meta("kpis_currency")) == ("2024-02-10", "USD")


def test_money_in_another_currency_without_fx_rates_makes_revenue_unavailable(
    compute: ComputeFn,
) -> None:
    got = compute(
        as_of="2024-01-31",
        accounts=[account("A")],
        subscription_lines=[line("a1", "A", "2024-01-01", 100, currency="EUR")],
    )
    assert got.result.unavailable["mrr"] == ["fx_rates"]
    assert got.values.empty


def test_a_missing_rate_is_an_error_that_leaves_the_previous_results(
    make_store: Callable[..., Path],
) -> None:
    path = make_store(
        fx_rates=[{"currency": "GBP", "month": "2024-01", "rate": 1.3}], **ONE_ACCOUNT
    )
    compute_kpis(path, config("2024-01-31"))
    before = read_results(path).values

    # Reporting in EUR needs a USD rate the store does not have.
    with pytest.raises(CaresightError, match="no rate for USD in 2024-01"):
        compute_kpis(path, config("2024-01-31", reporting_currency="EUR"))

    after = read_results(path).values
    assert len(after) == len(before) > 0
    with Store(path) as store:
        assert store.meta("kpis_currency") == "USD"


def test_computing_again_replaces_the_results(make_store: Callable[..., Path]) -> None:
    path = make_store(**ONE_ACCOUNT)
    compute_kpis(path, config("2024-03-31"))
    second = compute_kpis(path, config("2024-01-31"))
    values = read_results(path, second).values
    assert len(values) == second.rows
    assert set(values.period) == {"2024-01"}


def test_progress_is_reported_per_group(make_store: Callable[..., Path]) -> None:
    calls: list[tuple[str, int, int]] = []
    compute_kpis(make_store(**ONE_ACCOUNT), config("2024-01-31"),
                 progress=lambda *call: calls.append(call))
    assert [done for _, done, _ in calls] == list(range(len(GROUPS) + 1))
    assert {total for _, _, total in calls} == {len(GROUPS)}


def test_each_computed_group_logs_one_line(
    make_store: Callable[..., Path], caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="caresight.kpis.engine"):
        compute_kpis(make_store(**ONE_ACCOUNT), config("2024-01-31"))
    computed = [r.getMessage() for r in caplog.records if "computed" in r.getMessage()]
    assert len(computed) == 1 and computed[0].startswith("computed revenue KPIs:")


def test_an_empty_store_path_is_a_store_error(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="no store"):
        compute_kpis(tmp_path / "absent.duckdb", config("2024-01-31"))


THRESHOLDS = {
    "logo_churn_rate": {"green": 0.01, "amber": 0.02},
    "contraction_rate": {"green": 0.01, "amber": 0.06},
    "grr_1m": {"green": 0.99, "amber": 0.9},
    "nrr_1m": {"green": 0.85, "amber": 0.5},
}


@pytest.fixture(scope="module")
def coloured(tmp_path_factory: pytest.TempPathFactory) -> Computed:
    # Ten accounts of 100 in January; in February one churns and one halves.
    lines = [line(f"l{i}", f"A{i}", "2024-01-01", 100) for i in range(8)]
    lines += [
        line("gone", "A8", "2024-01-01", 100, end_on="2024-01-31"),
        line("half1", "A9", "2024-01-01", 50),
        line("half2", "A9", "2024-01-01", 50, end_on="2024-01-31"),
    ]
    tables = {"accounts": [account(f"A{i}") for i in range(10)], "subscription_lines": lines}
    path = tmp_path_factory.mktemp("status") / "status.duckdb"
    return compute_on(path, tables, as_of="2024-02-29", thresholds=THRESHOLDS)


@pytest.mark.parametrize(
    ("kpi", "period", "status"),
    [
        # 1 / 10 = 0.10 churn, above amber 0.02 for a KPI where down is better.
        pytest.param("logo_churn_rate", "2024-02", "red", id="down-direction-red"),
        # (800 + 0 + 50) / 1000 = 0.85, below amber 0.9.
        pytest.param("grr_1m", "2024-02", "red", id="up-direction-red"),
        # 50 / 1000 = 0.05: above green 0.01, within amber 0.06.
        pytest.param("contraction_rate", "2024-02", "amber", id="down-direction-amber"),
        # 850 / 1000 = 0.85, exactly green.
        pytest.param("nrr_1m", "2024-02", "green", id="at-the-green-threshold-is-green"),
        pytest.param("grr_1m", "2024-01", None, id="empty-value-no-status"),
        pytest.param("mrr", "2024-02", None, id="no-threshold-no-status"),
    ],
)
def test_status_compares_the_value_with_the_thresholds(
    coloured: Computed, kpi: str, period: str, status: str | None
) -> None:
    assert coloured.row(kpi, period)["status"] == status


def test_a_value_on_its_threshold_up_to_rounding_takes_the_better_colour() -> None:
    import ibis

    from caresight.config import load_config
    from caresight.kpis.values import status

    settings = load_config(None, thresholds={"grr_1m": {"green": 0.8, "amber": 0.5}})
    # 0.1 + 0.7 is 0.7999999999999999 in floating point: a reader sees 0.8, on green.
    assert 0.1 + 0.7 < 0.8
    colour = status("grr_1m", ibis.literal(0.1 + 0.7), settings)
    assert ibis.duckdb.connect().execute(colour) == "green"


def test_an_as_of_before_the_first_line_is_refused_with_the_first_day(make_store) -> None:
    from caresight.errors import CaresightError

    tables = {"accounts": [account("A")],
              "subscription_lines": [line("a1", "A", "2024-03-01", 100)]}
    with pytest.raises(CaresightError, match=r"as_of 2024-01-31 .* \(2024-03-01\)"):
        compute_on(make_store(), tables, as_of="2024-01-31")
