"""Adoption and time-to-value KPIs on small books whose every figure is worked out here."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest

from factories import account, line
from kpis.computing import Computed, ComputeFn, compute_on


def user(account_id: str, user_id: str, licensed_from: str = "2024-01-01",
         licensed_until: str | None = None, role: str = "physician",
         department: str = "outpatient") -> dict[str, Any]:
    return {
        "account_id": account_id, "user_id": user_id, "role": role,
        "department": department, "licensed_from": licensed_from,
        "licensed_until": licensed_until,
    }


def event(account_id: str, user_id: str, occurred_at: str, module: str = "scheduling",
          workflow: str = "book_appointment", count: int | None = None) -> dict[str, Any]:
    return {
        "occurred_at": occurred_at, "account_id": account_id, "user_id": user_id,
        "module": module, "workflow": workflow, "count": count,
    }


def onboarding(account_id: str, go_live_on: str | None) -> dict[str, Any]:
    return {
        "project_id": f"p-{account_id}", "account_id": account_id, "kind": "onboarding",
        "kickoff_on": "2023-10-01", "planned_go_live_on": "2024-01-01",
        "go_live_on": go_live_on,
    }


def ticket(ticket_id: str, account_id: str, opened_at: str,
           category: str = "how_to") -> dict[str, Any]:
    return {
        "ticket_id": ticket_id, "account_id": account_id, "opened_at": opened_at,
        "severity": "sev3", "category": category, "cause_owner": "customer",
        "handled_by": "platform",
    }


def lines_for(*account_ids: str) -> list[dict[str, Any]]:
    """A hosting line from January 2024 per account: it starts the month spine and pays
    for no module."""
    return [
        line(f"h-{a}", a, "2024-01-01", 10, product="hosting", product_category="hosting")
        for a in account_ids
    ]


# --- active_user_rate --------------------------------------------------------------------

# Account A, measured on 2024-03-31:
#   u1 physician / outpatient, licensed all along; events on 02-10 and 03-03.
#   u2 administrator / radiology, licensed from 03-15 (mid-month); event on 03-20.
#   u3 nurse / outpatient, licence ended 03-10, before the month's end; event on 03-05.
#   u4 front_desk / outpatient, licensed all along; no events.
# Account B (a clinic) has no users.
ACTIVE = {
    "accounts": [account("A"), account("B", customer_type="clinic")],
    "subscription_lines": lines_for("A", "B"),
    "users": [
        user("A", "u1"),
        user("A", "u2", licensed_from="2024-03-15", role="administrator",
             department="radiology"),
        user("A", "u3", licensed_until="2024-03-10", role="nurse"),
        user("A", "u4", role="front_desk"),
    ],
    "workflow_events": [
        event("A", "u1", "2024-02-10T09:00:00"),
        event("A", "u1", "2024-03-03T09:00:00"),
        event("A", "u2", "2024-03-20T09:00:00"),
        event("A", "u3", "2024-03-05T09:00:00"),
    ],
}


@pytest.fixture(scope="module")
def active(tmp_path_factory: pytest.TempPathFactory) -> Computed:
    path = tmp_path_factory.mktemp("active") / "active.duckdb"
    return compute_on(path, ACTIVE, as_of="2024-03-31")


@pytest.mark.parametrize(
    ("period", "dimension", "segment", "numerator", "denominator"),
    [
        # Licensed on 01-31: u1, u3, u4; nobody worked in January.
        pytest.param("2024-01", "all", "all", 0, 3, id="nobody-active-is-zero"),
        # Licensed on 02-29: u1, u3, u4; only u1 worked.
        pytest.param("2024-02", "all", "all", 1, 3, id="february"),
        # Licensed on 03-31: u1, u2 (from 03-15), u4; u3's licence ended on 03-10, so
        # their March event does not count. Active: u1 and u2.
        pytest.param("2024-03", "all", "all", 2, 3, id="licensed-mid-month-and-ended"),
        pytest.param("2024-03", "account", "A", 2, 3, id="per-account"),
        pytest.param("2024-03", "role", "physician", 1, 1, id="role-physician"),
        pytest.param("2024-03", "role", "front_desk", 0, 1, id="role-front-desk"),
        pytest.param("2024-03", "department", "outpatient", 1, 2, id="department-outpatient"),
        pytest.param("2024-03", "department", "radiology", 1, 1, id="department-radiology"),
    ],
)
def test_active_user_rate_counts_users_licensed_on_the_measuring_day(
    active: Computed, period: str, dimension: str, segment: str, numerator: int,
    denominator: int,
) -> None:
    row = active.row("active_user_rate", period, dimension, segment)
    assert (row["numerator"], row["denominator"], row["n"]) == (numerator, denominator,
                                                                 denominator)
    assert row["value"] == pytest.approx(numerator / denominator)


@pytest.mark.parametrize(
    ("period", "dimension", "segment"),
    [
        pytest.param("2024-03", "customer_type", "clinic", id="segment-without-users"),
        pytest.param("2024-02", "role", "administrator", id="role-not-licensed-yet"),
    ],
)
def test_active_user_rate_is_empty_without_licensed_users(
    active: Computed, period: str, dimension: str, segment: str
) -> None:
    row = active.row("active_user_rate", period, dimension, segment)
    assert row["value"] is None
    assert row["denominator"] == 0


def test_an_account_without_licensed_users_has_no_account_row(active: Computed) -> None:
    assert not active.has("active_user_rate", "2024-03", "account", "B")


def _one_user_with(*occurred_at: str) -> dict[str, list[dict[str, Any]]]:
    return {
        "accounts": [account("A")],
        "subscription_lines": lines_for("A"),
        "users": [user("A", "u1")],
        "workflow_events": [event("A", "u1", at) for at in occurred_at],
    }


def test_events_belong_to_the_local_month_of_a_zone_behind_utc(compute: ComputeFn) -> None:
    # New York is UTC-5 in February: 02-29T23:30Z is 18:30 on 02-29, and 03-01T03:00Z is
    # 22:00 on 02-29, both February. In UTC the second would be a March event.
    tables = _one_user_with("2024-02-29T23:30:00", "2024-03-01T03:00:00")
    new_york = compute(as_of="2024-03-31", settings={"reporting_timezone": "America/New_York"},
                       **tables)
    assert new_york.row("active_user_rate", "2024-02")["numerator"] == 1
    assert new_york.row("active_user_rate", "2024-03")["numerator"] == 0


def test_the_same_events_in_utc_fall_in_both_months(compute: ComputeFn) -> None:
    utc = compute(as_of="2024-03-31", **_one_user_with("2024-02-29T23:30:00",
                                                        "2024-03-01T03:00:00"))
    assert utc.row("active_user_rate", "2024-02")["numerator"] == 1
    assert utc.row("active_user_rate", "2024-03")["numerator"] == 1


def test_events_after_the_as_of_day_are_ignored(compute: ComputeFn) -> None:
    # Measured on 03-15 in New York: 03-16T02:00Z is 22:00 on 03-15 locally (UTC-4 after
    # the 03-10 change), so it counts; 03-16T14:00Z is 03-16 and has not happened yet.
    evening = compute(as_of="2024-03-15", settings={"reporting_timezone": "America/New_York"},
                      **_one_user_with("2024-03-16T02:00:00"))
    later = compute(as_of="2024-03-15", settings={"reporting_timezone": "America/New_York"},
                    **_one_user_with("2024-03-16T14:00:00"))
    assert evening.row("active_user_rate", "2024-03")["numerator"] == 1
    assert later.row("active_user_rate", "2024-03")["numerator"] == 0


# --- workflow_utilization ----------------------------------------------------------------

# Measured on 2024-03-31, floor 20 events. Events in March:
#   A pays for scheduling and billing (and hosting, not a module); scheduling has 15 + 5
#     events (one row with count 15, five without a count), billing 19: A uses 1 of 2.
#   B pays for scheduling and never uses it: 0 of 1.
#   C pays for no module: left out of the mean.
#   D's inventory line ended on 03-20: on 03-31 it pays for nothing.
UTILIZATION = {
    "accounts": [account("A"), account("B"), account("C", region="apac"), account("D")],
    "subscription_lines": [
        *lines_for("A", "B", "C", "D"),
        line("a-s", "A", "2024-01-01", 100, product="scheduling"),
        line("a-b", "A", "2024-01-01", 100, product="billing"),
        line("b-s", "B", "2024-01-01", 100, product="scheduling"),
        line("d-i", "D", "2024-01-01", 100, product="inventory", end_on="2024-03-20"),
    ],
    "workflow_events": [
        event("A", "u1", "2024-03-04T10:00:00", count=15),
        *[event("A", "u1", f"2024-03-0{d}T10:00:00") for d in range(5, 10)],
        event("A", "u1", "2024-03-04T10:00:00", module="billing", workflow="post_invoice",
              count=19),
        event("D", "u9", "2024-03-04T10:00:00", module="inventory", workflow="count_stock",
              count=50),
    ],
}


@pytest.fixture(scope="module")
def utilization(tmp_path_factory: pytest.TempPathFactory) -> Computed:
    path = tmp_path_factory.mktemp("utilization") / "utilization.duckdb"
    return compute_on(path, UTILIZATION, as_of="2024-03-31")


def test_a_segments_utilization_is_the_mean_of_its_accounts_ratios(
    utilization: Computed,
) -> None:
    row = utilization.row("workflow_utilization", "2024-03")
    # A: 1 of 2 modules used, B: 0 of 1; C and D pay for no module.
    assert row["numerator"] == pytest.approx(1 / 2 + 0 / 1)
    assert row["denominator"] == 2
    assert row["value"] == pytest.approx((1 / 2 + 0 / 1) / 2)


@pytest.mark.parametrize(
    ("dimension", "segment", "numerator", "denominator"),
    [
        pytest.param("account", "A", 1, 2, id="account-uses-one-of-two"),
        pytest.param("account", "B", 0, 1, id="module-paid-but-never-used"),
        # Scheduling: A and B pay for it, A uses it 20 times.
        pytest.param("module", "scheduling", 1, 2, id="module-scheduling"),
        # Billing: A pays for it and uses it 19 times, one short of the floor.
        pytest.param("module", "billing", 0, 1, id="module-below-the-floor"),
    ],
)
def test_utilization_by_account_and_module(
    utilization: Computed, dimension: str, segment: str, numerator: int, denominator: int
) -> None:
    row = utilization.row("workflow_utilization", "2024-03", dimension, segment)
    assert (row["numerator"], row["denominator"]) == (numerator, denominator)
    assert row["value"] == pytest.approx(numerator / denominator)


def test_a_module_whose_line_ended_is_not_paid_for_on_the_measuring_day(
    utilization: Computed,
) -> None:
    # D used inventory 50 times in March, but its line ended on 03-20.
    assert utilization.row("workflow_utilization", "2024-03", "module", "inventory")[
        "denominator"] == 0
    assert utilization.row("workflow_utilization", "2024-02", "module", "inventory")[
        "denominator"] == 1
    assert not utilization.has("workflow_utilization", "2024-03", "account", "D")


def test_utilization_is_empty_where_no_account_pays_for_a_module(
    utilization: Computed,
) -> None:
    row = utilization.row("workflow_utilization", "2024-03", "region", "apac")
    assert row["value"] is None
    assert row["denominator"] == 0


def test_the_event_floor_is_a_setting(compute: ComputeFn) -> None:
    lowered = compute(as_of="2024-03-31", settings={"adoption": {"workflow_event_floor": 19}},
                      **UTILIZATION)
    # Billing's 19 events now count: A uses 2 of 2, B 0 of 1.
    assert lowered.value("workflow_utilization", "2024-03") == pytest.approx((1 + 0) / 2)


# --- features_in_production_use ----------------------------------------------------------


def feature(workflow: str, configured_on: str, in_production_on: str | None,
            module: str = "scheduling") -> dict[str, Any]:
    return {
        "account_id": "A", "module": module, "workflow": workflow,
        "configured_on": configured_on, "in_production_on": in_production_on,
    }


# Measured on 2024-03-31, a 30-day window (March: 03-02..03-31; February: 01-31..02-29).
#   f1 in production from 02-01, an event on 03-05.
#   f2 configured but never in production, events on 03-10.
#   f3 in production from 02-15, last event on 02-29.
#   f4 in production from 01-20, last event on 03-02, the window's first day.
#   f5 configured on 04-10, after as_of.
FEATURES = {
    "accounts": [account("A"), account("B", region="apac")],
    "subscription_lines": lines_for("A", "B"),
    "features": [
        feature("book_appointment", "2024-01-10", "2024-02-01"),
        feature("post_invoice", "2024-01-10", None, module="billing"),
        feature("cancel_appointment", "2024-02-01", "2024-02-15"),
        feature("reschedule", "2024-01-15", "2024-01-20"),
        feature("waitlist", "2024-04-10", "2024-04-10"),
    ],
    "workflow_events": [
        event("A", "u1", "2024-03-05T10:00:00", workflow="book_appointment"),
        event("A", "u1", "2024-03-10T10:00:00", module="billing", workflow="post_invoice"),
        event("A", "u1", "2024-02-29T10:00:00", workflow="cancel_appointment"),
        event("A", "u1", "2024-03-02T10:00:00", workflow="reschedule"),
        event("A", "u1", "2024-04-12T10:00:00", workflow="waitlist"),
    ],
}


@pytest.fixture(scope="module")
def features(tmp_path_factory: pytest.TempPathFactory) -> Computed:
    path = tmp_path_factory.mktemp("features") / "features.duckdb"
    return compute_on(path, FEATURES, as_of="2024-03-31")


@pytest.mark.parametrize(
    ("period", "numerator", "denominator"),
    [
        # Configured by 01-31: f1, f2, f4; in production: f4, but no event in January.
        pytest.param("2024-01", 0, 3, id="january"),
        # f1 is in production but had no event in the window; f3's 02-29 event counts.
        pytest.param("2024-02", 1, 4, id="february"),
        # f1 (03-05) and f4 (03-02, the window's first day); f2 is not in production,
        # f3's last event (02-29) is older than 30 days, f5 is configured after as_of.
        pytest.param("2024-03", 2, 4, id="march"),
    ],
)
def test_features_in_production_with_an_event_in_the_window(
    features: Computed, period: str, numerator: int, denominator: int
) -> None:
    row = features.row("features_in_production_use", period)
    assert (row["numerator"], row["denominator"]) == (numerator, denominator)
    assert row["value"] == pytest.approx(numerator / denominator)
    assert features.row("features_in_production_use", period, "account", "A")[
        "numerator"] == numerator


def test_features_are_empty_where_none_are_configured(features: Computed) -> None:
    assert features.value("features_in_production_use", "2024-03", "region", "apac") is None


# --- training_completion -----------------------------------------------------------------


def course(user_id: str, course_name: str, assigned_on: str,
           completed_on: str | None) -> dict[str, Any]:
    return {
        "account_id": "A", "user_id": user_id, "course": course_name,
        "assigned_on": assigned_on, "completed_on": completed_on,
    }


# u1 is a physician in outpatient, u2 a nurse in radiology; "ghost" is not in users.
TRAINING_USERS = [
    user("A", "u1"),
    user("A", "u2", role="nurse", department="radiology"),
]
TRAINING = {
    "accounts": [account("A"), account("B", region="apac")],
    "subscription_lines": lines_for("A", "B"),
    "training": [
        course("u1", "basics", "2024-01-15", "2024-02-10"),
        course("u2", "basics", "2024-02-01", "2024-04-05"),  # completed after March
        course("u1", "advanced", "2024-03-05", None),
        course("ghost", "basics", "2024-01-01", "2024-01-02"),
    ],
}


@pytest.fixture(scope="module")
def training(tmp_path_factory: pytest.TempPathFactory) -> Computed:
    path = tmp_path_factory.mktemp("training") / "training.duckdb"
    return compute_on(path, {**TRAINING, "users": TRAINING_USERS}, as_of="2024-04-30")


@pytest.mark.parametrize(
    ("period", "dimension", "segment", "numerator", "denominator"),
    [
        # Assigned by 01-31: u1 basics, ghost; completed: ghost.
        pytest.param("2024-01", "all", "all", 1, 2, id="january"),
        # u2's course, completed on 04-05, is still open at the end of March.
        pytest.param("2024-03", "all", "all", 2, 4, id="completed-after-the-month"),
        pytest.param("2024-04", "all", "all", 3, 4, id="april"),
        pytest.param("2024-03", "account", "A", 2, 4, id="per-account"),
        pytest.param("2024-03", "role", "physician", 1, 2, id="role-physician"),
        pytest.param("2024-03", "role", "nurse", 0, 1, id="role-nurse"),
        pytest.param("2024-03", "role", "unknown", 1, 1, id="user-not-in-users"),
        pytest.param("2024-03", "department", "radiology", 0, 1, id="department"),
    ],
)
def test_training_completion(
    training: Computed, period: str, dimension: str, segment: str, numerator: int,
    denominator: int,
) -> None:
    row = training.row("training_completion", period, dimension, segment)
    assert (row["numerator"], row["denominator"]) == (numerator, denominator)
    assert row["value"] == pytest.approx(numerator / denominator)


def test_training_is_empty_for_a_role_with_nothing_assigned_yet(training: Computed) -> None:
    # u2's first course was assigned on 02-01.
    row = training.row("training_completion", "2024-01", "role", "nurse")
    assert (row["value"], row["denominator"]) == (None, 0)


def test_training_has_no_role_rows_without_users(compute: ComputeFn) -> None:
    computed = compute(as_of="2024-04-30", **TRAINING)
    assert computed.value("training_completion", "2024-03") == pytest.approx(2 / 4)
    assert not (computed.values.dimension == "role").any()
    assert not (computed.values.dimension == "department").any()


# --- support_dependency ------------------------------------------------------------------

# Measured on 2024-06-30, 90 days of early life:
#   A went live on 01-15: past its early life for whole months from May (01-15 + 90 days
#     is 04-14). u1 and u2 work in May, only u1 in June.
#   B went live on 03-10 (early life until 06-08): never counted before July.
#   C has not gone live: left out, not counted as zero.
#   D went live with A but nobody used it in June: its ticket has no users to be counted
#     per, so D is left out rather than inflating the book's rate.
SUPPORT = {
    "accounts": [account("A"), account("B"), account("C", region="apac"), account("D")],
    "subscription_lines": lines_for("A", "B", "C", "D"),
    "implementations": [
        onboarding("A", "2024-01-15"), onboarding("B", "2024-03-10"), onboarding("C", None),
        onboarding("D", "2024-01-15"),
    ],
    "users": [user("A", "u1"), user("A", "u2"), user("B", "u1"), user("C", "u1"),
              user("D", "d1")],
    "workflow_events": [
        event("A", "u1", "2024-05-02T10:00:00"), event("A", "u2", "2024-05-03T10:00:00"),
        event("A", "u1", "2024-06-03T10:00:00"), event("B", "u1", "2024-06-03T10:00:00"),
        event("C", "u1", "2024-06-03T10:00:00"),
    ],
    "tickets": [
        ticket("t1", "A", "2024-05-06T10:00:00", "how_to"),
        ticket("t2", "A", "2024-05-07T10:00:00", "configuration"),
        ticket("t3", "A", "2024-05-08T10:00:00", "access"),
        ticket("t4", "A", "2024-05-09T10:00:00", "defect"),  # not a dependency category
        ticket("t5", "A", "2024-06-10T10:00:00", "how_to"),
        ticket("t6", "B", "2024-06-10T10:00:00", "how_to"),
        ticket("t7", "C", "2024-06-10T10:00:00", "how_to"),
        ticket("t8", "D", "2024-06-11T10:00:00", "how_to"),
    ],
}


@pytest.fixture(scope="module")
def support(tmp_path_factory: pytest.TempPathFactory) -> Computed:
    path = tmp_path_factory.mktemp("support") / "support.duckdb"
    return compute_on(path, SUPPORT, as_of="2024-06-30")


@pytest.mark.parametrize(
    ("period", "tickets", "users"),
    [
        pytest.param("2024-05", 3, 2, id="may-three-dependency-tickets-two-users"),
        # B and C are not past their early life (C never went live).
        pytest.param("2024-06", 1, 1, id="june-only-settled-accounts"),
    ],
)
def test_support_dependency_per_100_active_users(
    support: Computed, period: str, tickets: int, users: int
) -> None:
    row = support.row("support_dependency", period)
    assert row["value"] == pytest.approx(100 * tickets / users)
    assert row["numerator"] == tickets
    assert row["denominator"] == pytest.approx(users / 100)
    assert row["n"] == 1


def test_support_dependency_is_empty_before_any_account_settles(support: Computed) -> None:
    # In April A is still in its early life (until 04-14).
    row = support.row("support_dependency", "2024-04")
    assert (row["value"], row["n"]) == (None, 0)


def test_an_account_not_live_is_left_out_of_support_dependency(support: Computed) -> None:
    assert support.value("support_dependency", "2024-06", "region", "apac") is None
    assert not support.has("support_dependency", "2024-06", "account", "C")


def test_an_account_without_active_users_is_left_out_of_support_dependency(
    support: Computed,
) -> None:
    # With D, June would read (1 + 1) tickets / 1 user = 200 per 100 users.
    assert not support.has("support_dependency", "2024-06", "account", "D")
    assert support.row("support_dependency", "2024-06")["numerator"] == 1


# --- business reviews --------------------------------------------------------------------


def review(review_id: str, due_on: str, held_on: str | None,
           sponsor_attended: bool | None = None) -> dict[str, Any]:
    return {
        "review_id": review_id, "account_id": "A", "due_on": due_on, "held_on": held_on,
        "sponsor_attended": sponsor_attended,
    }


# Measured on 2024-06-30, 30 days of grace.
REVIEWS = {
    "accounts": [account("A")],
    "subscription_lines": lines_for("A"),
    "business_reviews": [
        review("r1", "2024-03-01", "2024-03-31", False),  # exactly 30 days late: within
        review("r2", "2024-03-10", "2024-04-10", None),  # 31 days late
        review("r3", "2024-03-20", "2024-03-15", True),  # held early
        review("r4", "2024-03-25", None),  # never held
        review("r5", "2024-06-20", "2024-07-02", True),  # held after as_of
        review("r6", "2024-07-05", None),  # due after as_of
        review("r7", "2024-03-30", "2024-02-29"),  # 30 days early: within
        review("r8", "2024-03-31", "2024-02-29"),  # 31 days early: not the review due
    ],
}


@pytest.fixture(scope="module")
def reviews(tmp_path_factory: pytest.TempPathFactory) -> Computed:
    path = tmp_path_factory.mktemp("reviews") / "reviews.duckdb"
    return compute_on(path, REVIEWS, as_of="2024-06-30")


@pytest.mark.parametrize(
    ("kpi", "period", "numerator", "denominator"),
    [
        # Due in March: r1..r4, r7, r8; within 30 days either side: r1 (30 days late), r3
        # (5 days early) and r7 (30 days early); r2 took 31, r8 came 31 days early.
        pytest.param("ebr_completion", "2024-03", 3, 6, id="completion-30-days-in-31-out"),
        # Due in June: r5, held only after as_of.
        pytest.param("ebr_completion", "2024-06", 0, 1, id="held-after-as-of-is-not-held"),
        # Held in March: r1 (no sponsor) and r3 (sponsor).
        pytest.param("ebr_sponsor_attendance", "2024-03", 1, 2, id="sponsor-march"),
        # Held in April: r2, with no record of the sponsor: not attended.
        pytest.param("ebr_sponsor_attendance", "2024-04", 0, 1, id="sponsor-unknown"),
    ],
)
def test_business_reviews(
    reviews: Computed, kpi: str, period: str, numerator: int, denominator: int
) -> None:
    row = reviews.row(kpi, period)
    assert (row["numerator"], row["denominator"]) == (numerator, denominator)
    assert row["value"] == pytest.approx(numerator / denominator)
    assert reviews.row(kpi, period, "account", "A")["value"] == pytest.approx(
        numerator / denominator)


def test_ebr_completion_is_empty_in_a_month_with_no_review_due(reviews: Computed) -> None:
    assert reviews.value("ebr_completion", "2024-05") is None
    assert not reviews.has("ebr_completion", "2024-05", "account", "A")


# --- days_to_first_workflow --------------------------------------------------------------

# A signed on 2024-01-01. On 02-10 it had 15 events of book_appointment and 10 of
#   post_invoice (25 in the day, but not 20 of one workflow); on 02-20 two users did 10
#   each of book_appointment: its first productive day, 50 days after signing.
# B signed on 2024-01-15; 25 post_invoice events on 02-05 (one row with a count): 21 days.
FIRST_WORKFLOW = {
    "accounts": [
        account("A", contract_signed_on="2024-01-01"),
        account("B", contract_signed_on="2024-01-15"),
    ],
    "subscription_lines": lines_for("A", "B"),
    "workflow_events": [
        event("A", "u1", "2024-02-10T09:00:00", count=15),
        event("A", "u1", "2024-02-10T10:00:00", module="billing", workflow="post_invoice",
              count=10),
        event("A", "u1", "2024-02-20T09:00:00", count=10),
        event("A", "u2", "2024-02-20T09:00:00", count=10),
        event("B", "u1", "2024-02-05T09:00:00", module="billing", workflow="post_invoice",
              count=25),
    ],
}


def test_days_to_first_workflow_median_and_p90(compute: ComputeFn) -> None:
    computed = compute(as_of="2024-03-31", **FIRST_WORKFLOW)
    # days 50 and 21: the median is their mean, the p90 interpolates 90% of the way.
    assert computed.value("days_to_first_workflow", "2024-02") == pytest.approx((50 + 21) / 2)
    assert computed.value("days_to_first_workflow_p90", "2024-02") == pytest.approx(
        21 + 0.9 * (50 - 21))
    assert computed.row("days_to_first_workflow", "2024-02")["n"] == 2
    assert computed.value("days_to_first_workflow", "2024-03") is None


def test_the_productive_day_threshold_is_a_setting(compute: ComputeFn) -> None:
    computed = compute(as_of="2024-03-31",
                       settings={"adoption": {"productive_day_events": 15}}, **FIRST_WORKFLOW)
    # A's 15 book_appointment events on 02-10 now make it productive: 40 days.
    assert computed.value("days_to_first_workflow", "2024-02") == pytest.approx((40 + 21) / 2)


# --- days_to_stable_usage ----------------------------------------------------------------


def _monday(iso: str) -> date:
    return date.fromisoformat(iso)


def week_of(account_id: str, monday: str, active: int, tickets: int = 0) -> dict[str, list]:
    """`active` users (u0, u1, ...) with an event on the week's Tuesday, and `tickets`
    how-to tickets on its Wednesday."""
    tuesday = _monday(monday) + timedelta(days=1)
    wednesday = tuesday + timedelta(days=1)
    return {
        "workflow_events": [
            event(account_id, f"u{i}", f"{tuesday}T10:00:00") for i in range(active)
        ],
        "tickets": [
            ticket(f"{account_id}-{monday}-{i}", account_id, f"{wednesday}T10:00:00")
            for i in range(tickets)
        ],
    }


def stability_book(weeks: dict[str, list[tuple[str, int, int]]]) -> dict[str, list]:
    """Accounts (each with 5 users licensed from 2024-01-01, live on Wednesday 2024-01-03
    unless named `nolive`) and their weeks (Monday, active users, tickets)."""
    tables: dict[str, list] = {
        "accounts": [account(a, region="apac" if a == "nolive" else "emea") for a in weeks],
        "subscription_lines": lines_for(*weeks),
        "implementations": [
            onboarding(a, None if a == "nolive" else "2024-01-03") for a in weeks
        ],
        "users": [user(a, f"u{i}") for a in weeks for i in range(5)],
        "workflow_events": [],
        "tickets": [],
    }
    for account_id, rows in weeks.items():
        for monday, active, tickets in rows:
            for name, part in week_of(account_id, monday, active, tickets).items():
                tables[name].extend(part)
    return tables


# With 5 users and at most 20 tickets per 100 users, a stable week has 3 or more active
# users and at most 1 ticket.
STABLE_SETTINGS = {"adoption": {"stable_tickets_per_100_users": 20.0}}
# A: the weeks of 01-08 (3 active: exactly 0.6; 1 ticket: exactly 20 per 100), 01-15 has
#    2 tickets (40 per 100); 01-22, 01-29, 02-05 stable but 02-12 only 2 active (0.4);
#    02-19, 02-26, 03-04, 03-11 stable: the first run of 4 ends on Sunday 03-17, 74 days
#    after go-live (28 days to 01-31, 29 in February, 17 in March).
A_WEEKS = [
    ("2024-01-08", 3, 1), ("2024-01-15", 3, 2), ("2024-01-22", 3, 0), ("2024-01-29", 3, 0),
    ("2024-02-05", 3, 0), ("2024-02-12", 2, 0), ("2024-02-19", 4, 0), ("2024-02-26", 4, 0),
    ("2024-03-04", 4, 0), ("2024-03-11", 4, 0),
]
# B: stable from the week of go-live (01-01) through the week of 01-29. The go-live week
#    began before go-live and does not count, so the run is 01-08..02-04: 32 days.
B_WEEKS = [(f"2024-01-{d:02d}", 5, 0) for d in (1, 8, 15, 22, 29)]


@pytest.fixture(scope="module")
def stable(tmp_path_factory: pytest.TempPathFactory) -> Computed:
    tables = stability_book({"A": A_WEEKS, "B": B_WEEKS, "nolive": B_WEEKS})
    path = tmp_path_factory.mktemp("stable") / "stable.duckdb"
    return compute_on(path, tables, as_of="2024-03-31", **STABLE_SETTINGS)


def test_days_to_stable_usage_ends_at_the_first_run_of_stable_weeks(stable: Computed) -> None:
    row = stable.row("days_to_stable_usage", "2024-03")
    assert (row["value"], row["n"]) == (74, 1)


def test_weeks_that_begin_before_go_live_do_not_count(stable: Computed) -> None:
    assert stable.value("days_to_stable_usage", "2024-01") is None
    assert stable.value("days_to_stable_usage", "2024-02") == 32


def test_an_account_not_live_is_left_out_of_stable_usage(stable: Computed) -> None:
    # nolive has the same weeks as B but no go-live: no days, and not counted as zero.
    assert stable.row("days_to_stable_usage", "2024-02")["n"] == 1
    row = stable.row("days_to_stable_usage", "2024-02", "region", "apac")
    assert (row["value"], row["n"]) == (None, 0)


@pytest.mark.parametrize(
    ("as_of", "expected"),
    [
        # The week of 01-29 ends on Sunday 02-04: measured on 02-03 it is not complete.
        pytest.param("2024-02-03", None, id="week-in-progress-does-not-count"),
        pytest.param("2024-02-04", 32, id="complete-on-its-sunday"),
    ],
)
def test_a_week_counts_only_once_complete(
    compute: ComputeFn, as_of: str, expected: float | None
) -> None:
    computed = compute(as_of=as_of, settings=STABLE_SETTINGS,
                       **stability_book({"B": B_WEEKS}))
    assert computed.value("days_to_stable_usage", "2024-02") == expected


# --- days_to_first_expansion -------------------------------------------------------------

# Every account pays 100 from January and adds 50 on 03-01: its first expansion is in
# March. A went live on 02-10 (20 days before 03-01), B on 01-01 (60 days), C never.
# A expands again in May, which is not a first expansion.
EXPANSION = {
    "accounts": [account("A"), account("B"), account("C")],
    "subscription_lines": [
        line("a1", "A", "2024-01-01", 100), line("a2", "A", "2024-03-01", 50),
        line("a3", "A", "2024-05-01", 50),
        line("b1", "B", "2024-01-01", 100), line("b2", "B", "2024-03-01", 50),
        line("c1", "C", "2024-01-01", 100), line("c2", "C", "2024-03-01", 50),
    ],
    "implementations": [
        onboarding("A", "2024-02-10"), onboarding("B", "2024-01-01"), onboarding("C", None),
    ],
}


def test_days_to_first_expansion(compute: ComputeFn) -> None:
    computed = compute(as_of="2024-06-30", **EXPANSION)
    row = computed.row("days_to_first_expansion", "2024-03")
    assert row["value"] == pytest.approx((20 + 60) / 2)
    assert row["n"] == 2  # C has no go-live: left out
    assert computed.value("days_to_first_expansion_p90", "2024-03") == pytest.approx(
        20 + 0.9 * (60 - 20))
    assert computed.value("days_to_first_expansion", "2024-05") is None
