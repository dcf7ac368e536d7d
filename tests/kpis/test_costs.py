"""Cost to serve and gross margin on small books whose every figure is worked out by hand.

Unless a test says otherwise: lines are USD and monthly, the book is measured on
2024-03-31 (one period, March), a ticket costs 25, a standard account's success costs 40,
a premium one's 120 and any other tier's 10.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from caresight.kpis.fx import MissingRate
from caresight.store import Store
from factories import account, line
from kpis.computing import Computed, compute_on

COSTS = {
    "support_cost_per_ticket": 25.0,
    "success_cost_per_tier": {"standard": 40.0, "premium": 120.0},
    "default_success_cost": 10.0,
}

#: Success and support set to nothing, for tests about hosting alone.
HOSTING_ONLY = {"support_cost_per_ticket": 25.0, "success_cost_per_tier": {},
                "default_success_cost": 0.0}


def environment(environment_id: str, monthly_cost: float, currency: str = "USD",
                deployment_model: str = "multi_tenant") -> dict:
    return {
        "environment_id": environment_id, "deployment_model": deployment_model,
        "requested_at": "2023-01-01 00:00:00", "ready_at": "2023-01-02 00:00:00",
        "monthly_cost": monthly_cost, "currency": currency,
    }


#: An environment no account runs in: the hosting source the costs need to be computed at
#: all, in tests about the other costs.
IDLE = [environment("IDLE", 0)]


def usage(environment_id: str, account_id: str, day: str, cpu_share: float) -> dict:
    return {"environment_id": environment_id, "account_id": account_id, "date": day,
            "cpu_share": cpu_share}


def cost(account_id: str, month: str, cost_type: str, amount: float,
         currency: str = "USD") -> dict:
    return {"account_id": account_id, "month": month, "cost_type": cost_type,
            "amount": amount, "currency": currency}


def ticket(ticket_id: str, account_id: str, opened_at: str) -> dict:
    return {"ticket_id": ticket_id, "account_id": account_id, "opened_at": opened_at,
            "severity": "sev3", "category": "how_to", "cause_owner": "customer",
            "handled_by": "platform"}


class Costed:
    """The computed values and the cost_to_serve detail table."""

    def __init__(self, computed: Computed, detail: pd.DataFrame) -> None:
        self.computed = computed
        self.detail = detail

    def cost(self, account_id: str, period: str = "2024-03") -> dict[str, Any]:
        """The detail row of one account in one period."""
        d = self.detail
        found = d[(d.account_id == account_id) & (d.period == period)]
        assert len(found) == 1, f"{len(found)} cost rows for {account_id} in {period}"
        return found.iloc[0].to_dict()


@pytest.fixture
def costed(tmp_path: Path):
    """costed(tables, as_of=..., costs=..., **settings) -> Costed."""
    counter = iter(range(1000))

    def run(tables: dict[str, list[dict]], *, as_of: str = "2024-03-31",
            costs: dict | None = None, **settings: Any) -> Costed:
        path = tmp_path / f"costs-{next(counter)}.duckdb"
        computed = compute_on(path, tables, as_of, costs=costs or COSTS, **settings)
        with Store(path, read_only=True) as store:
            # Absent when the costs could not be computed.
            detail = (store.con.execute("SELECT * FROM cost_to_serve").df()
                      if store.has_table("cost_to_serve") else pd.DataFrame())
        return Costed(computed, detail)

    return run


def paying(*account_ids: str, start_on: str = "2024-03-01", amount: float = 100) -> list[dict]:
    return [line(f"{a}-line", a, start_on, amount) for a in account_ids]


# --- hosting ------------------------------------------------------------------------------


def test_hosting_is_split_by_cpu_share_renormalised_over_the_tenants(costed) -> None:
    result = costed({
        "accounts": [account("A", environment_id="E1"), account("B", environment_id="E1")],
        "subscription_lines": paying("A", "B"),
        "environments": [environment("E1", 1000)],
        "tenant_usage": [
            usage("E1", "A", "2024-03-01", 0.6), usage("E1", "A", "2024-03-02", 0.6),
            usage("E1", "B", "2024-03-01", 0.2), usage("E1", "B", "2024-03-02", 0.2),
        ],
    }, costs=HOSTING_ONLY)

    # Mean shares 0.6 and 0.2 cover 0.8 of the machine; renormalised: 0.75 and 0.25.
    a, b = result.cost("A"), result.cost("B")
    assert a["hosting"] == pytest.approx(1000 * 0.6 / (0.6 + 0.2))  # 750
    assert b["hosting"] == pytest.approx(1000 * 0.2 / (0.6 + 0.2))  # 250
    assert a["hosting_share"] == pytest.approx(0.75)
    assert a["hosting_method"] == b["hosting_method"] == "cpu_share"


def test_a_tenant_present_fewer_days_weighs_by_its_days(costed) -> None:
    result = costed({
        "accounts": [account("A", environment_id="E1"), account("B", environment_id="E1")],
        "subscription_lines": paying("A", "B"),
        "environments": [environment("E1", 1000)],
        "tenant_usage": [
            usage("E1", "A", "2024-03-01", 0.3), usage("E1", "A", "2024-03-02", 0.3),
            usage("E1", "A", "2024-03-03", 0.3), usage("E1", "B", "2024-03-03", 0.3),
        ],
    }, costs=HOSTING_ONLY)

    # Over the environment's 3 days, A's mean share is 0.3 and B's 0.3 / 3 = 0.1.
    assert result.cost("A")["hosting"] == pytest.approx(1000 * 0.3 / (0.3 + 0.1))  # 750
    assert result.cost("B")["hosting"] == pytest.approx(1000 * 0.1 / (0.3 + 0.1))  # 250


def test_a_paying_tenant_without_usage_gets_no_share_when_others_have_usage(costed) -> None:
    result = costed({
        "accounts": [account("A", environment_id="E1"), account("B", environment_id="E1")],
        "subscription_lines": paying("A", "B"),
        "environments": [environment("E1", 1000)],
        "tenant_usage": [usage("E1", "A", "2024-03-01", 0.4)],
    }, costs=HOSTING_ONLY)

    assert result.cost("A")["hosting"] == pytest.approx(1000)
    assert result.cost("B")["hosting"] == 0
    assert result.cost("B")["hosting_method"] == "cpu_share"


def test_a_tenant_paying_nothing_takes_no_share_of_the_environment(costed) -> None:
    result = costed({
        "accounts": [account("A", environment_id="E1"), account("C", environment_id="E1")],
        "subscription_lines": paying("A"),
        "environments": [environment("E1", 1000)],
        "tenant_usage": [usage("E1", "A", "2024-03-01", 0.5),
                         usage("E1", "C", "2024-03-01", 0.5)],
    }, costs=HOSTING_ONLY)

    # C is not costed, so A, the only paying tenant, carries the whole environment.
    assert result.cost("A")["hosting"] == pytest.approx(1000)
    assert "C" not in set(result.detail.account_id)


def test_hosting_is_split_equally_in_a_month_without_usage(costed) -> None:
    result = costed({
        "accounts": [account(a, environment_id="E1") for a in "ABC"],
        "subscription_lines": paying("A", "B", "C", start_on="2024-02-01"),
        "environments": [environment("E1", 900)],
        # February has usage, March none.
        "tenant_usage": [usage("E1", "A", "2024-02-10", 0.5),
                         usage("E1", "B", "2024-02-10", 0.25),
                         usage("E1", "C", "2024-02-10", 0.25)],
    }, costs=HOSTING_ONLY)

    assert result.cost("A", "2024-02")["hosting"] == pytest.approx(900 * 0.5 / 1.0)  # 450
    assert result.cost("A", "2024-02")["hosting_method"] == "cpu_share"
    for a in "ABC":
        assert result.cost(a)["hosting"] == pytest.approx(900 / 3)  # 300
        assert result.cost(a)["hosting_method"] == "equal_split"


def test_without_a_usage_table_hosting_is_split_equally(costed) -> None:
    result = costed({
        "accounts": [account("A", environment_id="E1"), account("B", environment_id="E1")],
        "subscription_lines": paying("A", "B"),
        "environments": [environment("E1", 1000)],
    }, costs=HOSTING_ONLY)

    assert result.cost("A")["hosting"] == result.cost("B")["hosting"] == pytest.approx(500)
    assert result.cost("A")["hosting_method"] == "equal_split"


def test_usage_after_as_of_is_ignored(costed) -> None:
    result = costed({
        "accounts": [account("A", environment_id="E1"), account("B", environment_id="E1")],
        "subscription_lines": paying("A", "B"),
        "environments": [environment("E1", 1000)],
        "tenant_usage": [usage("E1", "A", "2024-03-10", 0.5),
                         usage("E1", "B", "2024-03-20", 0.5)],  # after as_of
    }, as_of="2024-03-15", costs=HOSTING_ONLY)

    assert result.cost("A")["hosting"] == pytest.approx(1000)
    assert result.cost("B")["hosting"] == 0


def test_a_dedicated_environment_charges_its_whole_cost_to_its_account(costed) -> None:
    result = costed({
        "accounts": [account("D", deployment_model="dedicated", environment_id="E2"),
                     account("A", environment_id="E1")],
        "subscription_lines": paying("D", "A"),
        "environments": [environment("E2", 2500, deployment_model="dedicated"),
                         environment("E1", 1000)],
    }, costs=HOSTING_ONLY)

    assert result.cost("D")["hosting"] == pytest.approx(2500)
    assert result.cost("D")["hosting_share"] == pytest.approx(1.0)


@pytest.mark.parametrize(
    "tables",
    [
        pytest.param({"accounts": [account("A", environment_id="E1")],
                      "account_costs": [cost("A", "2024-03", "other", 5)]},
                     id="no-environments-table"),
        pytest.param({"accounts": [account("A")], "environments": [environment("E1", 1000)]},
                     id="account-without-environment"),
    ],
)
def test_hosting_without_an_environment_is_nothing(costed, tables: dict) -> None:
    result = costed({**tables, "subscription_lines": paying("A")}, costs=HOSTING_ONLY)

    assert result.cost("A")["hosting"] == 0
    assert result.cost("A")["hosting_method"] == "none"


def test_a_foreign_currency_environment_is_converted_at_each_months_rate(costed) -> None:
    result = costed({
        "accounts": [account("A", environment_id="E1")],
        "subscription_lines": paying("A", start_on="2024-02-01"),
        "environments": [environment("E1", 1000, currency="EUR")],
        "fx_rates": [{"currency": "EUR", "month": "2024-02", "rate": 1.10},
                     {"currency": "EUR", "month": "2024-03", "rate": 1.20}],
    }, costs=HOSTING_ONLY)

    assert result.cost("A", "2024-02")["hosting"] == pytest.approx(1000 * 1.10)
    assert result.cost("A", "2024-03")["hosting"] == pytest.approx(1000 * 1.20)


def test_costs_are_unavailable_when_a_foreign_cost_has_no_fx_rates(costed) -> None:
    result = costed({
        "accounts": [account("A", environment_id="E1")],
        "subscription_lines": paying("A"),
        "environments": [environment("E1", 1000, currency="EUR")],
    }, costs=HOSTING_ONLY)

    availability = result.computed.availability.set_index("kpi")
    assert not bool(availability.loc["cost_to_serve", "available"])
    assert availability.loc["cost_to_serve", "missing_tables"] == "fx_rates"
    assert bool(availability.loc["mrr", "available"])
    assert result.detail.empty


def test_a_missing_rate_for_an_environment_in_use_is_an_error(tmp_path: Path) -> None:
    tables = {
        "accounts": [account("A", environment_id="E1")],
        "subscription_lines": paying("A"),
        "environments": [environment("E1", 1000, currency="EUR")],
        "fx_rates": [{"currency": "EUR", "month": "2024-02", "rate": 1.10}],
    }

    with pytest.raises(MissingRate, match="EUR in 2024-03"):
        compute_on(tmp_path / "store.duckdb", tables, "2024-03-31", costs=HOSTING_ONLY)


# --- explicit costs -----------------------------------------------------------------------


def test_account_costs_are_used_for_every_type_they_give(costed) -> None:
    result = costed({
        "accounts": [account("A", environment_id="E1", service_tier="premium")],
        "subscription_lines": paying("A"),
        "environments": [environment("E1", 1000)],
        "tickets": [ticket("t1", "A", "2024-03-05 10:00:00")],
        "account_costs": [
            cost("A", "2024-03", "hosting", 300), cost("A", "2024-03", "hosting", 200),
            cost("A", "2024-03", "support", 50), cost("A", "2024-03", "success", 70),
            cost("A", "2024-03", "other", 30),
            cost("A", "2024-02", "hosting", 999),  # another month
        ],
    })

    a = result.cost("A")
    assert (a["hosting"], a["support"], a["success"], a["other"]) == (300 + 200, 50, 70, 30)
    assert a["total"] == pytest.approx(500 + 50 + 70 + 30)
    assert a["hosting_method"] == a["support_method"] == a["success_method"] == "account_costs"
    assert a["hosting_share"] is None or pd.isna(a["hosting_share"])


def test_account_costs_for_hosting_alone_leave_support_and_success_allocated(costed) -> None:
    result = costed({
        "accounts": [account("A", environment_id="E1", service_tier="premium")],
        "subscription_lines": paying("A"),
        "environments": [environment("E1", 1000)],
        "tickets": [ticket("t1", "A", "2024-03-05 10:00:00"),
                    ticket("t2", "A", "2024-03-06 10:00:00")],
        "account_costs": [cost("A", "2024-03", "hosting", 400)],
    })

    a = result.cost("A")
    assert (a["hosting"], a["hosting_method"]) == (400, "account_costs")
    assert (a["support"], a["support_method"]) == (2 * 25, "tickets")
    assert (a["success"], a["success_method"]) == (120, "tier")
    assert a["other"] == 0
    assert a["total"] == pytest.approx(400 + 50 + 120)


def test_an_explicit_cost_of_one_tenant_leaves_the_others_share_as_it_was(costed) -> None:
    result = costed({
        "accounts": [account("A", environment_id="E1"), account("B", environment_id="E1")],
        "subscription_lines": paying("A", "B"),
        "environments": [environment("E1", 1000)],
        "account_costs": [cost("A", "2024-03", "hosting", 100)],
    }, costs=HOSTING_ONLY)

    # B's share is still half of E1, not all of it.
    assert result.cost("A")["hosting"] == 100
    assert result.cost("B")["hosting"] == pytest.approx(1000 / 2)


def test_foreign_account_costs_are_converted_at_their_months_rate(costed) -> None:
    result = costed({
        "accounts": [account("A")],
        "subscription_lines": paying("A", start_on="2024-02-01"),
        "account_costs": [cost("A", "2024-02", "other", 100, currency="GBP"),
                          cost("A", "2024-03", "other", 100, currency="GBP")],
        "fx_rates": [{"currency": "GBP", "month": "2024-02", "rate": 1.25},
                     {"currency": "GBP", "month": "2024-03", "rate": 1.30}],
    }, costs=HOSTING_ONLY)

    assert result.cost("A", "2024-02")["other"] == pytest.approx(100 * 1.25)
    assert result.cost("A", "2024-03")["other"] == pytest.approx(100 * 1.30)


# --- support and success ------------------------------------------------------------------


def test_support_counts_tickets_by_the_reporting_time_zones_month(costed) -> None:
    result = costed({
        "accounts": [account("A")],
        "subscription_lines": paying("A", start_on="2024-08-01"),
        "environments": IDLE,
        "tickets": [
            ticket("t1", "A", "2024-09-01 03:00:00"),  # 08-31 20:00 in Los Angeles: August
            ticket("t2", "A", "2024-09-01 08:00:00"),  # 09-01 01:00: September
            ticket("t3", "A", "2024-09-21 05:00:00"),  # 09-20 22:00, on as_of: September
            ticket("t4", "A", "2024-09-21 08:00:00"),  # 09-21 01:00: after as_of
        ],
    }, as_of="2024-09-20", reporting_timezone="America/Los_Angeles")

    assert result.cost("A", "2024-08")["support"] == 1 * 25
    assert result.cost("A", "2024-09")["support"] == 2 * 25
    assert result.cost("A", "2024-09")["support_method"] == "tickets"


def test_support_without_a_tickets_table_is_nothing(costed) -> None:
    result = costed({"accounts": [account("A")], "subscription_lines": paying("A"),
                     "environments": IDLE})

    assert (result.cost("A")["support"], result.cost("A")["support_method"]) == (0, "none")


def test_without_any_hosting_cost_source_the_costs_are_not_computed(costed) -> None:
    # Success costs alone would make every margin look like 90 % or more.
    result = costed({"accounts": [account("A")], "subscription_lines": paying("A")})

    unavailable = result.computed.result.unavailable
    assert unavailable["cost_to_serve"] == ["account_costs or environments"]
    assert unavailable["gross_margin"] == ["account_costs or environments"]
    assert result.detail.empty


def test_success_costs_by_tier_and_the_default_for_an_unlisted_tier(costed) -> None:
    result = costed({
        "accounts": [account("A", service_tier="premium"),
                     account("B", service_tier="platinum")],
        "subscription_lines": paying("A", "B"),
        "environments": IDLE,
    })

    assert (result.cost("A")["success"], result.cost("A")["success_method"]) == (120, "tier")
    assert (result.cost("B")["success"], result.cost("B")["success_method"]) == (10, "default")


# --- the KPI values -----------------------------------------------------------------------


#: A earns 1000 and costs 250; B, a reseller's account, earns 100 and costs 150.
MARGIN_BOOK = {
    "accounts": [account("A"), account("B", channel="reseller", partner_id="P1")],
    "partners": [{"partner_id": "P1", "name": "Partner 1", "partner_type": "reseller"}],
    "subscription_lines": [line("a1", "A", "2024-03-01", 1000), line("b1", "B", "2024-03-01", 100)],
    "account_costs": [cost("A", "2024-03", "hosting", 250), cost("B", "2024-03", "hosting", 150)],
}


def test_cost_to_serve_sums_the_accounts_of_each_slice(costed) -> None:
    values = costed(MARGIN_BOOK, costs=HOSTING_ONLY).computed

    book = values.row("cost_to_serve", "2024-03")
    assert (book["value"], book["numerator"], book["denominator"], book["n"]) == (
        250 + 150, 250 + 150, None, 2)
    assert values.value("cost_to_serve", "2024-03", "channel", "reseller") == 150
    assert values.value("cost_to_serve", "2024-03", "account", "A") == 250


def test_gross_margin_per_account(costed) -> None:
    values = costed(MARGIN_BOOK, costs=HOSTING_ONLY).computed

    assert values.value("gross_margin", "2024-03", "account", "A") == pytest.approx(
        (1000 - 250) / 1000)
    assert values.value("gross_margin", "2024-03", "account", "B") == pytest.approx(
        (100 - 150) / 100)


def test_gross_margin_rolls_up_as_sums_not_a_mean_of_ratios(costed) -> None:
    values = costed(MARGIN_BOOK, costs=HOSTING_ONLY).computed

    book = values.row("gross_margin", "2024-03")
    # (1100 - 400) / 1100 = 0.636..., where the mean of 0.75 and -0.5 would be 0.125.
    assert book["value"] == pytest.approx((1100 - 400) / 1100)
    assert (book["numerator"], book["denominator"], book["n"]) == (1100 - 400, 1100, 2)


def test_an_account_paying_nothing_is_left_out(costed) -> None:
    result = costed({
        "accounts": [account("A"), account("B")],
        "subscription_lines": [line("a1", "A", "2024-02-01", 1000),
                               line("b1", "B", "2024-02-01", 100, end_on="2024-02-29")],
        "account_costs": [cost("A", "2024-03", "hosting", 250),
                          cost("B", "2024-03", "hosting", 150)],  # B pays nothing in March
    }, costs=HOSTING_ONLY)

    values = result.computed
    assert values.row("cost_to_serve", "2024-03")["value"] == 250
    assert values.row("cost_to_serve", "2024-03")["n"] == 1
    assert values.value("gross_margin", "2024-03") == pytest.approx((1000 - 250) / 1000)
    assert not values.has("cost_to_serve", "2024-03", "account", "B")
    assert values.has("cost_to_serve", "2024-02", "account", "B")
    assert set(result.detail[result.detail.period == "2024-03"].account_id) == {"A"}


def test_a_month_without_paying_accounts_has_empty_values(costed) -> None:
    values = costed({
        "accounts": [account("A")],
        "subscription_lines": [line("a1", "A", "2024-01-01", 100, end_on="2024-01-31")],
        "environments": IDLE,
    }, costs=HOSTING_ONLY).computed

    for kpi in ("cost_to_serve", "gross_margin"):
        row = values.row(kpi, "2024-03")
        assert row["value"] is None, kpi
        assert row["n"] == 0
    assert values.row("gross_margin", "2024-03")["denominator"] == 0


def test_a_segment_without_paying_accounts_has_empty_values(costed) -> None:
    values = costed({**MARGIN_BOOK, "subscription_lines": [line("a1", "A", "2024-03-01", 1000)]},
                    costs=HOSTING_ONLY).computed

    assert values.value("cost_to_serve", "2024-03", "channel", "reseller") is None
    assert values.value("gross_margin", "2024-03", "channel", "reseller") is None
    assert values.value("gross_margin", "2024-03", "channel", "direct") == pytest.approx(0.75)


def test_the_detail_table_has_a_row_per_paying_account_and_month(costed) -> None:
    result = costed({
        "accounts": [account("A"), account("B")],
        "subscription_lines": paying("A", "B", start_on="2024-02-01"),
        "environments": IDLE,
    })

    assert list(result.detail.columns) == [
        "account_id", "period", "mrr", "hosting", "support", "success", "other", "total",
        "hosting_method", "support_method", "success_method", "environment_id",
        "hosting_share",
    ]
    assert sorted(zip(result.detail.account_id, result.detail.period, strict=True)) == [
        ("A", "2024-02"), ("A", "2024-03"), ("B", "2024-02"), ("B", "2024-03")]
