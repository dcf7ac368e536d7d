"""Implementation-quality KPIs on small books whose every figure is worked out by hand."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from caresight.store import Store
from factories import account, line
from kpis.computing import Computed, compute_on, read_results


def project(project_id: str, account_id: str, go_live_on: str | None, *,
            kind: str = "onboarding", partner: str | None = None,
            kickoff_on: str = "2024-01-02", planned_go_live_on: str = "2024-03-01") -> dict:
    return {
        "project_id": project_id, "account_id": account_id, "kind": kind,
        "delivery_partner_id": partner, "kickoff_on": kickoff_on,
        "planned_go_live_on": planned_go_live_on, "go_live_on": go_live_on,
    }


def milestone(project_id: str, name: str, planned_on: str, completed_on: str | None) -> dict:
    return {"project_id": project_id, "milestone": name, "planned_on": planned_on,
            "completed_on": completed_on}


def batch(project_id: str, batch_id: str, submitted_on: str, submitted: int, accepted: int,
          accepted_on: str | None) -> dict:
    return {"project_id": project_id, "batch_id": batch_id, "submitted_on": submitted_on,
            "records_submitted": submitted, "records_accepted": accepted,
            "accepted_on": accepted_on}


def integration(project_id: str, name: str, required: bool, ready_on: str | None) -> dict:
    return {"project_id": project_id, "integration": name, "required_for_go_live": required,
            "planned_ready_on": "2024-01-15", "ready_on": ready_on}


def assignment(account_id: str, user_id: str, assigned_on: str,
               completed_on: str | None) -> dict:
    return {"account_id": account_id, "user_id": user_id, "course": "basics",
            "assigned_on": assigned_on, "completed_on": completed_on}


def user(account_id: str, user_id: str, licensed_from: str,
         licensed_until: str | None = None) -> dict:
    return {"account_id": account_id, "user_id": user_id, "role": "nurse",
            "department": "outpatient", "licensed_from": licensed_from,
            "licensed_until": licensed_until}


def ticket(ticket_id: str, account_id: str, opened_at: str, resolved_at: str | None) -> dict:
    return {"ticket_id": ticket_id, "account_id": account_id, "opened_at": opened_at,
            "resolved_at": resolved_at, "severity": "sev3", "category": "how_to",
            "cause_owner": "platform", "handled_by": "platform"}


def implementation_partner(partner_id: str) -> dict:
    return {"partner_id": partner_id, "name": partner_id, "partner_type": "implementation"}


# --- the project book ----------------------------------------------------------------------
#
# Measured on 2024-06-30 in UTC, milestone tolerance 3 days, gates 0.98 / 1.0 / 0.8 / 0.8.
# Accounts (contract signed):
#   A 2024-01-10, delivery partner D1
#   B 2024-02-01, no delivery partner (platform)
#   E 2023-12-01, delivery partner D1, a laboratory
#   C 2024-01-01, delivery partner D1, a home-care account that has not gone live
# Projects (planned -> actual go-live):
#   PA A onboarding by D1        2024-03-01 -> 2024-03-11
#   PB B onboarding by D2        2024-03-20 -> 2024-03-18  (D2 is no account's partner)
#   PE E onboarding by platform  2024-03-25 -> 2024-03-31  (E's account says D1)
#   PC C onboarding by D1        2024-05-01 -> not live
#   PX A expansion by D1         2024-05-05 -> 2024-05-10
PROJECT_BOOK = {
    "accounts": [
        account("A", delivery_partner_id="D1", contract_signed_on="2024-01-10"),
        account("B", contract_signed_on="2024-02-01"),
        account("E", delivery_partner_id="D1", contract_signed_on="2023-12-01",
                customer_type="laboratory"),
        account("C", delivery_partner_id="D1", contract_signed_on="2024-01-01",
                customer_type="home_care"),
    ],
    "partners": [implementation_partner("D1"), implementation_partner("D2")],
    "subscription_lines": [line("a1", "A", "2024-01-01", 100)],
    "implementations": [
        project("PA", "A", "2024-03-11", partner="D1", planned_go_live_on="2024-03-01"),
        project("PB", "B", "2024-03-18", partner="D2", planned_go_live_on="2024-03-20"),
        project("PE", "E", "2024-03-31", planned_go_live_on="2024-03-25"),
        project("PC", "C", None, partner="D1", planned_go_live_on="2024-05-01"),
        project("PX", "A", "2024-05-10", kind="expansion", partner="D1",
                kickoff_on="2024-04-01", planned_go_live_on="2024-05-05"),
    ],
    "milestones": [
        milestone("PA", "kickoff", "2024-03-01", "2024-03-03"),  # met
        milestone("PE", "uat", "2024-03-20", "2024-03-30"),  # missed
        milestone("PA", "at_tolerance", "2024-04-10", "2024-04-13"),  # met: 10 + 3
        milestone("PA", "day_late", "2024-04-10", "2024-04-14"),  # missed: 10 + 4
        milestone("PA", "open_late", "2024-04-20", None),  # missed: 04-23 < 06-30
        milestone("PA", "done_after_as_of", "2024-04-25", "2024-07-01"),  # open, missed
        milestone("PX", "june_met", "2024-06-20", "2024-06-22"),  # met
        milestone("PX", "open_past", "2024-06-26", None),  # missed: 06-29 < 06-30
        milestone("PX", "open_on_edge", "2024-06-27", None),  # undecided: 06-30 = as_of
        milestone("PB", "open_within", "2024-06-28", None),  # undecided: 07-01 > as_of
    ],
    "data_migrations": [
        batch("PA", "b1", "2024-02-10", 1000, 1000, "2024-02-15"),
        batch("PA", "b2", "2024-02-20", 100, 90, "2024-02-25"),  # partly accepted
        batch("PE", "b1", "2024-03-01", 100, 50, "2024-03-05"),
        batch("PE", "b2", "2024-03-20", 100, 100, "2024-04-02"),  # after PE's go-live
        batch("PX", "b1", "2024-06-20", 200, 200, "2024-07-02"),  # after as_of
    ],
    "integrations": [
        integration("PA", "hl7_on_the_day", True, "2024-03-11"),
        integration("PA", "lab_day_after", True, "2024-03-12"),
        integration("PA", "optional_feed", False, None),
        integration("PX", "payer", True, "2024-05-10"),
    ],
    "training": [
        assignment("A", "u1", "2024-02-01", "2024-03-01"),
        assignment("A", "u2", "2024-02-01", "2024-03-05"),
        assignment("A", "u3", "2024-02-01", "2024-03-10"),
        assignment("A", "u4", "2024-02-01", "2024-03-11"),  # on PA's go-live day
        assignment("A", "u5", "2024-02-01", "2024-03-20"),  # after PA's go-live
        assignment("A", "u6", "2024-03-15", "2024-04-01"),  # assigned after PA's go-live
        assignment("B", "b1", "2024-02-15", "2024-03-01"),  # before PB's go-live
        assignment("E", "e1", "2024-03-01", "2024-03-20"),  # before PE's go-live
    ],
}


@pytest.fixture(scope="module")
def project_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("projects") / "projects.duckdb"
    compute_on(path, PROJECT_BOOK, as_of="2024-06-30")
    return path


@pytest.fixture(scope="module")
def projects(project_store: Path) -> Computed:
    return read_results(project_store)


@pytest.fixture(scope="module")
def gates(project_store: Path) -> pd.DataFrame:
    with Store(project_store, read_only=True) as store:
        return store.con.execute("SELECT * FROM project_gates").df().set_index("project_id")


@pytest.mark.parametrize(
    ("kpi", "period", "expected"),
    [
        # March go-lives, cycle days: PB 03-18 - 02-01 = 29 + 17 = 46; PA 03-11 - 01-10 =
        # 31 + 29 + 1 = 61; PE 03-31 - 2023-12-01 = 31 + 31 + 29 + 30 = 121.
        pytest.param("onboarding_cycle_days", "2024-03", 61, id="cycle-median"),
        # p90 of [46, 61, 121]: rank 0.9 x 2 = 1.8, so 61 + 0.8 x (121 - 61).
        pytest.param("onboarding_cycle_days_p90", "2024-03", 61 + 0.8 * (121 - 61),
                     id="cycle-p90-interpolated"),
        # Delays: PA +10, PB -2 (early), PE +6.
        pytest.param("go_live_delay_days", "2024-03", 6, id="delay-median"),
        pytest.param("go_live_delay_days_p90", "2024-03", 6 + 0.8 * (10 - 6),
                     id="delay-p90-interpolated"),
        # The trailing year to June (2023-07 .. 2024-06) holds March's three go-lives.
        pytest.param("onboarding_cycle_days_12m", "2024-06", 61, id="cycle-12m"),
        pytest.param("onboarding_cycle_days_12m_p90", "2024-06", 61 + 0.8 * (121 - 61),
                     id="cycle-12m-p90"),
        pytest.param("go_live_delay_days_12m", "2024-04", 6, id="delay-12m"),
        # PX is an expansion project: no onboarding goes live in May.
        pytest.param("onboarding_cycle_days", "2024-05", None, id="expansions-have-no-cycle"),
        # March: PA's kickoff met, PE's uat missed.
        pytest.param("milestone_adherence", "2024-03", 1 / 2, id="milestones-march"),
        # April: at_tolerance met; day_late, open_late and done_after_as_of missed.
        pytest.param("milestone_adherence", "2024-04", 1 / 4, id="milestones-at-tolerance"),
        # June: june_met met, open_past missed; open_on_edge and open_within undecided.
        pytest.param("milestone_adherence", "2024-06", 1 / 2, id="milestones-undecided-out"),
        pytest.param("milestone_adherence", "2024-05", None, id="no-milestones-is-empty"),
        # February: 1000 of 1000 and 90 of 100 records accepted.
        pytest.param("data_migration_acceptance", "2024-02", (1000 + 90) / (1000 + 100),
                     id="migration-partly-accepted"),
        pytest.param("migration_first_pass_rate", "2024-02", 1 / 2, id="first-pass"),
        # March: PE's 50 of 100, and 100 of 100 accepted on 04-02 (known by as_of).
        pytest.param("data_migration_acceptance", "2024-03", (50 + 100) / (100 + 100),
                     id="migration-march"),
        # June: PX's batch is accepted only on 07-02, after as_of: nothing accepted yet.
        pytest.param("data_migration_acceptance", "2024-06", 0 / 200,
                     id="acceptance-after-as-of-not-yet"),
        pytest.param("migration_first_pass_rate", "2024-06", 0 / 1,
                     id="first-pass-after-as-of-not-yet"),
        # PA: ready on the go-live day counts, a day after does not; the optional feed is
        # ignored. PB and PE require nothing.
        pytest.param("integration_readiness", "2024-03", 1 / 2, id="integrations-march"),
        pytest.param("integration_readiness", "2024-05", 1 / 1, id="integrations-may"),
        # PA: u1-u5 assigned by 03-11, u1-u4 completed by then (u4 on the day); PB's b1
        # and PE's e1 assigned and completed before their go-lives.
        pytest.param("training_before_go_live", "2024-03", (4 + 1 + 1) / (5 + 1 + 1),
                     id="training-march"),
        # PX (A again): all six assigned and completed by 05-10.
        pytest.param("training_before_go_live", "2024-05", 6 / 6, id="training-may"),
        # March: PB passes, PA and PE fail a gate each or more.
        pytest.param("stage_gate_pass_rate", "2024-03", 1 / 3, id="gates-march"),
        pytest.param("stage_gate_pass_rate", "2024-05", 1 / 1, id="gates-may"),
        pytest.param("stage_gate_pass_rate", "2024-04", None, id="no-go-live-is-empty"),
    ],
)
def test_implementation_kpis_have_the_hand_worked_value(
    projects: Computed, kpi: str, period: str, expected: float | None
) -> None:
    assert projects.value(kpi, period) == pytest.approx(expected)


def test_an_account_without_go_live_is_left_out_not_counted_as_zero(
    projects: Computed,
) -> None:
    # C (home care) has an onboarding project that has not gone live.
    for period in ("2024-03", "2024-05", "2024-06"):
        row = projects.row("onboarding_cycle_days", period, "customer_type", "home_care")
        assert (row["value"], row["n"]) == (None, 0)
    assert projects.row("onboarding_cycle_days", "2024-03")["n"] == 3


def test_durations_carry_their_count_and_no_parts(projects: Computed) -> None:
    row = projects.row("onboarding_cycle_days_p90", "2024-03")
    assert (row["numerator"], row["denominator"], row["n"]) == (None, None, 3)


def test_milestone_adherence_counts_decided_milestones_only(projects: Computed) -> None:
    row = projects.row("milestone_adherence", "2024-06")
    assert (row["numerator"], row["denominator"], row["n"]) == (1, 2, 2)


def test_a_segment_with_only_undecided_milestones_has_an_empty_value(
    projects: Computed,
) -> None:
    # D2's only June milestone (PB's open_within) is open within its tolerance.
    row = projects.row("milestone_adherence", "2024-06", "delivery_partner", "D2")
    assert (row["value"], row["denominator"], row["n"]) == (None, 0, 0)


def test_migration_acceptance_reports_records_and_batches(projects: Computed) -> None:
    row = projects.row("data_migration_acceptance", "2024-02")
    assert (row["numerator"], row["denominator"], row["n"]) == (1090, 1100, 2)


def test_integration_readiness_counts_projects_with_required_integrations(
    projects: Computed,
) -> None:
    row = projects.row("integration_readiness", "2024-03")
    assert (row["numerator"], row["denominator"], row["n"]) == (1, 2, 1)


def test_a_segment_whose_projects_require_no_integration_has_an_empty_value(
    projects: Computed,
) -> None:
    # PB (D2) went live in March without required integrations.
    row = projects.row("integration_readiness", "2024-03", "delivery_partner", "D2")
    assert (row["value"], row["denominator"]) == (None, 0)


@pytest.mark.parametrize(
    ("segment", "expected"),
    [
        pytest.param("D1", 61, id="partner-project-under-its-partner"),
        pytest.param("D2", 46, id="partner-of-no-account-still-has-rows"),
        # PE was run by the platform team although E's account names D1.
        pytest.param("platform", 121, id="platform-team-project-under-platform"),
    ],
)
def test_projects_count_under_the_delivery_partner_that_ran_them(
    projects: Computed, segment: str, expected: float
) -> None:
    assert projects.value("onboarding_cycle_days", "2024-03", "delivery_partner", segment) \
        == expected


def test_a_project_keeps_its_accounts_other_segments(projects: Computed) -> None:
    # PE is E's project: the laboratory segment in March holds its 121 days alone.
    assert projects.value("onboarding_cycle_days", "2024-03", "customer_type", "laboratory") \
        == 121


def test_gate_pass_rate_follows_the_project_delivery_partner(projects: Computed) -> None:
    # D1: PA failed; D2: PB passed; platform: PE failed. By the accounts' partners, B's
    # PB would have passed under platform instead.
    by_partner = {
        segment: projects.value("stage_gate_pass_rate", "2024-03", "delivery_partner", segment)
        for segment in ("D1", "D2", "platform")
    }
    assert by_partner == {"D1": 0 / 1, "D2": 1 / 1, "platform": 0 / 1}


def test_project_gates_has_one_row_per_live_project(gates: pd.DataFrame) -> None:
    assert sorted(gates.index) == ["PA", "PB", "PE", "PX"]
    assert gates.loc["PA", "delivery_partner"] == "D1"
    assert gates.loc["PE", "delivery_partner"] == "platform"
    assert gates.loc["PE", "period"] == "2024-03"


def test_project_gates_names_the_gate_that_failed(gates: pd.DataFrame) -> None:
    pa = gates.loc["PA"]
    # 1090 / 1100 >= 0.98; 1 of 2 integrations < 1.0; 4 / 5 = 0.8 meets 0.8 exactly;
    # kickoff met: 1 / 1.
    assert pa["data_migration_acceptance"] == pytest.approx(1090 / 1100)
    assert pa["integration_readiness"] == pytest.approx(1 / 2)
    assert pa["training_before_go_live"] == pytest.approx(4 / 5)
    assert pa["milestone_adherence"] == pytest.approx(1 / 1)
    assert (pa["data_migration_acceptance_met"], pa["integration_readiness_met"],
            pa["training_before_go_live_met"], pa["milestone_adherence_met"]) == (
        True, False, True, True)
    assert (pa["passed_all"], pa["failed_gates"]) == (False, "integration_readiness")


def test_project_gates_lists_several_failed_gates_in_order(gates: pd.DataFrame) -> None:
    pe = gates.loc["PE"]
    # At go-live (03-31): b1 50 of 100 accepted, b2 accepted only on 04-02, so 0 of 100.
    assert pe["data_migration_acceptance"] == pytest.approx((50 + 0) / (100 + 100))
    # uat planned 03-20, completed 03-30: missed.
    assert pe["milestone_adherence"] == 0 / 1
    assert (pe["passed_all"], pe["failed_gates"]) == (
        False, "data_migration_acceptance,milestone_adherence")


def test_a_gate_with_nothing_to_measure_is_met(gates: pd.DataFrame) -> None:
    # PB has no batches, integrations or milestones before its go-live.
    pb = gates.loc["PB"]
    assert pb[["data_migration_acceptance", "integration_readiness",
               "milestone_adherence"]].isna().all()
    assert pb["training_before_go_live"] == 1 / 1
    assert (pb["passed_all"], pb["failed_gates"]) == (True, "")


def test_a_project_live_without_any_training_fails_the_training_gate(tmp_path: Path) -> None:
    # Z's users were assigned nothing by its go-live; only Y's were.
    tables = {
        "accounts": [account("Z"), account("Y")],
        "subscription_lines": [line("z1", "Z", "2024-01-01", 100)],
        "implementations": [project("PZ", "Z", "2024-03-11"), project("PY", "Y", "2024-03-11")],
        "milestones": [], "data_migrations": [], "integrations": [],
        "training": [assignment("Y", "y1", "2024-02-01", "2024-03-01")],
    }
    got = compute_on(tmp_path / "untrained.duckdb", tables, "2024-06-30")
    with Store(tmp_path / "untrained.duckdb", read_only=True) as store:
        rows = store.con.execute(
            "SELECT project_id, training_before_go_live, passed_all, failed_gates "
            "FROM project_gates ORDER BY project_id"
        ).fetchall()

    assert rows == [("PY", 1.0, True, ""), ("PZ", None, False, "training_before_go_live")]
    assert got.value("stage_gate_pass_rate", "2024-03") == 1 / 2


def test_gate_thresholds_come_from_the_configuration(tmp_path: Path) -> None:
    path = tmp_path / "lenient.duckdb"
    got = compute_on(path, PROJECT_BOOK, as_of="2024-06-30",
                     gates={"integration_readiness": 0.5, "milestone_adherence": 0.0,
                            "data_migration_acceptance": 0.25})
    # PA's 1 / 2 integrations now pass; PE's 0.25 acceptance and 0 adherence too.
    assert got.value("stage_gate_pass_rate", "2024-03") == 3 / 3


def test_milestone_tolerance_comes_from_the_configuration(tmp_path: Path) -> None:
    path = tmp_path / "strict.duckdb"
    got = compute_on(path, PROJECT_BOOK, as_of="2024-06-30",
                     implementation={"milestone_tolerance_days": 0})
    # With no tolerance, at_tolerance (completed 3 days after plan) is missed too.
    assert got.value("milestone_adherence", "2024-04") == 0 / 4


def test_kpis_run_on_the_tables_they_need(tmp_path: Path) -> None:
    tables = {name: PROJECT_BOOK[name]
              for name in ("accounts", "partners", "subscription_lines", "implementations")}
    got = compute_on(tmp_path / "projects-only.duckdb", tables, as_of="2024-06-30")
    assert got.value("onboarding_cycle_days", "2024-03") == 61
    assert "stage_gate_pass_rate" in got.result.unavailable
    assert got.result.unavailable["milestone_adherence"] == ["milestones"]


# --- the first 90 days after go-live, in Los Angeles ---------------------------------------
#
# Measured on 2024-04-30 in America/Los_Angeles (UTC-8 until 2024-03-10, then UTC-7).
# A went live on 2024-01-10 through PA, run by D1 (A's own delivery partner is empty);
# day 89 is 2024-04-08, day 90 (the first after the window) 2024-04-09, in April.
# C (a laboratory) has not gone live.
EARLY_BOOK = {
    "accounts": [account("A"), account("C", customer_type="laboratory")],
    "partners": [implementation_partner("D1")],
    "subscription_lines": [line("a1", "A", "2024-01-01", 100)],
    "implementations": [
        project("PA", "A", "2024-01-10", partner="D1", kickoff_on="2023-12-01",
                planned_go_live_on="2024-01-10"),
        project("PC", "C", None, partner="D1", planned_go_live_on="2024-03-01"),
    ],
    "users": [
        user("A", "u1", "2023-12-01"),
        user("A", "u2", "2024-01-10"),  # licensed from day 0
        user("A", "u3", "2024-01-11"),  # from day 1: not counted
        user("A", "u4", "2023-12-01", "2024-01-09"),  # ended the day before: not counted
        user("A", "u5", "2023-12-01", "2024-01-10"),  # last day is day 0
        user("C", "c1", "2023-12-01"),
    ],
    "tickets": [
        # 01:00 on 01-10 in LA: day 0; resolved 10 hours later, in January.
        ticket("day0", "A", "2024-01-10 09:00:00", "2024-01-10 19:00:00"),
        # Day 0 in UTC but 23:00 on 01-09 in LA: before go-live (48 hours if counted).
        ticket("local_day_before", "A", "2024-01-10 07:00:00", "2024-01-12 07:00:00"),
        # Resolved 02-01 05:00 UTC, which is 01-31 21:00 in LA: a January closure, 24 h.
        ticket("jan_end", "A", "2024-01-31 05:00:00", "2024-02-01 05:00:00"),
        # 13:00 on 04-08 in LA: day 89; 4 hours.
        ticket("day89", "A", "2024-04-08 20:00:00", "2024-04-09 00:00:00"),
        # Day 90 in UTC, but 20:00 on 04-08 in LA: day 89; 2 hours.
        ticket("day89_local", "A", "2024-04-09 03:00:00", "2024-04-09 05:00:00"),
        # 13:00 on 04-09 in LA: day 90, outside the window.
        ticket("day90", "A", "2024-04-09 20:00:00", "2024-04-09 21:00:00"),
        # Day 82; resolved 05-01 03:00 UTC = 04-30 20:00 in LA, on as_of: 720 - 13 hours.
        ticket("on_as_of", "A", "2024-04-01 16:00:00", "2024-05-01 03:00:00"),
        # C has no go-live: its tickets are nobody's first 90 days.
        ticket("no_go_live", "C", "2024-02-01 18:00:00", "2024-02-01 20:00:00"),
    ],
}


@pytest.fixture(scope="module")
def early(tmp_path_factory: pytest.TempPathFactory) -> Computed:
    path = tmp_path_factory.mktemp("early") / "early.duckdb"
    return compute_on(path, EARLY_BOOK, as_of="2024-04-30",
                      reporting_timezone="America/Los_Angeles")


def test_first_90d_intensity_counts_days_0_to_89_per_10_users_on_day_0(
    early: Computed,
) -> None:
    row = early.row("first_90d_support_intensity", "2024-04")
    # Tickets on local days 0..89: day0, jan_end, day89, day89_local, on_as_of = 5.
    # Users licensed on 01-10: u1, u2, u5 = 3. 5 per 3 users = 10 x 5 / 3 per 10 users.
    assert row["value"] == pytest.approx(10 * 5 / 3)
    assert (row["numerator"], row["denominator"], row["n"]) == (5, pytest.approx(3 / 10), 1)


def test_first_90d_intensity_waits_for_the_window_to_close(early: Computed) -> None:
    # A's window closes on 04-09: no month before April has a value.
    for period in ("2024-01", "2024-02", "2024-03"):
        assert early.value("first_90d_support_intensity", period) is None


def test_first_90d_intensity_leaves_out_an_account_not_live(early: Computed) -> None:
    row = early.row("first_90d_support_intensity", "2024-04", "customer_type", "laboratory")
    assert (row["value"], row["n"]) == (None, 0)


def test_an_accounts_first_90_days_count_under_its_go_live_projects_partner(
    early: Computed,
) -> None:
    assert early.value("first_90d_support_intensity", "2024-04", "delivery_partner", "D1") \
        == pytest.approx(10 * 5 / 3)
    # A's own delivery partner is empty, but the platform team did not take it live.
    row = early.row("first_90d_support_intensity", "2024-04", "delivery_partner", "platform")
    assert (row["value"], row["n"]) == (None, 0)


@pytest.mark.parametrize(
    ("kpi", "period", "expected"),
    [
        # January (LA): day0 10 h and jan_end 24 h; local_day_before is out.
        pytest.param("post_go_live_closure_hours", "2024-01", (10 + 24) / 2,
                     id="closure-median-local-month"),
        # p90 of [10, 24]: 10 + 0.9 x 14.
        pytest.param("post_go_live_closure_hours_p90", "2024-01", 10 + 0.9 * (24 - 10),
                     id="closure-p90-interpolated"),
        # jan_end was resolved on 02-01 in UTC but 01-31 in LA; C's ticket does not count.
        pytest.param("post_go_live_closure_hours", "2024-02", None,
                     id="closure-utc-february-is-local-january"),
        # April: day89_local 2 h, day89 4 h, on_as_of 707 h; day90 is out.
        pytest.param("post_go_live_closure_hours", "2024-04", 4, id="closure-april-median"),
        pytest.param("post_go_live_closure_hours_p90", "2024-04", 4 + 0.8 * (707 - 4),
                     id="closure-april-p90"),
    ],
)
def test_post_go_live_closure_hours_have_the_hand_worked_value(
    early: Computed, kpi: str, period: str, expected: float | None
) -> None:
    assert early.value(kpi, period) == pytest.approx(expected)


def test_closure_hours_count_the_tickets_they_rest_on(early: Computed) -> None:
    assert early.row("post_go_live_closure_hours", "2024-04")["n"] == 3


def test_a_ticket_resolved_after_as_of_is_not_yet_closed(tmp_path: Path) -> None:
    # Measured on 04-20: on_as_of is resolved on 04-30 in LA, later in the month.
    got = compute_on(tmp_path / "mid-april.duckdb", EARLY_BOOK, as_of="2024-04-20",
                     reporting_timezone="America/Los_Angeles")
    row = got.row("post_go_live_closure_hours", "2024-04")
    # day89_local 2 h and day89 4 h remain: the median is (2 + 4) / 2.
    assert (row["value"], row["n"]) == ((2 + 4) / 2, 2)


def test_the_trailing_year_keeps_a_go_live_twelve_months_and_no_longer(
    tmp_path: Path,
) -> None:
    # Signed 2023-01-01, live 2023-06-15: 31 + 28 + 31 + 30 + 31 + 14 = 165 days. The
    # trailing year of May 2024 (2023-06 .. 2024-05) holds it; June 2024's does not.
    tables = {
        "accounts": [account("A", contract_signed_on="2023-01-01")],
        "subscription_lines": [line("a1", "A", "2023-01-01", 100)],
        "implementations": [project("PA", "A", "2023-06-15",
                                    planned_go_live_on="2023-06-01")],
    }
    got = compute_on(tmp_path / "trailing.duckdb", tables, "2024-06-30")

    assert got.value("onboarding_cycle_days_12m", "2024-05") == 165
    assert got.row("onboarding_cycle_days_12m", "2024-05")["n"] == 1
    assert got.value("go_live_delay_days_12m", "2024-05") == 14
    assert got.row("onboarding_cycle_days_12m", "2024-06")["value"] is None
    assert got.value("onboarding_cycle_days", "2023-06") == 165
