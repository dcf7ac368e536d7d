"""Names that match nothing in the data are pointed out after computing, values unchanged."""

from __future__ import annotations

from factories import account, line
from kpis.computing import ComputeFn


def event(module: str, rows: int = 1) -> list[dict]:
    return [
        {"occurred_at": f"2024-03-0{i + 1} 10:00:00", "account_id": "A", "user_id": "u1",
         "module": module, "workflow": "book_appointment", "count": 1}
        for i in range(rows)
    ]


def ticket(ticket_id: str, category: str) -> dict:
    return {"ticket_id": ticket_id, "account_id": "A", "opened_at": "2024-03-05 10:00:00",
            "severity": "sev3", "category": category, "cause_owner": "customer",
            "handled_by": "platform"}


BOOK = {
    "accounts": [account("A")],
    "subscription_lines": [line("a1", "A", "2024-01-01", 100, product="scheduling")],
    "implementations": [{"project_id": "P", "account_id": "A", "kind": "onboarding",
                         "kickoff_on": "2023-10-01", "planned_go_live_on": "2023-12-01",
                         "go_live_on": "2023-12-01"}],
    "users": [{"account_id": "A", "user_id": "u1", "role": "nurse",
               "department": "outpatient", "licensed_from": "2023-11-01"}],
}


def test_events_of_a_module_no_line_sells_are_pointed_out(compute: ComputeFn) -> None:
    got = compute(as_of="2024-03-31", **BOOK,
                  workflow_events=event("Scheduling", 3) + event("scheduling", 2))

    assert got.result.notices == [
        "workflow_events: 3 rows name modules no subscription line sells as a module "
        "('Scheduling'); workflow utilisation matches events to paid modules by name, so "
        "these never count. Check the spelling against subscription_lines.product."
    ]


def test_a_dependency_category_no_ticket_has_is_pointed_out(compute: ComputeFn) -> None:
    got = compute(as_of="2024-03-31", **BOOK, workflow_events=event("scheduling"),
                  tickets=[ticket("t1", "how_to"), ticket("t2", "access")],
                  settings={"adoption": {"dependency_categories": ["how-to", "access"]}})

    assert got.result.notices == [
        "[adoption] dependency_categories names 'how-to', which no ticket has; ticket "
        "categories in the data: 'access', 'how_to'."
    ]


def test_a_misspelt_tier_and_an_unpriced_one_are_pointed_out(compute: ComputeFn) -> None:
    got = compute(
        as_of="2024-03-31",
        accounts=[account("A"), account("B", service_tier="platinum")],
        subscription_lines=[line("a1", "A", "2024-01-01", 100)],
        environments=[{"environment_id": "E", "deployment_model": "multi_tenant",
                       "requested_at": "2023-01-01 00:00:00", "monthly_cost": 10.0,
                       "currency": "USD"}],
        settings={"costs": {"success_cost_per_tier": {"standrd": 40.0, "premium": 90.0}}},
    )

    # 'premium' is simply not sold here; 'standrd' looks like 'standard'.
    assert got.result.notices == [
        "[costs] success_cost_per_tier prices 'standrd', which no account has; did you "
        "mean 'standard'?",
        "[costs] success_cost_per_tier has no cost for 'platinum', 'standard'; those "
        "accounts get default_success_cost (0).",
    ]


def test_a_dataset_whose_names_all_match_has_no_notices(compute: ComputeFn) -> None:
    got = compute(as_of="2024-03-31", **BOOK, workflow_events=event("scheduling"),
                  tickets=[ticket("t1", "how_to"), ticket("t2", "configuration"),
                           ticket("t3", "access")])

    assert got.result.notices == []
