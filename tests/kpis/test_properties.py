"""Invariants on random small worlds: the bridge closes, rates stay within [0, 1],
segments add up to the book."""

from __future__ import annotations

import tempfile
from datetime import date, timedelta
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from caresight.kpis.catalog import ACCOUNT_DIMENSIONS
from factories import account, line
from kpis.computing import Computed, compute_on

START = date(2023, 1, 1)
CURRENCIES = ("USD", "EUR", "GBP")
MONTHS = [f"{y}-{m:02d}" for y in (2023, 2024) for m in range(1, 13)]

#: Ratio KPIs that must lie in [0, 1]. nrr may exceed 1, and forecast accuracy falls
#: below 0 when forecasts miss by more than the ARR due; both are left out.
RATES = (
    "logo_churn_rate", "contraction_rate", "grr_1m", "grr_12m", "renewal_rate",
    "renewal_arr_rate", "renewal_forecast_coverage",
)
BRIDGE = ("mrr", "new_mrr", "reactivation_mrr", "expansion_mrr", "contraction_mrr",
          "churned_mrr", "fx_mrr")
ADDITIVE = (
    "mrr", "new_mrr", "reactivation_mrr", "churned_mrr", "expansion_mrr", "contraction_mrr",
    "fx_mrr", "paying_accounts",
)

days = st.integers(0, 540).map(lambda n: START + timedelta(days=n))
money = st.integers(0, 500_000).map(lambda cents: cents / 100)


@st.composite
def accounts(draw: st.DrawFn, count: int) -> list[dict]:
    rows = []
    for i in range(count):
        channel = draw(st.sampled_from(["direct", "reseller", "oem"]))
        rows.append(account(
            f"A{i}",
            channel=channel,
            partner_id=None if channel == "direct" else draw(st.sampled_from(["P1", "P2"])),
            region=draw(st.sampled_from(["emea", "na", None])),
            service_tier=draw(st.sampled_from(["standard", "premium"])),
        ))
    return rows


@st.composite
def subscription_lines(draw: st.DrawFn, count: int) -> list[dict]:
    rows = []
    for i in range(draw(st.integers(1, 10))):
        start = draw(days)
        length = draw(st.none() | st.integers(0, 400))
        rows.append(line(
            f"L{i}", f"A{draw(st.integers(0, count - 1))}", start.isoformat(), draw(money),
            end_on=None if length is None else (start + timedelta(days=length)).isoformat(),
            billing_period_months=draw(st.sampled_from([1, 3, 6, 12, 24, 36])),
            currency=draw(st.sampled_from(CURRENCIES)),
            product_category=draw(st.sampled_from(["module", "hosting", "support"])),
        ))
    return rows


@st.composite
def renewals(draw: st.DrawFn, count: int) -> tuple[list[dict], list[dict]]:
    rows, forecasts = [], {}
    for i in range(draw(st.integers(0, 6))):
        due = draw(days)
        outcome = draw(st.sampled_from(["open", "renewed", "churned"]))
        arr_due = draw(money)
        rows.append({
            "renewal_id": f"R{i}",
            "account_id": f"A{draw(st.integers(0, count - 1))}",
            "due_on": due.isoformat(),
            "arr_due": arr_due,
            "currency": draw(st.sampled_from(CURRENCIES)),
            "outcome": outcome,
            "renewed_arr": draw(money) if outcome == "renewed" else None,
            "closed_on": None if outcome == "open"
            else (due + timedelta(days=draw(st.integers(-40, 40)))).isoformat(),
        })
        for _ in range(draw(st.integers(0, 3))):
            made = due - timedelta(days=draw(st.integers(-10, 200)))
            forecasts[(f"R{i}", made)] = {
                "renewal_id": f"R{i}",
                "as_of": made.isoformat(),
                "forecast_arr": draw(money),
                "category": draw(st.sampled_from([None, "commit", "probable", "at_risk",
                                                  "lost"])),
                "probability": draw(st.none() | st.floats(0, 1)),
            }
    return rows, list(forecasts.values())


@st.composite
def worlds(draw: st.DrawFn) -> tuple[dict, str]:
    count = draw(st.integers(1, 5))
    renewal_rows, forecast_rows = draw(renewals(count))
    rates = [
        {"currency": c, "month": m, "rate": draw(st.floats(0.5, 2.0))}
        for c in CURRENCIES[1:] for m in MONTHS
    ]
    tables = {
        "accounts": draw(accounts(count)),
        "subscription_lines": draw(subscription_lines(count)),
        "fx_rates": rates,
        "renewals": renewal_rows,
        "renewal_forecasts": forecast_rows,
    }
    as_of = draw(st.integers(14, 540).map(lambda n: START + timedelta(days=n)))
    return tables, as_of.isoformat()


def _compute(tables: dict, as_of: str) -> Computed:
    with tempfile.TemporaryDirectory() as folder:
        return compute_on(Path(folder) / "world.duckdb", tables, as_of)


def _wide(got: Computed) -> pd.DataFrame:
    """One row per (dimension, segment, period) that has values, one column per KPI."""
    return got.values.set_index(["dimension", "segment", "period", "kpi"]).value.unstack("kpi")


def _bridge_gaps(got: Computed) -> pd.Series:
    """|mrr(m) - (mrr(m-1) + movements + fx)| per segment, per account and per period.

    An account has rows only while it pays in m or m-1, so the row before a gap is its
    churn month, with MRR 0: taking the previous row as m-1 is exact."""
    wide = _wide(got)
    dimension = wide.index.get_level_values("dimension")
    kept = dimension.isin(["all", "account", *ACCOUNT_DIMENSIONS])
    wide = wide[kept].reindex(columns=list(BRIDGE)).sort_index()
    # An account keeps grr_12m rows while in the 12-month cohort, also in months when it
    # neither pays nor paid the month before; those months have no bridge to close.
    wide = wide.dropna(how="all")
    wide["fx_mrr"] = wide.fx_mrr.fillna(0.0)
    previous = wide.groupby(level=["dimension", "segment"]).mrr.shift(1).fillna(0.0)
    expected = (previous + wide.new_mrr + wide.reactivation_mrr + wide.expansion_mrr
                - wide.contraction_mrr - wide.churned_mrr + wide.fx_mrr)
    return (wide.mrr - expected).abs()


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(worlds())
def test_random_worlds_close_the_bridge_keep_rates_in_range_and_add_up(
    world: tuple[dict, str],
) -> None:
    # One computation checked three ways, since computing is the slow part.
    tables, as_of = world
    # Measuring before the first line or renewal is refused: there is nothing to measure.
    firsts = [r["start_on"] for r in tables["subscription_lines"]]
    firsts += [r["due_on"] for r in tables.get("renewals", [])]
    assume(min(str(day) for day in firsts) <= as_of)
    got = _compute(tables, as_of)

    gaps = _bridge_gaps(got)
    assert len(gaps) > 0 and gaps.notna().all()
    # Each stored figure is rounded to 6 decimals, so 8 terms may differ by 8 x 0.5e-6.
    assert gaps.max() < 1e-5, "the bridge does not close to the cent"

    rates = got.values[got.values.kpi.isin(RATES)].dropna(subset=["value"])
    outside = rates[(rates.value < -1e-12) | (rates.value > 1 + 1e-12)]
    assert outside.empty, outside.to_string()

    values = got.values[got.values.kpi.isin(ADDITIVE)]
    book = values[values.dimension == "all"].set_index(["kpi", "period"]).value.sort_index()
    for dimension in ACCOUNT_DIMENSIONS:
        sums = values[values.dimension == dimension].groupby(["kpi", "period"]).value.sum()
        assert sums.sort_index().to_numpy() == pytest.approx(book.to_numpy(), abs=1e-4), (
            f"{dimension} does not add up to the book"
        )
