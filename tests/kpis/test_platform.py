"""Platform reliability KPIs on small platforms worked out by hand.

Minutes of a month: January and March 2024 have 31 x 1440 = 44640, February 29 x 1440
= 41760. Each environment below is built to show one behaviour, so most tests read one
environment's row; the roll-ups read the sums.
"""

from __future__ import annotations

from typing import Any

import pytest

from factories import account, line
from kpis.computing import Computed, ComputeFn, compute_on

MARCH = 31 * 1440
DAY = 1440


def environment(environment_id: str, ready_at: str | None, **overrides: Any) -> dict:
    row: dict[str, Any] = {
        "environment_id": environment_id,
        "deployment_model": "dedicated",
        "region": "emea",
        "requested_at": "2023-11-01 00:00:00",
        "ready_at": ready_at,
        "retired_at": None,
        "monthly_cost": 100.0,
        "currency": "USD",
    }
    row.update(overrides)
    return row


def incident(incident_id: str, environment_id: str, started_at: str, resolved_at: str | None,
             impact: str = "outage", **overrides: Any) -> dict:
    row: dict[str, Any] = {
        "incident_id": incident_id,
        "environment_id": environment_id,
        "started_at": started_at,
        "resolved_at": resolved_at,
        "severity": "sev2",
        "impact": impact,
        "cause_owner": "platform",
    }
    row.update(overrides)
    return row


def maintenance(environment_id: str, starts_at: str, ends_at: str) -> dict:
    return {"environment_id": environment_id, "starts_at": starts_at, "ends_at": ends_at}


# --- uptime -------------------------------------------------------------------------------
#
# Measured on 2024-04-10 (UTC); periods January to April 2024.
#   SHARED    multi-tenant, tenants A (direct) and B (reseller); s2 names B only
#   OVERLAP   o1 spans midnight into March, o2 overlaps it
#   MAINT     one incident inside a maintenance window, one across another
#   NEW       ready 03-11 00:00; n0 began before it was ready, n1 is still open
#   RETIRED   retired 03-21 00:00; r1 runs past retirement, r2 starts after it
#   QUIET     no incidents; region not given
#   DEGRADED  an outage and degraded incidents, one overlapping it; no accounts
#   NEVER     never became ready
# Account X has no environment; J joins QUIET with its contract of 2024-03-15.

READY = "2023-12-01 00:00:00"
UPTIME_TABLES: dict[str, list[dict]] = {
    "accounts": [
        account("A", environment_id="SHARED"),
        account("B", environment_id="SHARED", channel="reseller", partner_id="P1"),
        account("C", environment_id="OVERLAP"),
        account("D", environment_id="MAINT"),
        account("F", environment_id="NEW"),
        account("G", environment_id="RETIRED"),
        account("H", environment_id="QUIET", service_tier="premium"),
        account("J", environment_id="QUIET", service_tier="gold", contract_signed_on="2024-03-15"),
        account("X", channel="oem", partner_id="P2"),
    ],
    "partners": [
        {"partner_id": "P1", "name": "Partner 1", "partner_type": "reseller"},
        {"partner_id": "P2", "name": "Partner 2", "partner_type": "oem"},
    ],
    "subscription_lines": [line("l1", "A", "2024-01-01", 100)],
    "environments": [
        environment("SHARED", READY, deployment_model="multi_tenant"),
        environment("OVERLAP", READY),
        environment("MAINT", READY),
        environment("NEW", "2024-03-11 00:00:00", region="na"),
        environment("RETIRED", READY, region="na", retired_at="2024-03-21 00:00:00"),
        environment("QUIET", READY, deployment_model="multi_tenant", region=None),
        environment("DEGRADED", READY),
        environment("NEVER", None, deployment_model="multi_tenant"),
    ],
    "incidents": [
        incident("s1", "SHARED", "2024-03-05 00:00:00", "2024-03-05 01:00:00"),
        incident("s2", "SHARED", "2024-03-05 00:30:00", "2024-03-05 03:30:00", account_id="B"),
        incident("s3", "SHARED", "2024-04-10 12:00:00", "2024-04-12 00:00:00"),
        incident("o1", "OVERLAP", "2024-02-29 22:00:00", "2024-03-01 02:00:00"),
        incident("o2", "OVERLAP", "2024-03-01 01:00:00", "2024-03-01 03:00:00"),
        incident("m1", "MAINT", "2024-03-10 10:00:00", "2024-03-10 11:00:00"),
        incident("m2", "MAINT", "2024-03-15 11:00:00", "2024-03-15 13:00:00"),
        incident("n0", "NEW", "2024-03-05 00:00:00", "2024-03-12 00:00:00"),
        incident("n1", "NEW", "2024-03-31 23:00:00", None),
        incident("r1", "RETIRED", "2024-03-20 23:00:00", "2024-03-21 01:00:00"),
        incident("r2", "RETIRED", "2024-03-25 00:00:00", "2024-03-25 01:00:00"),
        incident("d1", "DEGRADED", "2024-03-02 00:00:00", "2024-03-02 02:00:00"),
        incident("d2", "DEGRADED", "2024-03-02 01:00:00", "2024-03-02 05:00:00", "degraded"),
        incident("d3", "DEGRADED", "2024-03-03 00:00:00", "2024-03-03 01:00:00", "degraded"),
    ],
    "maintenance_windows": [
        maintenance("MAINT", "2024-03-10 09:00:00", "2024-03-10 12:00:00"),
        maintenance("MAINT", "2024-03-15 12:00:00", "2024-03-15 14:00:00"),
    ],
}

# March, per environment: (eligible minutes, downtime minutes) with degraded weight 0.
MARCH_MINUTES = {
    # A: s1 60; B: s1 and s2 merged, 00:00-03:30 = 210; the environment: the mean of its
    # two tenants' downtime, 60 + (210 - 60) / 2.
    "SHARED": (MARCH, 60 + (210 - 60) / 2),
    # o1 from March's start 00:00 to 02:00 and o2 01:00-03:00 merge into 00:00-03:00.
    "OVERLAP": (MARCH, 180),
    # Maintenance 3 h + 2 h leaves the month; m1 lies inside it, m2 is out of it 11-12.
    "MAINT": (MARCH - 180 - 120, 60),
    # Existed from 03-11: 21 days. n0 counts from 03-11 00:00 to 03-12 00:00, the open
    # n1 from 23:00 to the month's end.
    "NEW": (21 * DAY, DAY + 60),
    # Existed until 03-21 00:00: 20 days. r1 counts 23:00-24:00, r2 not at all.
    "RETIRED": (20 * DAY, 60),
    "QUIET": (MARCH, 0),
    # Outages only: d1 02:00 h.
    "DEGRADED": (MARCH, 120),
}


def uptime_of(*environments: str) -> float:
    eligible = sum(MARCH_MINUTES[e][0] for e in environments)
    return 1 - sum(MARCH_MINUTES[e][1] for e in environments) / eligible


@pytest.fixture(scope="module")
def uptime_book(tmp_path_factory: pytest.TempPathFactory) -> Computed:
    path = tmp_path_factory.mktemp("uptime") / "uptime.duckdb"
    return compute_on(path, UPTIME_TABLES, as_of="2024-04-10")


@pytest.fixture(scope="module")
def weighted_book(tmp_path_factory: pytest.TempPathFactory) -> Computed:
    path = tmp_path_factory.mktemp("weighted") / "weighted.duckdb"
    return compute_on(
        path, UPTIME_TABLES, as_of="2024-04-10", platform={"degraded_weight": 0.3}
    )


@pytest.mark.parametrize(
    "environment_id",
    [
        pytest.param("OVERLAP", id="overlapping-incidents-count-once-from-the-months-start"),
        pytest.param("MAINT", id="maintenance-leaves-eligible-minutes-and-downtime"),
        pytest.param("NEW", id="created-mid-month-and-ongoing-to-the-months-end"),
        pytest.param("RETIRED", id="retired-mid-month"),
        pytest.param("DEGRADED", id="degraded-counts-nothing-at-weight-0"),
        pytest.param("SHARED", id="tenant-incident-counts-as-that-tenants-share"),
        pytest.param("QUIET", id="no-incidents-is-full-uptime"),
    ],
)
def test_uptime_per_environment(uptime_book: Computed, environment_id: str) -> None:
    row = uptime_book.row("uptime", "2024-03", "environment", environment_id)
    eligible, downtime = MARCH_MINUTES[environment_id]
    assert row["denominator"] == pytest.approx(eligible)
    assert row["numerator"] == pytest.approx(eligible - downtime)
    assert row["value"] == pytest.approx(1 - downtime / eligible)


def test_incident_naming_a_tenant_counts_for_that_tenant_only(uptime_book: Computed) -> None:
    # A sees s1 alone (60 min); B sees s1 and its own s2 merged, 00:00-03:30.
    assert uptime_book.value("uptime", "2024-03", "account", "A") == pytest.approx(
        1 - 60 / MARCH
    )
    assert uptime_book.value("uptime", "2024-03", "account", "B") == pytest.approx(
        1 - 210 / MARCH
    )


def test_incident_resolved_after_as_of_runs_to_the_end_of_the_measuring_day(
    uptime_book: Computed,
) -> None:
    # April so far: 10 days. s3 from 04-10 12:00 to as_of's end, 04-11 00:00 = 720 min.
    row = uptime_book.row("uptime", "2024-04", "environment", "SHARED")
    assert row["denominator"] == pytest.approx(10 * DAY)
    assert row["value"] == pytest.approx(1 - 720 / (10 * DAY))


def test_incident_open_on_as_of_takes_the_whole_month_in_progress(
    uptime_book: Computed,
) -> None:
    # n1 has been open since 03-31 23:00: every April minute so far is down.
    assert uptime_book.value("uptime", "2024-04", "environment", "NEW") == pytest.approx(0)


def test_environment_existing_before_an_incident_spanning_the_month_start(
    uptime_book: Computed,
) -> None:
    # o1 began 2024-02-29 22:00: its first two hours fall in February.
    assert uptime_book.value("uptime", "2024-02", "environment", "OVERLAP") == pytest.approx(
        1 - 120 / (29 * DAY)
    )


def test_environments_not_existing_have_no_rows(uptime_book: Computed) -> None:
    assert not uptime_book.has("uptime", "2024-03", "environment", "NEVER")
    assert not uptime_book.has("uptime", "2024-04", "environment", "RETIRED")
    assert not uptime_book.has("uptime", "2024-02", "environment", "NEW")


@pytest.mark.parametrize(
    ("dimension", "segment", "expected"),
    [
        pytest.param("all", "all", uptime_of(*MARCH_MINUTES), id="platform-sums-environments"),
        pytest.param("deployment_model", "dedicated",
                     uptime_of("OVERLAP", "MAINT", "NEW", "RETIRED", "DEGRADED"),
                     id="deployment-model-of-the-environment"),
        pytest.param("region", "unknown", uptime_of("QUIET"), id="region-empty-is-unknown"),
        pytest.param("region", "na", uptime_of("NEW", "RETIRED"), id="region-na"),
        # Account dimensions sum the segment's accounts: B alone is a reseller's.
        pytest.param("channel", "reseller", 1 - 210 / MARCH, id="channel-sums-tenants"),
        # Direct: A 60 of MARCH, C, D, F, G as their environments, H and J nothing.
        pytest.param(
            "channel", "direct",
            1 - (60 + 180 + 60 + DAY + 60 + 60 + 0 + 0)
            / (MARCH + MARCH + (MARCH - 300) + 21 * DAY + 20 * DAY + MARCH + MARCH),
            id="channel-direct-sums-tenants",
        ),
        pytest.param("service_tier", "premium", 1.0, id="tier-of-a-quiet-tenant"),
    ],
)
def test_uptime_roll_ups(uptime_book: Computed, dimension: str, segment: str,
                         expected: float) -> None:
    assert uptime_book.value("uptime", "2024-03", dimension, segment) == pytest.approx(expected)


def test_account_is_a_tenant_from_its_contracts_month(uptime_book: Computed) -> None:
    assert not uptime_book.has("uptime", "2024-02", "account", "J")
    assert uptime_book.value("uptime", "2024-03", "account", "J") == 1
    # J alone is gold: before March no environment is gold's.
    assert uptime_book.value("uptime", "2024-02", "service_tier", "gold") is None
    assert uptime_book.row("incident_rate", "2024-02", "service_tier", "gold")["denominator"] == 0
    assert uptime_book.row("incident_rate", "2024-03", "service_tier", "gold")["denominator"] == 1


def test_segment_without_environments_has_empty_uptime(uptime_book: Computed) -> None:
    # X, the only oem account, runs in no environment.
    row = uptime_book.row("uptime", "2024-03", "channel", "oem")
    assert row["value"] is None
    assert row["denominator"] == 0


def test_month_without_incidents_has_full_uptime_and_no_mttr(uptime_book: Computed) -> None:
    assert uptime_book.value("uptime", "2024-01") == pytest.approx(1.0)
    assert uptime_book.value("mttr_hours", "2024-01") is None
    assert uptime_book.value("mttr_hours_p90", "2024-01") is None


def test_degraded_weight_counts_degraded_minutes_outside_outages(
    weighted_book: Computed,
) -> None:
    # d1 outage 00:00-02:00 (120). Degraded outside it: d2 02:00-05:00 (180) and d3 60,
    # weighted 0.3.
    assert weighted_book.value("uptime", "2024-03", "environment", "DEGRADED") == (
        pytest.approx(1 - (120 + 0.3 * (180 + 60)) / MARCH)
    )


def test_degraded_weight_leaves_outage_only_environments_alone(
    weighted_book: Computed,
) -> None:
    assert weighted_book.value("uptime", "2024-03", "environment", "OVERLAP") == (
        pytest.approx(1 - 180 / MARCH)
    )


def test_incident_rate_counts_environments_existing_part_of_the_month(
    uptime_book: Computed,
) -> None:
    # Started in March: s1 s2 o2 m1 m2 n0 n1 r1 r2 d1 d2 d3 = 12 (o1 began in February).
    # Existing at some time in March: every environment but NEVER, NEW and RETIRED
    # included = 7.
    row = uptime_book.row("incident_rate", "2024-03")
    assert (row["numerator"], row["denominator"]) == (12, 7)
    assert row["value"] == pytest.approx(12 / 7)


def test_incident_rate_of_a_quiet_month_is_zero(uptime_book: Computed) -> None:
    # January: six environments (NEW not yet ready), no incident.
    row = uptime_book.row("incident_rate", "2024-01")
    assert (row["value"], row["denominator"]) == (0, 6)


def test_tenant_incident_counts_in_that_tenants_segments_only(uptime_book: Computed) -> None:
    # Direct accounts' environments had s1 o2 m1 m2 n0 n1 r1 r2; s2 names B, and
    # DEGRADED hosts no account, so its incidents are in no account segment.
    assert uptime_book.row("incident_rate", "2024-03", "channel", "direct")["numerator"] == 8
    # B's reseller segment sees SHARED's s1 and s2.
    assert uptime_book.row("incident_rate", "2024-03", "channel", "reseller")["numerator"] == 2


# --- daylight saving ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def new_york(tmp_path_factory: pytest.TempPathFactory) -> Computed:
    tables = {
        "accounts": [account("A", environment_id="E")],
        "subscription_lines": [line("l1", "A", "2024-02-01", 100)],
        "environments": [environment("E", "2024-01-01 00:00:00")],
        "incidents": [
            # Local 02-29 22:00 to 03-01 00:00: a February incident in New York.
            incident("k1", "E", "2024-03-01 03:00:00", "2024-03-01 05:00:00"),
            # Local 03-31 22:00 EDT to 04-01 00:00: two March hours.
            incident("k2", "E", "2024-04-01 02:00:00", "2024-04-01 04:00:00"),
        ],
    }
    path = tmp_path_factory.mktemp("new_york") / "new_york.duckdb"
    return compute_on(path, tables, as_of="2024-04-15", reporting_timezone="America/New_York")


def test_month_with_a_clock_change_is_an_hour_shorter(new_york: Computed) -> None:
    row = new_york.row("uptime", "2024-03", "environment", "E")
    assert row["denominator"] == pytest.approx(31 * 1440 - 60)
    assert row["value"] == pytest.approx(1 - 120 / (31 * 1440 - 60))


def test_incidents_fall_in_the_local_month(new_york: Computed) -> None:
    assert new_york.value("incident_rate", "2024-02") == 1
    assert new_york.value("incident_rate", "2024-03") == 1
    # k1's two hours are February's (29 days, no clock change).
    assert new_york.value("uptime", "2024-02") == pytest.approx(1 - 120 / (29 * 1440))


# --- operations -------------------------------------------------------------------------------
#
# Measured on 2024-03-31 (UTC); periods January to March 2024.
#   S1  multi-tenant, requested 01-01 00:00, ready 06:00; tenants A (direct), B (reseller)
#   S2  multi-tenant, requested 02-28 00:00, ready 03-02 12:00 (84 h); tenant C
#   S3  multi-tenant, requested 01-01 00:00, ready 01-05 00:00 (96 h); no tenants
#   D1  dedicated, 4 custom modules, ready before the first period; tenant D
#   D2  dedicated, 1 custom module, requested 03-09 00:00, ready 03-10 00:00 (24 h)
#   D3  dedicated, custom modules not given
#   D4  dedicated, 10 custom modules, retired 02-15


def backup(environment_id: str, scheduled_at: str, status: str) -> dict:
    return {"environment_id": environment_id, "scheduled_at": scheduled_at, "status": status}


def restore_test(environment_id: str, tested_at: str, succeeded: bool) -> dict:
    return {"environment_id": environment_id, "tested_at": tested_at, "succeeded": succeeded}


def deployment(deployment_id: str, environment_id: str, deployed_at: str, kind: str,
               version: str, outcome: str = "success", available_on: str | None = None) -> dict:
    return {
        "deployment_id": deployment_id, "environment_id": environment_id,
        "deployed_at": deployed_at, "kind": kind, "version": version, "outcome": outcome,
        "available_on": available_on,
    }


def db_day(environment_id: str, day: str, p95_query_ms: float, cpu: float) -> dict:
    return {"environment_id": environment_id, "date": day, "p95_query_ms": p95_query_ms,
            "cpu_utilization": cpu}


def usage(environment_id: str, account_id: str, day: str, cpu_share: float) -> dict:
    return {"environment_id": environment_id, "account_id": account_id, "date": day,
            "cpu_share": cpu_share}


EARLY = "2023-12-02 00:00:00"
OPERATIONS_TABLES: dict[str, list[dict]] = {
    "accounts": [
        account("A", environment_id="S1"),
        account("B", environment_id="S1", channel="reseller", partner_id="P1"),
        account("C", environment_id="S2"),
        account("D", environment_id="D1", deployment_model="dedicated"),
    ],
    "partners": [{"partner_id": "P1", "name": "Partner 1", "partner_type": "reseller"}],
    "subscription_lines": [line("l1", "A", "2024-01-01", 100)],
    "environments": [
        environment("S1", "2024-01-01 06:00:00", deployment_model="multi_tenant",
                    requested_at="2024-01-01 00:00:00"),
        environment("S2", "2024-03-02 12:00:00", deployment_model="multi_tenant",
                    requested_at="2024-02-28 00:00:00"),
        environment("S3", "2024-01-05 00:00:00", deployment_model="multi_tenant", region="na",
                    requested_at="2024-01-01 00:00:00"),
        environment("D1", EARLY, custom_modules=4),
        environment("D2", "2024-03-10 00:00:00", custom_modules=1,
                    requested_at="2024-03-09 00:00:00"),
        environment("D3", EARLY, region="na"),
        environment("D4", EARLY, custom_modules=10, retired_at="2024-02-15 00:00:00"),
    ],
    "incidents": [
        # Began in February, acknowledged after 90 min and resolved after 6 h in March.
        incident("x5", "S1", "2024-02-29 23:00:00", "2024-03-01 05:00:00",
                 acknowledged_at="2024-03-01 00:30:00", cause_owner="third_party"),
        incident("x1", "S1", "2024-03-03 10:00:00", "2024-03-03 12:00:00",
                 acknowledged_at="2024-03-03 10:05:00"),
        incident("x2", "S1", "2024-03-04 10:00:00", "2024-03-04 11:00:00", "degraded",
                 acknowledged_at="2024-03-04 10:20:00", cause_owner="partner",
                 isolation_breach=True),
        # No impact: an isolation breach, but not an incident for rates and times.
        incident("x3", "D1", "2024-03-05 00:00:00", "2024-03-05 01:00:00", "none",
                 acknowledged_at="2024-03-05 00:01:00", isolation_breach=True),
        # Acknowledged only after as_of, still open.
        incident("x4", "S2", "2024-03-02 13:00:00", None,
                 acknowledged_at="2024-04-01 00:00:00", cause_owner="customer"),
    ],
    "backups": [
        backup("S1", "2024-03-01 02:00:00", "success"),
        backup("S1", "2024-03-02 02:00:00", "failed"),
        backup("S1", "2024-03-03 02:00:00", "missed"),
        backup("S1", "2024-03-04 02:00:00", "success"),
        backup("D1", "2024-03-05 02:00:00", "success"),
        backup("D1", "2024-04-01 02:00:00", "failed"),  # after as_of
    ],
    "restore_tests": [
        restore_test("S1", "2024-01-01 10:00:00", True),  # 90 days before 03-31
        restore_test("S3", "2023-12-31 10:00:00", True),  # 91 days before
        restore_test("D1", "2024-03-20 10:00:00", False),
        restore_test("D2", "2024-03-15 10:00:00", True),
    ],
    "deployments": [
        deployment("r1", "S1", "2024-03-05 10:00:00", "release", "v1"),
        deployment("r2", "D1", "2024-03-06 10:00:00", "release", "v1", "rolled_back"),
        deployment("r3", "D1", "2024-03-07 10:00:00", "release", "v1"),
        deployment("p1", "S1", "2024-03-10 10:00:00", "patch", "v1.1", available_on="2024-03-01"),
        deployment("p2", "D1", "2024-03-21 10:00:00", "patch", "v1.1", available_on="2024-03-01"),
        deployment("p3", "S3", "2024-03-05 10:00:00", "patch", "v1.1", "failed",
                   available_on="2024-03-01"),
        deployment("p4", "S3", "2024-03-11 10:00:00", "patch", "v1.2"),  # no available_on
        # u2 reaches S1 first on 02-20; its window closes 03-05 00:00, in March.
        deployment("u1", "S1", "2024-02-20 00:00:00", "upgrade", "u2"),
        deployment("u2", "S3", "2024-02-25 00:00:00", "upgrade", "u2"),
        deployment("u3", "S2", "2024-03-10 00:00:00", "upgrade", "u2"),  # too late
        deployment("u4", "D1", "2024-02-21 00:00:00", "upgrade", "u2"),  # dedicated
        # u3's window closes 04-08, after as_of.
        deployment("u5", "S1", "2024-03-25 00:00:00", "upgrade", "u3"),
    ],
    "db_performance": [
        db_day("S1", "2024-03-01", 400, 0.5),
        db_day("S1", "2024-03-02", 600, 0.9),
        db_day("S1", "2024-03-03", 500, 0.7),  # at the threshold, not above it
        db_day("D1", "2024-03-01", 1000, 0.2),
        db_day("S1", "2024-04-01", 9000, 1.0),  # after as_of
    ],
    "tenant_usage": [
        usage("S1", "A", "2024-03-01", 0.3),
        usage("S1", "A", "2024-03-02", 0.2),
        usage("S1", "B", "2024-03-01", 0.25),  # at the threshold, not above it
        usage("S1", "B", "2024-03-02", 0.6),
        usage("D1", "D", "2024-03-01", 0.9),  # dedicated: not a neighbour
    ],
}


@pytest.fixture(scope="module")
def operations(tmp_path_factory: pytest.TempPathFactory) -> Computed:
    path = tmp_path_factory.mktemp("operations") / "operations.duckdb"
    return compute_on(path, OPERATIONS_TABLES, as_of="2024-03-31")


@pytest.mark.parametrize(
    ("kpi", "dimension", "segment", "expected"),
    [
        # Acknowledged in March, outage or degraded: x5 90, x1 5, x2 20 minutes.
        pytest.param("mtta_minutes", "all", "all", 20, id="mtta-median"),
        pytest.param("mtta_minutes_p90", "all", "all", 20 + 0.8 * (90 - 20), id="mtta-p90"),
        # Resolved in March, outage or degraded: x5 6 h, x1 2 h, x2 1 h.
        pytest.param("mttr_hours", "all", "all", (6 + 2 + 1) / 3, id="mttr-is-the-mean"),
        pytest.param("mttr_hours_p50", "all", "all", 2, id="mttr-median"),
        pytest.param("mttr_hours_p90", "all", "all", 2 + 0.8 * (6 - 2), id="mttr-p90"),
        # x2 and x3 (no impact, but a breach).
        pytest.param("isolation_breaches", "all", "all", 2, id="breaches-of-any-impact"),
        # Started in March with impact: x1 x2 x4 / existing in March: S1 S2 S3 D1 D2 D3.
        pytest.param("incident_rate", "all", "all", 3 / 6, id="incident-rate"),
        # Scheduled in March: S1 success, failed, missed, success; D1 success.
        pytest.param("backup_success_rate", "all", "all", 3 / 5, id="missed-backup-fails"),
        pytest.param("backup_success_rate", "environment", "S1", 2 / 4, id="backups-of-one"),
        # Existing at March's end: S1 S2 S3 D1 D2 D3. Validated: S1 (90 days), D2.
        pytest.param("restore_validation_coverage", "all", "all", 2 / 6,
                     id="restore-coverage"),
        pytest.param("restore_validation_coverage", "environment", "S1", 1,
                     id="restore-test-90-days-old-counts"),
        pytest.param("restore_validation_coverage", "environment", "S3", 0,
                     id="restore-test-91-days-old-does-not"),
        pytest.param("restore_validation_coverage", "environment", "D1", 0,
                     id="failed-restore-test-does-not"),
        pytest.param("db_p95_query_ms", "all", "all", (400 + 600 + 500 + 1000) / 4,
                     id="db-mean-of-daily-p95"),
        pytest.param("db_slow_day_rate", "all", "all", 2 / 4, id="db-slow-days-above-500"),
        # Multi-tenant days: 0.5, 0.7, 0.9; rank 0.95 x 2 = 1.9.
        pytest.param("shared_cpu_utilization", "all", "all", 0.7 + 0.9 * (0.9 - 0.7),
                     id="shared-cpu-p95"),
        # In March: r1 r2 r3 p1 p2 p3 p4 u3 u5; r2 rolled back and p3 failed.
        pytest.param("release_success_rate", "all", "all", 7 / 9, id="release-success"),
        pytest.param("release_success_rate", "environment", "D1", 2 / 3,
                     id="rolled-back-deployment-fails"),
        # Successful patches with available_on: p1 9 days, p2 20 days.
        pytest.param("patch_latency_days", "all", "all", (9 + 20) / 2, id="patch-latency"),
        pytest.param("patch_latency_days_p90", "all", "all", 9 + 0.9 * (20 - 9),
                     id="patch-latency-p90"),
        # Ready in March: S2 84 h, D2 24 h.
        pytest.param("provisioning_hours", "all", "all", (24 + 84) / 2, id="provisioning"),
        pytest.param("provisioning_hours_p90", "all", "all", 24 + 0.9 * (84 - 24),
                     id="provisioning-p90"),
        # u2: S1 02-20, S3 02-25 within 14 days, S2 03-10 after; D1 is dedicated.
        pytest.param("upgrade_coordination", "all", "all", 2 / 3, id="upgrade-coordination"),
        pytest.param("upgrade_coordination", "environment", "S2", 0,
                     id="upgrade-after-the-window"),
        # Multi-tenant tenant-days in March: A 0.3 and B 0.6 above 0.25, of 4.
        pytest.param("noisy_neighbor_rate", "all", "all", 2 / 4, id="noisy-neighbours"),
        pytest.param("noisy_neighbor_rate", "channel", "reseller", 1 / 2,
                     id="noisy-neighbour-days-count-for-their-tenant"),
        # Dedicated in March: D1 4, D2 1 (ready mid-month); D3 states none, D4 retired.
        pytest.param("customization_overhead", "all", "all", (4 + 1) / 2,
                     id="customization-overhead"),
    ],
)
def test_operations_in_march(operations: Computed, kpi: str, dimension: str, segment: str,
                             expected: float) -> None:
    assert operations.value(kpi, "2024-03", dimension, segment) == pytest.approx(expected)


@pytest.mark.parametrize(
    ("kpi", "dimension", "segment"),
    [
        pytest.param("customization_overhead", "deployment_model", "multi_tenant",
                     id="customization-of-multi-tenant-is-empty"),
        pytest.param("shared_cpu_utilization", "deployment_model", "dedicated",
                     id="shared-cpu-of-dedicated-is-empty"),
        pytest.param("noisy_neighbor_rate", "deployment_model", "dedicated",
                     id="noisy-neighbours-of-dedicated-is-empty"),
        pytest.param("mtta_minutes", "environment", "S2", id="mtta-after-as_of-is-empty"),
    ],
)
def test_operations_without_data_are_empty(operations: Computed, kpi: str, dimension: str,
                                           segment: str) -> None:
    assert operations.value(kpi, "2024-03", dimension, segment) is None


def test_upgrade_counts_in_the_month_its_window_closes(operations: Computed) -> None:
    # u2's window opened in February but closes in March; u3's closes after as_of.
    assert operations.value("upgrade_coordination", "2024-02") is None
    assert operations.row("upgrade_coordination", "2024-03")["denominator"] == 3


def test_incident_rate_counts_an_environment_retired_mid_month(operations: Computed) -> None:
    # February: x5 / S1 S3 D1 D3 and D4 (retired 02-15).
    row = operations.row("incident_rate", "2024-02")
    assert (row["numerator"], row["denominator"]) == (1, 5)


def test_restore_window_looks_back_from_each_months_end(operations: Computed) -> None:
    # On 02-29 S1's test is 59 days old and S3's 60; D1 and D3 have none; D4 retired.
    assert operations.value("restore_validation_coverage", "2024-02") == pytest.approx(2 / 4)


@pytest.mark.parametrize(
    ("segment", "expected"),
    [
        pytest.param("platform", 1, id="platform-x1"),
        pytest.param("partner", 1, id="partner-x2"),
        pytest.param("customer", 1, id="customer-x4"),
        pytest.param("third_party", 0, id="third-party-began-in-february"),
        pytest.param("unknown", 0, id="every-owner-has-a-row"),
    ],
)
def test_incidents_by_cause(operations: Computed, segment: str, expected: int) -> None:
    assert operations.value("incidents_by_cause", "2024-03", "cause_owner", segment) == expected


def test_incidents_by_cause_per_segment(operations: Computed) -> None:
    # x2 (partner) happened on S1, which hosts B, a reseller's account.
    assert operations.value(
        "incidents_by_cause", "2024-03", "channel:cause_owner", "reseller:partner"
    ) == 1
    assert operations.value(
        "incidents_by_cause", "2024-03", "environment:cause_owner", "S2:customer"
    ) == 1


# --- tenancy starting mid-way ------------------------------------------------------------------
#
# Reported in New York, measured on 2024-03-31; periods January to March 2024. February
# 2024 has 29 x 1440 = 41760 local minutes, March 31 x 1440 - 60 = 44580 (clocks change
# on 03-10). Environment E (multi-tenant) hosts A (contract 2020, standard) and J (gold,
# contract 2024-03-15, so a tenant from March).
#   i1  names J, local 02-05 00:00-10:00: before J's tenancy
#   i2  names J, local 02-29 23:00 to 03-01 02:00: starts in February locally (March in
#       UTC), so it is the whole environment's in both months
#   i3  names J, local 03-20 00:00-01:00: J's own

NY_FEBRUARY = 29 * 1440
NY_MARCH = 31 * 1440 - 60
TENANCY_TABLES: dict[str, list[dict]] = {
    "accounts": [
        account("A", environment_id="E"),
        account("J", environment_id="E", service_tier="gold", contract_signed_on="2024-03-15"),
    ],
    "subscription_lines": [line("l1", "A", "2024-01-01", 100)],
    "environments": [environment("E", EARLY, deployment_model="multi_tenant")],
    "incidents": [
        incident("i1", "E", "2024-02-05 05:00:00", "2024-02-05 15:00:00", account_id="J"),
        incident("i2", "E", "2024-03-01 04:00:00", "2024-03-01 07:00:00", account_id="J"),
        incident("i3", "E", "2024-03-20 04:00:00", "2024-03-20 05:00:00", account_id="J"),
    ],
    "tenant_usage": [
        usage("E", "A", "2024-02-10", 0.1),
        usage("E", "J", "2024-02-10", 0.5),  # before J's tenancy
        usage("E", "J", "2024-03-10", 0.5),
    ],
}


@pytest.fixture(scope="module")
def tenancy(tmp_path_factory: pytest.TempPathFactory) -> Computed:
    path = tmp_path_factory.mktemp("tenancy") / "tenancy.duckdb"
    return compute_on(
        path, TENANCY_TABLES, as_of="2024-03-31", reporting_timezone="America/New_York"
    )


def test_incident_naming_a_future_tenant_is_the_environments_downtime(
    tenancy: Computed,
) -> None:
    # February: i1 10 h = 600 min and i2's first hour, 60 min, both the whole environment's.
    row = tenancy.row("uptime", "2024-02", "environment", "E")
    assert row["denominator"] == pytest.approx(NY_FEBRUARY)
    assert row["numerator"] == pytest.approx(NY_FEBRUARY - (600 + 60))
    assert tenancy.value("uptime", "2024-02") == pytest.approx(1 - 660 / NY_FEBRUARY)


def test_incident_naming_a_future_tenant_reaches_the_current_tenants(
    tenancy: Computed,
) -> None:
    # A, the only tenant in February, sees i1 and i2's first hour; J is not yet a tenant.
    assert tenancy.value("uptime", "2024-02", "account", "A") == pytest.approx(
        1 - (600 + 60) / NY_FEBRUARY
    )
    assert not tenancy.has("uptime", "2024-02", "account", "J")


def test_incident_keeps_the_scope_of_its_local_start_month(tenancy: Computed) -> None:
    # i2 began on local 02-29, before J's tenancy: its March part, 00:00-02:00 = 120 min,
    # is still the whole environment's, so A sees it too. J adds i3's 60 min of its own;
    # the environment is the mean of its two tenants, (120 + 180) / 2.
    assert tenancy.value("uptime", "2024-03", "account", "A") == pytest.approx(
        1 - 120 / NY_MARCH
    )
    assert tenancy.value("uptime", "2024-03", "account", "J") == pytest.approx(
        1 - (120 + 60) / NY_MARCH
    )
    assert tenancy.value("uptime", "2024-03", "environment", "E") == pytest.approx(
        1 - (120 + 180) / 2 / NY_MARCH
    )


def test_incident_before_a_tenancy_counts_in_the_current_tenants_segments(
    tenancy: Computed,
) -> None:
    # February: i1 and i2 started (local), on E's one environment. They count for A's
    # standard tier, not J's gold one, which has no environment before March.
    assert tenancy.row("incident_rate", "2024-02")["numerator"] == 2
    assert tenancy.row("incident_rate", "2024-02", "service_tier", "standard")["numerator"] == 2
    gold = tenancy.row("incident_rate", "2024-02", "service_tier", "gold")
    assert (gold["numerator"], gold["denominator"], gold["value"]) == (0, 0, None)
    # Resolved in February: i1, 10 h; counted for the standard tier too.
    assert tenancy.value("mttr_hours", "2024-02") == pytest.approx(10)
    assert tenancy.value("mttr_hours", "2024-02", "service_tier", "standard") == (
        pytest.approx(10)
    )


def test_tenant_days_before_a_tenancy_count_in_none_of_its_segments(
    tenancy: Computed,
) -> None:
    # February tenant-days: A 0.1 and J 0.5 (above 0.25) on E: 1 of 2 for the platform;
    # J's day is not yet gold's, so gold has no tenant-days (empty, not 0).
    assert tenancy.value("noisy_neighbor_rate", "2024-02") == pytest.approx(1 / 2)
    gold = tenancy.row("noisy_neighbor_rate", "2024-02", "service_tier", "gold")
    assert (gold["denominator"], gold["value"]) == (0, None)
    # From March J's days are gold's: 1 of 1.
    assert tenancy.value("noisy_neighbor_rate", "2024-03", "service_tier", "gold") == 1


# --- upgrade coordination -----------------------------------------------------------------------
#
# Measured on 2024-03-31 (UTC). Version v2 first reaches a multi-tenant environment on
# 03-01 00:00 (M1); the 14-day window closes 03-15 00:00, a 7-day one 03-08 00:00.
#   M1  upgraded 03-01
#   M2  failed 03-03, upgraded 03-10
#   M3  never attempted
#   M4  retired 03-05, before either close
#   M5  ready 03-20, after either close
#   M6  ready 03-12: after the 7-day close, before the 14-day one; never attempted, so
#       built on v2 and not expected to upgrade
#   M7  ready 03-05, inside both windows, upgraded late on 03-20: it needed v2
#   DED dedicated, upgraded 02-20: neither opens the window nor counts

UPGRADE_TABLES: dict[str, list[dict]] = {
    "accounts": [account("A", environment_id="M1")],
    "subscription_lines": [line("l1", "A", "2024-01-01", 100)],
    "environments": [
        environment("M1", EARLY, deployment_model="multi_tenant"),
        environment("M2", EARLY, deployment_model="multi_tenant"),
        environment("M3", EARLY, deployment_model="multi_tenant"),
        environment("M4", EARLY, deployment_model="multi_tenant",
                    retired_at="2024-03-05 00:00:00"),
        environment("M5", "2024-03-20 00:00:00", deployment_model="multi_tenant"),
        environment("M6", "2024-03-12 00:00:00", deployment_model="multi_tenant"),
        environment("M7", "2024-03-05 00:00:00", deployment_model="multi_tenant"),
        environment("DED", EARLY),
    ],
    "deployments": [
        deployment("u1", "M1", "2024-03-01 00:00:00", "upgrade", "v2"),
        deployment("u2", "M2", "2024-03-03 00:00:00", "upgrade", "v2", "failed"),
        deployment("u3", "M2", "2024-03-10 00:00:00", "upgrade", "v2"),
        deployment("u4", "DED", "2024-02-20 00:00:00", "upgrade", "v2"),
        deployment("u5", "M7", "2024-03-20 00:00:00", "upgrade", "v2"),
    ],
}


@pytest.fixture(scope="module")
def upgrades(tmp_path_factory: pytest.TempPathFactory) -> Computed:
    path = tmp_path_factory.mktemp("upgrades") / "upgrades.duckdb"
    return compute_on(path, UPGRADE_TABLES, as_of="2024-03-31")


def test_upgrade_coordination_counts_environments_existing_through_the_window(
    upgrades: Computed,
) -> None:
    # Through 03-01 .. 03-15: M1 M2 M3, and M7 (ready inside, but upgraded later, so it
    # needed v2); M4 retired, M5 not ready, M6 built inside it. Upgraded by 03-15: M1 M2.
    row = upgrades.row("upgrade_coordination", "2024-03")
    assert (row["numerator"], row["denominator"]) == (2, 4)
    assert row["value"] == pytest.approx(2 / 4)
    # M4, M5 and M6 existed in March, so they have rows, but nothing to coordinate.
    for absent in ("M4", "M5", "M6"):
        row = upgrades.row("upgrade_coordination", "2024-03", "environment", absent)
        assert (row["denominator"], row["value"]) == (0, None)


def test_environment_never_upgraded_counts_against(upgrades: Computed) -> None:
    row = upgrades.row("upgrade_coordination", "2024-03", "environment", "M3")
    assert (row["numerator"], row["denominator"], row["value"]) == (0, 1, 0)


def test_failed_attempt_then_success_within_the_window_is_coordinated(
    upgrades: Computed,
) -> None:
    row = upgrades.row("upgrade_coordination", "2024-03", "environment", "M2")
    assert (row["numerator"], row["denominator"], row["value"]) == (1, 1, 1)


def test_dedicated_environments_neither_open_nor_join_the_window(upgrades: Computed) -> None:
    # DED's 02-20 upgrade would close a window on 03-05 with M1 M2 M3 M4; it does not.
    row = upgrades.row("upgrade_coordination", "2024-03", "environment", "DED")
    assert (row["denominator"], row["value"]) == (0, None)
    assert upgrades.value("upgrade_coordination", "2024-02") is None


def test_upgrade_window_is_configurable(compute: ComputeFn) -> None:
    # 7 days: the window closes 03-08 00:00. Expected: M1 M2 M3 and M7 (ready 03-05,
    # upgraded later); M6 is ready only on 03-12. Upgraded by then: M1 (M2 only failed).
    computed = compute(
        as_of="2024-03-31", settings={"platform": {"upgrade_window_days": 7}},
        **UPGRADE_TABLES,
    )
    row = computed.row("upgrade_coordination", "2024-03")
    assert (row["numerator"], row["denominator"]) == (1, 4)
    assert computed.value("upgrade_coordination", "2024-03", "environment", "M2") == 0
