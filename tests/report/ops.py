"""Adoption, onboarding and platform results written by hand, for the report's tests.

They sit beside the revenue book of report.book, which is measured on 15 June 2025: June
is in progress, so the adoption and platform parts report May 2025, and their partner
window is the 12 months June 2024 to May 2025. Each part has a value in June that must
not show (a few days of June are not June), and the partner charts have a month before
the window that must not count.
"""

from __future__ import annotations

from typing import Any

from report.kpi_store import gate_row, kpi_value

#: The delivery partner of the hand-built projects; the platform team is the other.
DELIVERY_PARTNERS = {"d01": "Beacon <Group>"}

ENVIRONMENTS = [
    {"environment_id": "env-a", "deployment_model": "dedicated"},
    {"environment_id": "env-b", "deployment_model": "multi_tenant"},
    {"environment_id": "env-c", "deployment_model": "multi_tenant"},
]
ACCOUNTS = [
    {"account_id": "a1", "deployment_model": "multi_tenant"},
    {"account_id": "a2", "deployment_model": "multi_tenant"},
    {"account_id": "a3", "deployment_model": "dedicated"},
]


def project_gates() -> list[dict[str, Any]]:
    """Go-live gates of the hand-built projects. In the window June 2024 to May 2025:
    Beacon 4 go-lives, 2 passing every gate, 2 failing migration of which 1 also training;
    the platform team 2 go-lives, 1 failing milestones. Before and after the window, each
    a failure that must not count."""
    migration, integrations = "data_migration_acceptance", "integration_readiness"
    training, milestones = "training_before_go_live", "milestone_adherence"
    return [
        gate_row("pj-0", "d01", "2024-05-31", milestones),
        gate_row("pj-1", "d01", "2024-06-01"),
        gate_row("pj-2", "d01", "2024-12-10", migration),
        gate_row("pj-3", "d01", "2025-03-05", migration, training, kind="expansion"),
        gate_row("pj-4", "d01", "2025-05-31"),
        gate_row("pj-5", "platform", "2025-01-15", milestones),
        gate_row("pj-6", "platform", "2025-04-20"),
        gate_row("pj-7", "d01", "2025-06-02", integrations),
    ]


def ops_rows() -> list[dict[str, Any]]:
    return [*_adoption(), *_onboarding(), *_platform()]


def _adoption() -> list[dict[str, Any]]:
    return [
        # Active users: 140 of 200 in April, 150 of 200 in May; June's 30 % is a few days.
        kpi_value("active_user_rate", "2025-04", 0.70, numerator=140, denominator=200, n=200),
        kpi_value("active_user_rate", "2025-05", 0.75, numerator=150, denominator=200, n=200,
                  status="green"),
        kpi_value("active_user_rate", "2025-06", 0.30, numerator=60, denominator=200, n=200,
                  status="red"),
        # By role: 20 of 40 physicians, 90 of 100 nurses (the rest of the 200 have no role).
        kpi_value("active_user_rate", "2025-05", 0.5, dimension="role", segment="physician",
                  numerator=20, denominator=40, n=40, status="amber"),
        kpi_value("active_user_rate", "2025-05", 0.9, dimension="role", segment="nurse",
                  numerator=90, denominator=100, n=100, status="green"),
        # By department: 120 of 150 inpatient, 30 of 50 radiology.
        kpi_value("active_user_rate", "2025-05", 0.8, dimension="department",
                  segment="inpatient", numerator=120, denominator=150, n=150, status="green"),
        kpi_value("active_user_rate", "2025-05", 0.6, dimension="department",
                  segment="radiology", numerator=30, denominator=50, n=50, status="green"),
        # Modules: 1 of 4 accounts paying for billing use it, 4 of 4 for scheduling.
        kpi_value("workflow_utilization", "2025-05", 0.625, n=4),
        kpi_value("workflow_utilization", "2025-05", 0.25, dimension="module",
                  segment="billing", numerator=1, denominator=4, n=4, status="red"),
        kpi_value("workflow_utilization", "2025-05", 1.0, dimension="module",
                  segment="scheduling", numerator=4, denominator=4, n=4, status="green"),
        # Time to value: 4 accounts reached a first workflow in April, 5 in May.
        kpi_value("days_to_first_workflow", "2025-04", 40.0, n=4),
        kpi_value("days_to_first_workflow_p90", "2025-04", 70.0, n=4),
        kpi_value("days_to_first_workflow", "2025-05", 30.0, n=5),
        kpi_value("days_to_first_workflow_p90", "2025-05", 60.0, n=5),
    ]


def _onboarding() -> list[dict[str, Any]]:
    rows = []
    # The 12-month figures of May 2025 (go-lives June 2024 to May 2025), per partner and for
    # all go-lives: (kpi, segment, p50, p90, go-lives). Beacon's delay is early at p50.
    for kpi, segment, p50, p90, n in (
        ("onboarding_cycle_days_12m", "d01", 120.0, 150.0, 6),
        ("onboarding_cycle_days_12m", "platform", 90.0, 95.0, 4),
        ("go_live_delay_days_12m", "d01", -3.0, 12.0, 6),
        ("go_live_delay_days_12m", "platform", 10.0, 30.0, 4),
    ):
        rows += [
            kpi_value(kpi, "2025-05", p50, dimension="delivery_partner", segment=segment, n=n),
            kpi_value(f"{kpi}_p90", "2025-05", p90, dimension="delivery_partner",
                      segment=segment, n=n),
        ]
    # All 10 go-lives: the median cycle 100 days, delay 4 days.
    rows += [
        kpi_value("onboarding_cycle_days_12m", "2025-05", 100.0, n=10),
        kpi_value("go_live_delay_days_12m", "2025-05", 4.0, n=10),
    ]
    # Beacon's 12-month cycle in other months, which must not show: a year before (May
    # 2024), the month before (April 2025), and June 2025, in progress. Nor its cycle of
    # May's own go-lives (the monthly KPI).
    for kpi, period, value, n in (
        ("onboarding_cycle_days_12m", "2024-05", 500.0, 9),
        ("onboarding_cycle_days_12m_p90", "2024-05", 600.0, 9),
        ("onboarding_cycle_days_12m", "2025-04", 130.0, 5),
        ("onboarding_cycle_days_12m_p90", "2025-04", 160.0, 5),
        ("onboarding_cycle_days_12m", "2025-06", 900.0, 7),
        ("onboarding_cycle_days_12m_p90", "2025-06", 990.0, 7),
        ("onboarding_cycle_days", "2025-05", 400.0, 1),
        ("onboarding_cycle_days_p90", "2025-05", 400.0, 1),
    ):
        rows.append(kpi_value(kpi, period, value, dimension="delivery_partner", segment="d01",
                              n=n))
    # Milestones: d01 8 of 10 on time in January, 3 of 30 in April: 11 / 40 = 0.275 over
    # the window (the mean of the months' 0.8 and 0.1 would be 0.45). The platform team 18
    # of 20 in May: 0.9. The book: 29 / 60.
    for period, segment, on_time, planned in (
        ("2025-01", "d01", 8, 10), ("2025-04", "d01", 3, 30), ("2025-05", "platform", 18, 20),
    ):
        rows.append(kpi_value("milestone_adherence", period, on_time / planned,
                              dimension="delivery_partner", segment=segment,
                              numerator=on_time, denominator=planned, n=planned))
    for period, on_time, planned in (("2025-01", 8, 10), ("2025-04", 3, 30),
                                     ("2025-05", 18, 20)):
        rows.append(kpi_value("milestone_adherence", period, on_time / planned,
                              numerator=on_time, denominator=planned, n=planned))
    # Migration: d01 980 of 1,000 records accepted in February.
    rows += [
        kpi_value("data_migration_acceptance", "2025-02", 0.98, dimension="delivery_partner",
                  segment="d01", numerator=980, denominator=1000, n=2),
        kpi_value("data_migration_acceptance", "2025-02", 0.98, numerator=980,
                  denominator=1000, n=2),
    ]
    return rows


def _platform() -> list[dict[str, Any]]:
    rows = [
        # Uptime: 99.90 % in April, 99.962 % in May, shown with two decimals.
        kpi_value("uptime", "2025-04", 0.9990, n=3, status="green"),
        kpi_value("uptime", "2025-05", 0.99962, n=3, status="green"),
        kpi_value("uptime", "2025-05", 0.9999, dimension="deployment_model",
                  segment="dedicated", n=1),
        kpi_value("uptime", "2025-05", 0.9985, dimension="deployment_model",
                  segment="multi_tenant", n=2),
        kpi_value("uptime", "2025-05", 0.9975, dimension="environment", segment="env-a",
                  status="red"),
        kpi_value("uptime", "2025-05", 1.0, dimension="environment", segment="env-b",
                  status="green"),
        kpi_value("uptime", "2025-05", 0.9985, dimension="environment", segment="env-c",
                  status="amber"),
        # MTTR of May's 5 resolved incidents: mean 5, median 3, p90 12 hours.
        kpi_value("mttr_hours", "2025-05", 5.0, n=5),
        kpi_value("mttr_hours_p50", "2025-05", 3.0, n=5),
        kpi_value("mttr_hours_p90", "2025-05", 12.0, n=5),
        # Cost to serve in May: two multi-tenant accounts, one dedicated.
        kpi_value("cost_to_serve", "2025-05", 100.0, dimension="account", segment="a1"),
        kpi_value("cost_to_serve", "2025-05", 300.0, dimension="account", segment="a2"),
        kpi_value("cost_to_serve", "2025-05", 2000.0, dimension="account", segment="a3"),
    ]
    # Incidents by cause: April 1 platform and 1 customer; May 3 platform and 2 partner.
    for period, cause, count in (("2025-04", "platform", 1), ("2025-04", "customer", 1),
                                 ("2025-05", "platform", 3), ("2025-05", "partner", 2)):
        rows.append(kpi_value("incidents_by_cause", period, count, dimension="cause_owner",
                              segment=cause, n=count))
    # The same by deployment model: dedicated 2 platform and 2 partner (May); multi-tenant
    # 1 platform (April) + 1 platform (May) = 2 platform, and 1 customer (April).
    for period, segment, count in (
        ("2025-04", "multi_tenant:platform", 1), ("2025-04", "multi_tenant:customer", 1),
        ("2025-05", "dedicated:platform", 2), ("2025-05", "dedicated:partner", 2),
        ("2025-05", "multi_tenant:platform", 1),
    ):
        rows.append(kpi_value("incidents_by_cause", period, count,
                              dimension="deployment_model:cause_owner", segment=segment,
                              n=count))
    return rows
