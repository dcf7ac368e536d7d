"""Revenue KPIs on small books whose every figure is worked out by hand."""

from __future__ import annotations

import pytest

from factories import account, line
from kpis.computing import Computed, ComputeFn, compute_on

# A four-month book, measured on 2024-04-30 (USD, monthly lines unless stated):
#   A: 100 from January, steady.
#   B: a reseller's specialty clinic; 50 from February, plus 30 of support from March.
#   C: 60 from January, last day of service 2024-02-29, so it churns in March.
#   D: 80 plus 20 of hosting from January; the hosting ends mid-February (contraction).
#   E: an account in region apac with no lines at all.
BOOK = {
    "accounts": [
        account("A"),
        account("B", customer_type="specialty_clinic", channel="reseller", partner_id="P1"),
        account("C"),
        account("D"),
        account("E", region="apac"),
    ],
    "partners": [{"partner_id": "P1", "name": "Partner 1", "partner_type": "reseller"}],
    "subscription_lines": [
        line("a1", "A", "2024-01-01", 100),
        line("b1", "B", "2024-02-01", 50),
        line("b2", "B", "2024-03-01", 30, product="support", product_category="support"),
        line("c1", "C", "2024-01-01", 60, end_on="2024-02-29"),
        line("d1", "D", "2024-01-01", 80),
        line("d2", "D", "2024-01-01", 20, product_category="hosting", end_on="2024-02-15"),
    ],
}


@pytest.fixture(scope="module")
def book(tmp_path_factory: pytest.TempPathFactory) -> Computed:
    path = tmp_path_factory.mktemp("book") / "book.duckdb"
    return compute_on(path, BOOK, as_of="2024-04-30")


@pytest.mark.parametrize(
    ("kpi", "period", "expected"),
    [
        pytest.param("mrr", "2024-01", 100 + 60 + 100, id="mrr-january"),
        pytest.param("mrr", "2024-02", 100 + 50 + 60 + 80, id="mrr-february"),
        pytest.param("arr", "2024-03", 12 * (100 + 80 + 80), id="arr-is-12-x-mrr"),
        pytest.param("paying_accounts", "2024-02", 4, id="paying-accounts"),
        pytest.param("arpa", "2024-03", (100 + 80 + 80) / 3, id="arpa"),
        pytest.param("new_mrr", "2024-02", 50, id="new-mrr"),
        pytest.param("reactivation_mrr", "2024-03", 0, id="no-reactivation"),
        pytest.param("expansion_mrr", "2024-03", 80 - 50, id="expansion-mrr"),
        pytest.param("contraction_mrr", "2024-02", 100 - 80, id="contraction-mrr"),
        pytest.param("churned_mrr", "2024-03", 60, id="churned-mrr"),
        pytest.param("churned_mrr", "2024-02", 0, id="no-churn-while-a-line-is-in-service"),
        pytest.param("fx_mrr", "2024-03", 0, id="no-fx-in-one-currency"),
        pytest.param("logo_churn_rate", "2024-03", 1 / 4, id="logo-churn-rate"),
        pytest.param("contraction_rate", "2024-02", 20 / (100 + 60 + 100), id="contraction-rate"),
        pytest.param("grr_1m", "2024-03", (100 + 50 + 0 + 80) / 290, id="grr-1m"),
        pytest.param("nrr_1m", "2024-03", (100 + 80 + 0 + 80) / 290, id="nrr-1m"),
        pytest.param("expansion_per_account", "2024-03", 30 / 4, id="expansion-per-account"),
        pytest.param("mrr", "2024-04", 100 + 80 + 80, id="mrr-steady-april"),
    ],
)
def test_the_book_has_the_hand_worked_value(
    book: Computed, kpi: str, period: str, expected: float
) -> None:
    assert book.value(kpi, period) == pytest.approx(expected)


@pytest.mark.parametrize(
    ("kpi", "period", "dimension", "segment", "expected"),
    [
        pytest.param("mrr", "2024-03", "customer_type", "specialty_clinic", 50 + 30,
                     id="customer-type"),
        pytest.param("new_mrr", "2024-02", "partner", "P1", 50, id="commercial-partner"),
        pytest.param("churned_mrr", "2024-03", "partner", "direct", 60, id="direct-for-none"),
        pytest.param("mrr", "2024-03", "delivery_partner", "platform", 100 + 80 + 80,
                     id="platform-delivers-when-no-partner"),
        pytest.param("expansion_mrr_by_category", "2024-03", "product_category", "support", 30,
                     id="expansion-by-category"),
        pytest.param("expansion_mrr_by_category", "2024-02", "product_category", "hosting", 0,
                     id="a-shrinking-category-is-no-expansion"),
        # B (reseller P1) adds 30 of support in March; no reseller account adds modules.
        pytest.param("expansion_mrr_by_category", "2024-03", "channel:product_category",
                     "reseller:support", 30, id="expansion-by-category-in-a-segment"),
        pytest.param("expansion_mrr_by_category", "2024-03", "channel:product_category",
                     "direct:support", 0, id="no-expansion-by-category-in-another-segment"),
        pytest.param("mrr", "2024-03", "account", "C", 0, id="a-churned-account-has-0-mrr"),
        pytest.param("churned_mrr", "2024-03", "account", "C", 60, id="churn-of-an-account"),
        pytest.param("expansion_mrr", "2024-03", "account", "B", 30,
                     id="expansion-of-an-account"),
    ],
)
def test_segments_have_the_hand_worked_value(
    book: Computed, kpi: str, period: str, dimension: str, segment: str, expected: float
) -> None:
    assert book.value(kpi, period, dimension, segment) == pytest.approx(expected)


def test_a_ratio_reports_its_numerator_denominator_and_cohort(book: Computed) -> None:
    row = book.row("grr_1m", "2024-03")
    # February's paying accounts A, B, C, D: 100 + 50 + 60 + 80 then; kept 100 + 50 + 0 + 80.
    assert (row["numerator"], row["denominator"], row["n"]) == (230, 290, 4)


def test_the_first_period_counts_every_paying_account_as_new(book: Computed) -> None:
    assert book.value("new_mrr", "2024-01") == 100 + 60 + 100
    assert book.row("new_mrr", "2024-01")["n"] == 3
    assert book.value("churned_mrr", "2024-01") == 0
    assert book.value("grr_1m", "2024-01") is None
    assert book.value("logo_churn_rate", "2024-01") is None


@pytest.mark.parametrize(
    ("kpi", "expected"),
    [
        pytest.param("mrr", 0, id="mrr-is-0"),
        pytest.param("paying_accounts", 0, id="paying-accounts-is-0"),
        pytest.param("churned_mrr", 0, id="churned-mrr-is-0"),
        pytest.param("arpa", None, id="arpa-is-empty"),
        pytest.param("grr_1m", None, id="grr-is-empty"),
        pytest.param("logo_churn_rate", None, id="logo-churn-is-empty"),
        pytest.param("expansion_per_account", None, id="expansion-per-account-is-empty"),
    ],
)
def test_a_segment_where_nobody_pays_has_zero_sums_and_empty_ratios(
    book: Computed, kpi: str, expected: float | None
) -> None:
    assert book.value(kpi, "2024-03", "region", "apac") == expected


def test_every_segment_has_a_row_for_every_period(book: Computed) -> None:
    apac = book.rows("arpa", "region", "apac")
    assert sorted(apac.period) == ["2024-01", "2024-02", "2024-03", "2024-04"]


def test_accounts_get_rows_only_in_months_they_pay_or_paid_the_month_before(
    book: Computed,
) -> None:
    # C paid in January and February and churned in March; B started in February.
    assert sorted(book.rows("mrr", "account", "C").period) == ["2024-01", "2024-02", "2024-03"]
    assert sorted(book.rows("mrr", "account", "B").period) == ["2024-02", "2024-03", "2024-04"]
    assert book.rows("mrr", "account", "E").empty


CADENCES = {"quarterly": 3, "half-yearly": 6, "annual": 12, "two-year": 24, "three-year": 36}


@pytest.fixture(scope="module")
def billed(tmp_path_factory: pytest.TempPathFactory) -> Computed:
    # One account per cadence, each billed 100 x its months per period.
    tables = {
        "accounts": [account(name) for name in CADENCES],
        "subscription_lines": [
            line(name, name, "2024-01-01", 100 * months, billing_period_months=months)
            for name, months in CADENCES.items()
        ],
    }
    path = tmp_path_factory.mktemp("billed") / "billed.duckdb"
    return compute_on(path, tables, as_of="2024-01-31")


@pytest.mark.parametrize("cadence", list(CADENCES))
def test_billing_periods_are_normalised_to_months(billed: Computed, cadence: str) -> None:
    months = CADENCES[cadence]
    assert billed.value("mrr", "2024-01", "account", cadence) == pytest.approx(
        100 * months / months
    )


def test_one_of_two_lines_ending_is_contraction_not_churn(compute: ComputeFn) -> None:
    got = compute(
        as_of="2024-02-29",
        accounts=[account("A")],
        subscription_lines=[
            line("a1", "A", "2024-01-01", 100),
            line("a2", "A", "2024-01-01", 40, end_on="2024-01-31"),
        ],
    )
    assert got.value("contraction_mrr", "2024-02") == 40
    assert got.value("churned_mrr", "2024-02") == 0
    assert got.value("logo_churn_rate", "2024-02") == 0


def test_switching_from_monthly_to_annual_billing_changes_nothing(compute: ComputeFn) -> None:
    got = compute(
        as_of="2024-05-31",
        accounts=[account("A")],
        subscription_lines=[
            line("monthly", "A", "2024-01-01", 100, end_on="2024-03-31"),
            line("annual", "A", "2024-04-01", 12 * 100, billing_period_months=12),
        ],
    )
    assert got.value("mrr", "2024-04") == 100
    movements = ["new_mrr", "reactivation_mrr", "expansion_mrr", "contraction_mrr",
                 "churned_mrr"]
    assert [got.value(k, "2024-04") for k in movements] == [0, 0, 0, 0, 0]


def test_a_line_ending_on_the_last_day_of_a_month_churns_the_next_month(
    compute: ComputeFn,
) -> None:
    got = compute(
        as_of="2024-03-31",
        accounts=[account("A")],
        subscription_lines=[line("a1", "A", "2024-01-01", 100, end_on="2024-02-29")],
    )
    assert got.value("mrr", "2024-02") == 100
    assert got.value("churned_mrr", "2024-02") == 0
    assert got.value("churned_mrr", "2024-03") == 100


def test_a_returning_account_is_reactivation_and_a_first_timer_is_new(
    compute: ComputeFn,
) -> None:
    got = compute(
        as_of="2024-04-30",
        accounts=[account("back"), account("first"), account("brief")],
        subscription_lines=[
            line("b1", "back", "2024-01-01", 100, end_on="2024-01-31"),
            line("b2", "back", "2024-04-01", 70),
            line("f1", "first", "2024-04-10", 40),
            # In and out inside one month: never paying at a month's end.
            line("x1", "brief", "2024-02-05", 500, end_on="2024-02-20"),
        ],
    )
    # "back" paid in January, not in February or March (a two-month gap), again in April.
    assert got.value("reactivation_mrr", "2024-04") == 70
    assert got.value("new_mrr", "2024-04") == 40
    assert got.row("new_mrr", "2024-04")["n"] == 1
    # "brief" never had month-end MRR, so February shows only the churn of "back".
    assert got.value("new_mrr", "2024-02") == 0
    assert got.value("churned_mrr", "2024-02") == 100
    assert got.value("churned_mrr", "2024-03") == 0


def test_reactivation_after_a_single_month_gap(compute: ComputeFn) -> None:
    got = compute(
        as_of="2024-03-31",
        accounts=[account("A")],
        subscription_lines=[
            line("a1", "A", "2024-01-01", 100, end_on="2024-01-31"),
            line("a2", "A", "2024-03-01", 100),
        ],
    )
    assert got.value("reactivation_mrr", "2024-03") == 100
    assert got.value("new_mrr", "2024-03") == 0


FX = [
    {"currency": "EUR", "month": "2024-01", "rate": 1.10},
    {"currency": "EUR", "month": "2024-02", "rate": 1.20},
    {"currency": "EUR", "month": "2024-03", "rate": 1.00},
]


@pytest.fixture(scope="module")
def two_currencies(tmp_path_factory: pytest.TempPathFactory) -> Computed:
    # A pays 1000 EUR a month, 1100 EUR from March; B pays 100 USD throughout.
    tables = {
        "accounts": [account("A", region="emea"), account("B", region="na")],
        "subscription_lines": [
            line("a1", "A", "2024-01-01", 1000, currency="EUR", end_on="2024-02-29"),
            line("a2", "A", "2024-03-01", 1100, currency="EUR"),
            line("b1", "B", "2024-01-01", 100),
        ],
        "fx_rates": FX,
    }
    path = tmp_path_factory.mktemp("fx") / "fx.duckdb"
    return compute_on(path, tables, as_of="2024-03-31")


@pytest.mark.parametrize(
    ("kpi", "period", "expected"),
    [
        pytest.param("mrr", "2024-01", 1000 * 1.10 + 100, id="converted-at-the-months-rate"),
        pytest.param("mrr", "2024-02", 1000 * 1.20 + 100, id="rate-rises"),
        pytest.param("expansion_mrr", "2024-02", 0, id="a-rate-change-is-not-expansion"),
        pytest.param("contraction_mrr", "2024-03", 0, id="a-rate-fall-is-not-contraction"),
        pytest.param("fx_mrr", "2024-02", 1000 * (1.20 - 1.10), id="fx-carries-the-rise"),
        # March's price rise is measured at March's rates; the rate fall goes to fx.
        pytest.param("expansion_mrr", "2024-03", (1100 - 1000) * 1.00, id="constant-currency"),
        pytest.param("fx_mrr", "2024-03", 1000 * (1.00 - 1.20), id="fx-carries-the-fall"),
        pytest.param("grr_1m", "2024-03", (1000 * 1.00 + 100) / (1000 * 1.00 + 100),
                     id="grr-at-constant-currency"),
    ],
)
def test_a_second_currency_is_converted_at_constant_currency(
    two_currencies: Computed, kpi: str, period: str, expected: float
) -> None:
    assert two_currencies.value(kpi, period) == pytest.approx(expected)


def test_the_bridge_closes_across_a_rate_change(two_currencies: Computed) -> None:
    def v(kpi: str) -> float:
        return two_currencies.value(kpi, "2024-03")

    bridge = (two_currencies.value("mrr", "2024-02") + v("new_mrr") + v("reactivation_mrr")
              + v("expansion_mrr") - v("contraction_mrr") - v("churned_mrr") + v("fx_mrr"))
    assert bridge == pytest.approx(v("mrr"), abs=1e-9)


@pytest.fixture(scope="module")
def thirteen_months(tmp_path_factory: pytest.TempPathFactory) -> Computed:
    # A: 100 from January 2023, plus 50 from January 2024 (grows to 150).
    # B: 100 through December 2023, then 50 (shrinks).
    # C: new in June 2023 at 500, outside January 2023's cohort.
    tables = {
        "accounts": [account("A"), account("B"), account("C")],
        "subscription_lines": [
            line("a1", "A", "2023-01-01", 100),
            line("a2", "A", "2024-01-01", 50),
            line("b1", "B", "2023-01-01", 100, end_on="2023-12-31"),
            line("b2", "B", "2024-01-01", 50),
            line("c1", "C", "2023-06-01", 500),
        ],
    }
    path = tmp_path_factory.mktemp("cohort") / "cohort.duckdb"
    return compute_on(path, tables, as_of="2024-01-31")


@pytest.mark.parametrize(
    ("kpi", "expected"),
    [
        pytest.param("grr_12m", (min(150, 100) + min(50, 100)) / (100 + 100),
                     id="grr-12m-caps-each-account"),
        pytest.param("nrr_12m", (150 + 50) / (100 + 100), id="nrr-12m-lets-growth-count"),
        pytest.param("grr_1m", (100 + 50 + 500) / (100 + 100 + 500), id="grr-1m"),
        pytest.param("nrr_1m", (150 + 50 + 500) / (100 + 100 + 500), id="nrr-1m"),
    ],
)
def test_retention_caps_growth_per_account_and_leaves_new_accounts_out(
    thirteen_months: Computed, kpi: str, expected: float
) -> None:
    assert thirteen_months.value(kpi, "2024-01") == pytest.approx(expected)


def test_twelve_month_retention_reports_the_cohort_size(thirteen_months: Computed) -> None:
    assert thirteen_months.row("grr_12m", "2024-01")["n"] == 2
    assert thirteen_months.value("grr_12m", "2023-12") is None


def test_per_account_twelve_month_retention_covers_only_the_cohort(
    thirteen_months: Computed,
) -> None:
    assert thirteen_months.value("nrr_12m", "2024-01", "account", "A") == 150 / 100
    assert thirteen_months.value("grr_12m", "2024-01", "account", "B") == 50 / 100
    assert not thirteen_months.has("grr_12m", "2024-01", "account", "C")


def test_arpa_divides_by_paying_accounts_only(compute: ComputeFn) -> None:
    got = compute(
        as_of="2024-02-29",
        accounts=[account("payer"), account("never"), account("gone")],
        subscription_lines=[
            line("p1", "payer", "2024-01-01", 100),
            line("g1", "gone", "2024-01-01", 300, end_on="2024-01-31"),
            line("z1", "never", "2024-01-01", 0),
        ],
    )
    assert got.value("arpa", "2024-02") == 100 / 1
    assert got.value("paying_accounts", "2024-02") == 1


def test_a_month_in_progress_is_measured_on_as_of_and_ignores_later_records(
    compute: ComputeFn,
) -> None:
    got = compute(
        as_of="2024-03-15",
        accounts=[account("A"), account("B"), account("C")],
        subscription_lines=[
            line("a1", "A", "2024-01-01", 100),
            line("b1", "B", "2024-01-01", 60, end_on="2024-03-10"),
            line("c1", "C", "2024-03-20", 500),
            line("a2", "A", "2024-03-15", 25),
        ],
    )
    assert got.result.periods == 3
    # On the 15th: A pays 100 + 25 (a2 starts that day); B ended on the 10th; C not yet.
    assert got.value("mrr", "2024-03") == 100 + 25
    assert got.value("churned_mrr", "2024-03") == 60
    assert got.value("expansion_mrr", "2024-03") == 25
    assert got.value("new_mrr", "2024-03") == 0
    assert not (got.values.period > "2024-03").any()


def test_the_spine_starts_at_the_earliest_line(compute: ComputeFn) -> None:
    got = compute(
        as_of="2024-02-10",
        accounts=[account("A")],
        subscription_lines=[line("a1", "A", "2023-11-20", 100)],
    )
    assert sorted(got.rows("mrr").period) == ["2023-11", "2023-12", "2024-01", "2024-02"]
    assert got.value("mrr", "2023-11") == 100
